// Integer arithmetic and logic: add, adc, sub, sbb, cmp, and, or, xor, test, inc, dec, neg, not,
// cmpxchg, xadd.
//
// Flags (host_abi.h): NZCV is kept as SF, ZF, !CF, OF. AArch64's SUBS produces exactly that
// (its C is "no borrow"), so sub/cmp need one instruction. ADDS produces C = CF, so when CF
// is live after an add the carry is inverted through MRS/EOR/MSR. Logic results are compared
// with zero (N, Z from the result, C=1 i.e. CF=0, V=0) unless only SF/ZF are live, when ANDS
// does. 8- and 16-bit operations shift both operands to the top of the register first, so
// AArch64's 32-bit N, Z, C and V are the x86 flags of the narrow operation (the FEX-Emu trick).
#include <capstone/capstone.h>

#include <optional>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

using Op = AluOp;

void invertCarry(TranslationContext& t) {
    const A64Reg n = t.scratch();
    t.e.mrsNzcv(n);
    t.e.eorImm(Width::X, n, n, uint64_t(1) << 29);
    t.e.msrNzcv(n);
}

// The flags of an and/or/xor result in r: compared with zero at its own width when NZCV is
// live (C=1 is CF=0, V=0, as x86 leaves them); AF cleared as Unicorn and QEMU leave it; PF from r.
void logicalResultFlags(TranslationContext& t, A64Reg r, uint8_t bits, bool nzcv) {
    if (nzcv) {
        if (bits == 32) {
            t.e.subsImm(Width::W, kZr, r, 0);
        } else {
            const A64Reg wide = t.scratch();
            t.e.lslImm(Width::W, wide, r, static_cast<uint8_t>(32 - bits));
            t.e.subsImm(Width::W, kZr, wide, 0);
        }
        t.markComputed(t.liveAfter() & (kSF | kZF | kCF | kOF));
    }
    t.clearAuxCarry();
    t.keepParity(r);
}

// A narrow sub or cmp whose SF and OF are dead needs no shift to the top of the register: on
// zero-extended operands the 32-bit subtraction is zero exactly when the narrow one is, and
// borrows exactly when a < b, so Z and C are already x86's ZF and !CF (N and V are not).
bool narrowSubNeedsNoShift(const TranslationContext& t, Op op, bool writes_carry) {
    return op == Op::Sub && writes_carry && !t.live(kSF | kOF);
}

}  // namespace

// Emits dst = a OP b for `bits`-wide operands (zero-extended in a and b), with the live flags.
// Returns the register holding the zero-extended result.
// inc/dec pass writes_carry = false: they leave CF alone, so a live CF is no reason to set NZCV.
A64Reg aluOp(TranslationContext& t, Op op, A64Reg a, A64Reg b, uint8_t bits, bool want_result, A64Reg result_hint,
             bool writes_carry, bool force_nzcv) {
    A64Emitter& e = t.e;
    const uint8_t nzcv_flags = writes_carry ? (kSF | kZF | kCF | kOF) : (kSF | kZF | kOF);
    const bool nzcv = force_nzcv || t.live(nzcv_flags);
    const bool arithmetic = op == Op::Add || op == Op::Sub;
    if (arithmetic && t.live(kAF)) e.eorReg(Width::W, kAfSource, a, b);
    A64Reg r = result_hint;
    const bool need_value = want_result || t.live(kPF) || t.live(kAF);
    if (arithmetic) {
        if (bits == 32 || !nzcv || narrowSubNeedsNoShift(t, op, writes_carry)) {
            if (!need_value) r = kZr;
            if (op == Op::Add) nzcv ? e.addsReg(Width::W, r, a, b) : e.addReg(Width::W, r, a, b);
            else nzcv ? e.subsReg(Width::W, r, a, b) : e.subReg(Width::W, r, a, b);
            // Narrow and flagless: the bits above `bits` are garbage, but nothing reads them
            // (the write merges the low bits, PF reads bit 0-7, AF bit 4).
        } else {
            const auto shift = static_cast<uint8_t>(32 - bits);
            const A64Reg wide = t.scratch();
            e.lslImm(Width::W, wide, a, shift);
            if (op == Op::Add) e.addsReg(Width::W, wide, wide, b, Shift::LSL, shift);
            else e.subsReg(Width::W, wide, wide, b, Shift::LSL, shift);
            if (need_value) e.lsrImm(Width::W, r, wide, shift);
        }
        if (nzcv && op == Op::Add && writes_carry && t.live(kCF)) invertCarry(t);
        if (nzcv) t.markComputed(t.liveAfter() & nzcv_flags);
        if (t.live(kAF)) {
            e.eorReg(Width::W, kAfSource, kAfSource, r);
            t.markComputed(kAF);
        }
    } else {
        if (!need_value && op == Op::And && !t.live(kCF) && bits == 32 && !force_nzcv) {
            e.andsReg(Width::W, kZr, a, b);  // tst: N, Z; C=0 is fine while CF is dead
            t.markComputed(t.liveAfter() & (kSF | kZF | kOF));
            return kZr;
        }
        if (op == Op::And && nzcv && bits == 32 && !t.live(kCF) && !force_nzcv) {
            // ands: N, Z from the result, V=0; its C=0 would say CF=1, but CF is dead.
            e.andsReg(Width::W, r, a, b);
            t.markComputed(t.liveAfter() & (kSF | kZF | kOF));
            t.clearAuxCarry();
            t.keepParity(r);
            return r;
        }
        if (op == Op::And) e.andReg(Width::W, r, a, b);
        else if (op == Op::Or) e.orrReg(Width::W, r, a, b);
        else e.eorReg(Width::W, r, a, b);
        logicalResultFlags(t, r, bits, nzcv);
        return r;
    }
    t.keepParity(r);
    return r;
}

namespace {

A64Reg arith(TranslationContext& t, Op op, A64Reg a, A64Reg b, uint8_t bits, bool want_result, A64Reg result_hint,
             bool writes_carry = true) {
    return aluOp(t, op, a, b, bits, want_result, result_hint, writes_carry);
}

// dst OP imm with the immediate folded into the AArch64 instruction (imm12 for add/sub, a
// bitmask immediate for and/or/xor), saving the movz/movk that would materialise it. Returns
// nothing when the form does not apply: an AF that needs a ^ imm, a narrow operation whose
// flags need both operands shifted to the top, an immediate with no encoding.
std::optional<A64Reg> aluImmediate(TranslationContext& t, Op op, A64Reg a, uint32_t imm, uint8_t bits, bool want_result,
                                   A64Reg result_hint, bool writes_carry) {
    A64Emitter& e = t.e;
    const uint8_t nzcv_flags = writes_carry ? (kSF | kZF | kCF | kOF) : (kSF | kZF | kOF);
    const bool nzcv = t.live(nzcv_flags);
    const bool arithmetic = op == Op::Add || op == Op::Sub;
    if (arithmetic && t.live(kAF)) return std::nullopt;
    if (bits < 32 && nzcv && arithmetic && !narrowSubNeedsNoShift(t, op, writes_carry)) return std::nullopt;
    const bool need_value = want_result || t.live(kPF) || (!arithmetic && t.live(kAF));
    if (arithmetic) {
        if (!nzcv && !need_value) return kZr;  // nothing observes it
        Op o = op;
        uint32_t v = imm;
        // Without flags, add of -v is sub of v (with flags CF and OF differ, so not then).
        if (v >= 0x1000 && !nzcv && uint32_t(0u - v) < 0x1000) {
            v = 0u - v;
            o = op == Op::Add ? Op::Sub : Op::Add;
        }
        if (v >= 0x1000) return std::nullopt;
        const A64Reg r = need_value ? result_hint : kZr;
        if (o == Op::Add) nzcv ? e.addsImm(Width::W, r, a, v) : e.addImm(Width::W, r, a, v);
        else nzcv ? e.subsImm(Width::W, r, a, v) : e.subImm(Width::W, r, a, v);
        if (nzcv && o == Op::Add && writes_carry && t.live(kCF)) invertCarry(t);
        if (nzcv) t.markComputed(t.liveAfter() & nzcv_flags);
        t.keepParity(r);
        return r;
    }
    if (!encodeLogicalImmediate(imm, Width::W)) return std::nullopt;
    const A64Reg r = result_hint;
    if (op == Op::And) e.andImm(Width::W, r, a, imm);
    else if (op == Op::Or) e.orrImm(Width::W, r, a, imm);
    else e.eorImm(Width::W, r, a, imm);
    logicalResultFlags(t, r, bits, nzcv);
    return r;
}

bool transBinary(TranslationContext& t, Op op, bool writes) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2) return false;
    const GuestOperand &dst = in.ops[0], &src = in.ops[1];
    const auto bits = static_cast<uint8_t>(dst.size * 8);
    const A64Reg a = t.read(dst);
    // A result only the lazy PF reads (cmp, test) goes straight into w16.
    const A64Reg result = writes && t.isReg32(dst) ? hostRegOf(dst.reg) : !writes && t.live(kPF) ? kPfSource : t.scratch();
    if (src.kind == OpKind::Imm)
        if (const auto r = aluImmediate(t, op, a, src.imm, bits, writes, result, true)) {
            if (writes && (*r != hostRegOf(dst.reg) || !t.isReg32(dst))) t.write(dst, *r);
            return true;
        }
    const A64Reg b = t.read(src);
    // For a 32-bit register destination the result goes straight into the guest register;
    // that register may also be `a`, which AArch64 allows (sources are read first).
    const A64Reg r = arith(t, op, a, b, bits, writes, result);
    if (writes && (r != hostRegOf(dst.reg) || !t.isReg32(dst))) t.write(dst, r);
    return true;
}

bool transIncDec(TranslationContext& t, bool inc) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1) return false;
    const GuestOperand& dst = in.ops[0];
    const auto bits = static_cast<uint8_t>(dst.size * 8);
    const A64Reg a = t.read(dst);
    // CF survives inc/dec: when a later instruction reads it, put the old C back.
    const bool keep_carry = t.live(kCF) && t.live(kSF | kZF | kOF);
    A64Reg old = kZr;
    if (keep_carry) {
        old = t.scratch();
        t.e.mrsNzcv(old);
    }
    const A64Reg result = t.isReg32(dst) ? hostRegOf(dst.reg) : t.scratch();
    const auto folded = aluImmediate(t, inc ? Op::Add : Op::Sub, a, 1, bits, true, result, false);
    const A64Reg r = folded ? *folded : arith(t, inc ? Op::Add : Op::Sub, a, t.constant(1), bits, true, result, false);
    if (keep_carry) {
        const A64Reg now = t.scratch();
        t.e.mrsNzcv(now);
        t.e.lsrImm(Width::X, old, old, 29);
        t.e.bfi(Width::X, now, old, 29, 1);
        t.e.msrNzcv(now);
    }
    if (r != hostRegOf(dst.reg) || !t.isReg32(dst)) t.write(dst, r);
    return true;
}

bool transNeg(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1) return false;
    const GuestOperand& dst = in.ops[0];
    const auto bits = static_cast<uint8_t>(dst.size * 8);
    const A64Reg a = t.readCopy(dst);
    const A64Reg result = t.isReg32(dst) ? hostRegOf(dst.reg) : t.scratch();
    // 0 - a: AArch64's C is then (a == 0), the inverse of x86's CF = (a != 0).
    const A64Reg r = arith(t, Op::Sub, kZr, a, bits, true, result);
    if (r != hostRegOf(dst.reg) || !t.isReg32(dst)) t.write(dst, r);
    return true;
}

bool transNot(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1) return false;
    const GuestOperand& dst = in.ops[0];
    const A64Reg a = t.read(dst);
    const A64Reg r = t.isReg32(dst) ? hostRegOf(dst.reg) : t.scratch();
    t.e.ornReg(Width::W, r, kZr, a);
    if (!t.isReg32(dst)) t.write(dst, r);
    return true;
}

// adc/sbb: a + b + CF and a - b - CF, computed 64 bits wide from zero-extended operands so
// one path serves every width: CF is bit `bits` of the wide result (the carry, or the borrow
// as the wrapped-around sign), OF the sign of (a ^ r) & (b ^ r) for add and (a ^ b) & (a ^ r)
// for subtract, SF/ZF/PF from the low `bits`, AF from bit 4 of a ^ b ^ r.
bool transCarryArith(TranslationContext& t, bool add) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2) return false;
    const GuestOperand &dst = in.ops[0], &src = in.ops[1];
    const auto bits = static_cast<uint8_t>(dst.size * 8);
    A64Emitter& e = t.e;
    const A64Reg carry = t.carryFlag();
    const A64Reg a = t.read(dst);
    const A64Reg b = t.read(src);
    const A64Reg r = t.scratch();
    if (add) {
        e.addReg(Width::X, r, a, b);
        e.addReg(Width::X, r, r, carry);
    } else {
        e.subReg(Width::X, r, a, b);
        e.subReg(Width::X, r, r, carry);
    }
    if (t.live(kAF)) {
        e.eorReg(Width::W, kAfSource, a, b);
        e.eorReg(Width::W, kAfSource, kAfSource, r);
        t.markComputed(kAF);
    }
    A64Reg cf = kZr, of = kZr;
    if (t.live(kCF)) {
        cf = t.scratch();
        e.ubfx(Width::X, cf, r, bits, 1);
    }
    if (t.live(kOF)) {
        of = t.scratch();
        const A64Reg x = t.scratch();
        if (add) {
            e.eorReg(Width::W, of, a, r);
            e.eorReg(Width::W, x, b, r);
        } else {
            e.eorReg(Width::W, of, a, b);
            e.eorReg(Width::W, x, a, r);
        }
        e.andReg(Width::W, of, of, x);
        e.ubfx(Width::W, of, of, static_cast<uint8_t>(bits - 1), 1);
    }
    t.flagsFrom(r, bits, cf, of);
    t.keepParity(r);
    t.write(dst, r);
    return true;
}

// cmpxchg dst, src: compare the accumulator with dst (flags of cmp acc, dst); equal: dst = src,
// else acc = dst. x86 writes dst either way (its old value back on a mismatch).
bool transCmpxchg(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2) return false;
    const GuestOperand &dst = in.ops[0], &src = in.ops[1];
    const auto bits = static_cast<uint8_t>(dst.size * 8);
    GuestOperand acc;
    acc.kind = OpKind::Reg;
    acc.size = dst.size;
    acc.reg = 0;
    const A64Reg old = t.readCopy(dst);
    const A64Reg a = t.readCopy(acc);
    const A64Reg s = t.readCopy(src);
    aluOp(t, Op::Sub, a, old, bits, false, t.scratch(), true, true);
    const A64Reg new_acc = t.scratch(), new_dst = t.scratch();
    t.e.csel(Width::W, new_acc, a, old, Cond::EQ);
    t.e.csel(Width::W, new_dst, s, old, Cond::EQ);
    t.write(acc, new_acc);
    t.write(dst, new_dst);
    return true;
}

// xadd dst, src: src = old dst, dst = old dst + src (flags of the add).
bool transXadd(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2) return false;
    const GuestOperand &dst = in.ops[0], &src = in.ops[1];
    const A64Reg old = t.readCopy(dst);
    const A64Reg s = t.readCopy(src);
    const A64Reg sum = arith(t, Op::Add, old, s, static_cast<uint8_t>(dst.size * 8), true, t.scratch());
    t.write(src, old);
    t.write(dst, sum);
    return true;
}

}  // namespace

bool transAlu(TranslationContext& t) {
    switch (t.insn().id) {
    case X86_INS_ADC: return transCarryArith(t, true);
    case X86_INS_SBB: return transCarryArith(t, false);
    case X86_INS_CMPXCHG: return transCmpxchg(t);
    case X86_INS_XADD: return transXadd(t);
    case X86_INS_ADD: return transBinary(t, Op::Add, true);
    case X86_INS_SUB: return transBinary(t, Op::Sub, true);
    case X86_INS_CMP: return transBinary(t, Op::Sub, false);
    case X86_INS_AND: return transBinary(t, Op::And, true);
    case X86_INS_OR: return transBinary(t, Op::Or, true);
    case X86_INS_XOR: return transBinary(t, Op::Xor, true);
    case X86_INS_TEST: return transBinary(t, Op::And, false);
    case X86_INS_INC: return transIncDec(t, true);
    case X86_INS_DEC: return transIncDec(t, false);
    case X86_INS_NEG: return transNeg(t);
    case X86_INS_NOT: return transNot(t);
    default: return false;
    }
}

}  // namespace vl::emu::dbt
