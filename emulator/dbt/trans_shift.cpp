// Shifts: shl, shr, sar of 32-bit operands, by an immediate or by cl.
//
// The flags follow what x86 hardware and Unicorn (QEMU's CC_OP_SHL/CC_OP_SAR) produce: with
// `src` the operand shifted by count-1 and `dst` the result, CF is the last bit shifted out
// (the top bit of src for shl, the low bit for shr/sar), OF is the top bit of src ^ dst
// (for count 1 the architected value, for larger counts what QEMU and Intel CPUs give),
// SF/ZF/PF from dst, AF = 0. A count of 0 (after masking to 5 bits) changes no flag at all,
// so a shift by cl branches around its flag code when cl & 31 is zero.
#include <capstone/capstone.h>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

enum class Kind { Shl, Shr, Sar };

void shiftByImm(TranslationContext& t, Kind k, A64Reg d, A64Reg v, uint8_t n) {
    if (n == 0) return (void)(d != v ? t.e.movReg(Width::W, d, v) : void());
    if (k == Kind::Shl) t.e.lslImm(Width::W, d, v, n);
    else if (k == Kind::Shr) t.e.lsrImm(Width::W, d, v, n);
    else t.e.asrImm(Width::W, d, v, n);
}

void shiftByReg(TranslationContext& t, Kind k, A64Reg d, A64Reg v, A64Reg n) {
    if (k == Kind::Shl) t.e.lslv(Width::W, d, v, n);
    else if (k == Kind::Shr) t.e.lsrv(Width::W, d, v, n);
    else t.e.asrv(Width::W, d, v, n);
}

// Flags from src (shifted by count-1) and the result.
void shiftFlags(TranslationContext& t, Kind k, A64Reg src, A64Reg result) {
    A64Reg cf = kZr, of = kZr;
    if (t.live(kCF)) {
        cf = t.scratch();
        t.e.ubfx(Width::W, cf, src, k == Kind::Shl ? 31 : 0, 1);
    }
    if (t.live(kOF) && k != Kind::Sar) {  // sar keeps the sign: src ^ dst has a clear top bit
        of = t.scratch();
        t.e.eorReg(Width::W, of, src, result);
        t.e.lsrImm(Width::W, of, of, 31);
    }
    t.flagsFrom(result, 32, cf, of);
    t.keepParity(result);
    t.clearAuxCarry();
}

bool transShiftOp(TranslationContext& t, Kind k) {
    const GuestInsn& in = t.insn();
    if (in.ops.empty() || in.ops.size() > 2 || in.ops[0].size != 4) return false;
    const GuestOperand& dst = in.ops[0];
    const bool by_cl = in.ops.size() == 2 && in.ops[1].kind == OpKind::Reg;
    if (by_cl && (in.ops[1].reg != 1 || in.ops[1].size != 1 || in.ops[1].high_byte)) return false;
    const A64Reg v = t.read(dst);
    const A64Reg result = t.scratch();
    if (!by_cl) {
        const uint8_t n = in.ops.size() == 2 ? static_cast<uint8_t>(in.ops[1].imm & 31) : 1;
        if (n == 0) return true;  // no change, no flags
        shiftByImm(t, k, result, v, n);
        if (t.live(kAllFlags)) {
            const A64Reg src = n == 1 ? v : t.scratch();
            shiftByImm(t, k, src, v, static_cast<uint8_t>(n - 1));
            shiftFlags(t, k, src, result);
        }
    } else {
        const A64Reg count = t.scratch();
        t.e.andImm(Width::W, count, 1, 31);
        shiftByReg(t, k, result, v, count);
        if (t.live(kAllFlags)) {
            const size_t skip = t.forwardBranch([&] { t.e.cbz(Width::W, count, t.e.here()); });
            const A64Reg src = t.scratch();
            t.e.subImm(Width::W, src, count, 1);
            shiftByReg(t, k, src, v, src);
            shiftFlags(t, k, src, result);
            t.bind(skip);
        }
    }
    t.write(dst, result);
    return true;
}

}  // namespace

bool transShift(TranslationContext& t) {
    switch (t.insn().id) {
    case X86_INS_SHL: return transShiftOp(t, Kind::Shl);
    case X86_INS_SHR: return transShiftOp(t, Kind::Shr);
    case X86_INS_SAR: return transShiftOp(t, Kind::Sar);
    default: return false;
    }
}

}  // namespace vl::emu::dbt
