// Multiply and divide: mul, imul (one, two and three operands), div, idiv. The 32-bit forms
// are inline; the 8- and 16-bit forms (al/ax/dx:ax, rare in compiled code) go through the
// runtime helpers (runtime_helpers.h), which apply the same rules at their width.
//
// Flags as Unicorn (QEMU's CC_OP_MULL) sets them: CF = OF = "the high half is significant"
// (unsigned: edx != 0; signed: the product does not fit in 32 bits), SF/ZF/PF from the low
// 32 bits, AF = 0. div leaves every flag as it was (QEMU does not touch them) and raises #DE
// for a zero divisor or a quotient that does not fit, which ends the run like the x86 CPU's.
#include <capstone/capstone.h>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

constexpr A64Reg kEax = 0, kEdx = 2;
constexpr A64Reg kArg0 = 20, kArg1 = 21;  // helper arguments (host_abi.h)

// The narrow forms: one operand in w20 (and a second in w21 for imul r16, r/m16[, imm]).
bool transNarrow(TranslationContext& t, HelperKind kind) {
    const GuestInsn& in = t.insn();
    if (in.ops.empty() || in.ops[0].size == 4) return false;
    if (in.ops.size() == 1) {
        t.e.movReg(Width::W, kArg0, t.read(in.ops[0]));
        t.callHelper(kind, in.ops[0].size);
        return true;
    }
    if (kind != HelperKind::Imul || in.ops[0].kind != OpKind::Reg) return false;
    t.e.movReg(Width::W, kArg0, t.read(in.ops.size() == 3 ? in.ops[1] : in.ops[0]));
    t.e.movReg(Width::W, kArg1, t.read(in.ops.size() == 3 ? in.ops[2] : in.ops[1]));
    t.callHelper(HelperKind::Imul2, in.ops[0].size);
    t.write(in.ops[0], kArg0);
    return true;
}

// NZCV from a 32-bit low half and a 0/1 "overflowed" bit, which is computed with CMP and so
// must be taken before the final flags are built.
void mulFlags(TranslationContext& t, A64Reg low, A64Reg overflowed) {
    t.flagsFrom(low, 32, overflowed, overflowed);
    t.keepParity(low);
    t.clearAuxCarry();
}

bool transMul(TranslationContext& t, bool is_signed) {
    const GuestInsn& in = t.insn();
    if (!in.ops.empty() && in.ops[0].size != 4) return transNarrow(t, is_signed ? HelperKind::Imul : HelperKind::Mul);
    if (in.ops.empty()) return false;
    const bool flags = t.live(kAllFlags);
    const A64Reg product = t.scratch();
    if (in.ops.size() == 1) {
        // edx:eax = eax * r/m32
        const A64Reg src = t.read(in.ops[0]);
        if (is_signed) t.e.smull(product, kEax, src);
        else t.e.umull(product, kEax, src);
        A64Reg overflowed = kZr;
        if (flags) {
            overflowed = t.scratch();
            if (is_signed) {
                t.e.subsExt(Width::X, kZr, product, product, Extend::SXTW);
            } else {
                t.e.lsrImm(Width::X, overflowed, product, 32);
                t.e.subsImm(Width::W, kZr, overflowed, 0);
            }
            t.e.cset(Width::W, overflowed, Cond::NE);
        }
        t.e.movReg(Width::W, kEax, product);
        t.e.lsrImm(Width::X, kEdx, product, 32);
        if (flags) mulFlags(t, kEax, overflowed);
        return true;
    }
    if (!is_signed || in.ops[0].kind != OpKind::Reg) return false;
    // imul r32, r/m32 [, imm]
    const A64Reg a = in.ops.size() == 3 ? t.read(in.ops[1]) : t.read(in.ops[0]);
    const A64Reg b = in.ops.size() == 3 ? t.read(in.ops[2]) : t.read(in.ops[1]);
    t.e.smull(product, a, b);
    A64Reg overflowed = kZr;
    if (flags) {
        overflowed = t.scratch();
        t.e.subsExt(Width::X, kZr, product, product, Extend::SXTW);
        t.e.cset(Width::W, overflowed, Cond::NE);
    }
    t.write(in.ops[0], product);
    if (flags) mulFlags(t, hostRegOf(in.ops[0].reg), overflowed);
    return true;
}

// idiv r/m32: edx:eax / r/m32 signed. AArch64's sdiv never traps (INT64_MIN / -1 gives
// INT64_MIN), so both #DE cases are tested: a zero divisor, and a quotient that does not
// survive sign extension from 32 bits (which also catches that one overflow).
bool transIdiv(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1) return false;
    if (in.ops[0].size != 4) return transNarrow(t, HelperKind::Idiv);
    const A64Reg divisor = t.scratch();
    t.e.sbfx(Width::X, divisor, t.read(in.ops[0]), 0, 32);
    const size_t by_zero = t.forwardBranch([&] { t.e.cbz(Width::X, divisor, t.e.here()); });
    t.exitFrom(by_zero, ExitReason::DivideError, in.address);
    const A64Reg dividend = t.scratch(), quotient = t.scratch(), check = t.scratch();
    t.e.orrReg(Width::X, dividend, kEax, kEdx, Shift::LSL, 32);
    t.e.sdiv(Width::X, quotient, dividend, divisor);
    t.e.sbfx(Width::X, check, quotient, 0, 32);
    t.e.subReg(Width::X, check, check, quotient);
    const size_t too_big = t.forwardBranch([&] { t.e.cbnz(Width::X, check, t.e.here()); });
    t.exitFrom(too_big, ExitReason::DivideError, in.address);
    t.e.msub(Width::X, check, quotient, divisor, dividend);
    t.e.movReg(Width::W, kEax, quotient);
    t.e.movReg(Width::W, kEdx, check);
    return true;
}

bool transDiv(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1) return false;
    if (in.ops[0].size != 4) return transNarrow(t, HelperKind::Div);
    const A64Reg divisor = t.readCopy(in.ops[0]);
    const size_t by_zero = t.forwardBranch([&] { t.e.cbz(Width::W, divisor, t.e.here()); });
    t.exitFrom(by_zero, ExitReason::DivideError, in.address);
    const A64Reg dividend = t.scratch(), quotient = t.scratch(), rest = t.scratch();
    t.e.orrReg(Width::X, dividend, kEax, kEdx, Shift::LSL, 32);  // edx:eax (upper halves are zero)
    t.e.udiv(Width::X, quotient, dividend, divisor);
    t.e.lsrImm(Width::X, rest, quotient, 32);
    const size_t too_big = t.forwardBranch([&] { t.e.cbnz(Width::X, rest, t.e.here()); });
    t.exitFrom(too_big, ExitReason::DivideError, in.address);
    t.e.msub(Width::X, rest, quotient, divisor, dividend);
    t.e.movReg(Width::W, kEax, quotient);
    t.e.movReg(Width::W, kEdx, rest);
    return true;
}

}  // namespace

bool transMulDiv(TranslationContext& t) {
    switch (t.insn().id) {
    case X86_INS_MUL: return transMul(t, false);
    case X86_INS_IMUL: return transMul(t, true);
    case X86_INS_DIV: return transDiv(t);
    case X86_INS_IDIV: return transIdiv(t);
    default: return false;
    }
}

}  // namespace vl::emu::dbt
