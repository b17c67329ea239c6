// Shifts and rotates: shl, shr, sar, rol, ror (8, 16 and 32 bits, by an immediate or by cl)
// inline; rcl, rcr, shld, shrd through runtime helpers (runtime_helpers.h), as QEMU does.
//
// The flags follow what x86 hardware and Unicorn (QEMU's CC_OP_SHL/CC_OP_SAR) produce: the
// count is masked to 5 bits for every width; the narrow operand is zero-extended (sign-extended
// for sar) and shifted 32 bits wide; with `src` the operand shifted by count-1 and `dst` the
// result, CF is the last bit shifted out (bit size-1 of src for shl, bit 0 for shr/sar), OF is
// bit size-1 of src ^ dst (for count 1 the architected value, for larger counts what QEMU and
// Intel CPUs give), SF/ZF/PF from dst, AF = 0. A count of 0 changes no flag at all, so a shift
// by cl branches around its flag code when cl & 31 is zero.
// Rotates change only CF and OF: rol: CF = bit 0 of the result, OF = CF ^ its top bit;
// ror: CF = the top bit, OF = the top bit ^ the bit below it (QEMU computes OF so for every
// count, as Intel CPUs do). A narrow value is replicated across 32 bits, so one 32-bit rotate
// by count mod 32 rotates it by count mod its width.
#include <capstone/capstone.h>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

constexpr A64Reg kEcx = 1;
constexpr A64Reg kArg0 = 20, kArg1 = 21, kArg2 = 22;  // helper arguments (host_abi.h)

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
void shiftFlags(TranslationContext& t, Kind k, A64Reg src, A64Reg result, uint8_t bits) {
    A64Reg cf = kZr, of = kZr;
    if (t.live(kCF)) {
        cf = t.scratch();
        t.e.ubfx(Width::W, cf, src, k == Kind::Shl ? static_cast<uint8_t>(bits - 1) : 0, 1);
    }
    if (t.live(kOF) && k != Kind::Sar) {  // sar keeps the sign: src ^ dst has a clear top bit
        of = t.scratch();
        t.e.eorReg(Width::W, of, src, result);
        t.e.ubfx(Width::W, of, of, static_cast<uint8_t>(bits - 1), 1);
    }
    t.flagsFrom(result, bits, cf, of);
    t.keepParity(result);
    t.clearAuxCarry();
}

// The count operand: an immediate (masked), or cl (nothing when it is another register).
bool countOf(const GuestInsn& in, bool& by_cl, uint8_t& n) {
    by_cl = in.ops.size() >= 2 && in.ops.back().kind == OpKind::Reg;
    if (by_cl) {
        const GuestOperand& c = in.ops.back();
        return c.reg == kEcx && c.size == 1 && !c.high_byte;
    }
    n = in.ops.size() >= 2 && in.ops.back().kind == OpKind::Imm ? static_cast<uint8_t>(in.ops.back().imm & 31) : 1;
    return true;
}

bool transShiftOp(TranslationContext& t, Kind k) {
    const GuestInsn& in = t.insn();
    if (in.ops.empty() || in.ops.size() > 2) return false;
    const GuestOperand& dst = in.ops[0];
    const auto bits = static_cast<uint8_t>(dst.size * 8);
    bool by_cl = false;
    uint8_t n = 0;
    if (!countOf(in, by_cl, n)) return false;
    if (!by_cl && n == 0) return true;  // no change, no flags
    A64Reg v = t.read(dst);
    if (k == Kind::Sar && bits < 32) {
        const A64Reg s = t.scratch();
        t.e.sbfx(Width::W, s, v, 0, bits);
        v = s;
    }
    const A64Reg result = t.scratch();
    if (!by_cl) {
        shiftByImm(t, k, result, v, n);
        if (t.live(kAllFlags)) {
            const A64Reg src = n == 1 ? v : t.scratch();
            shiftByImm(t, k, src, v, static_cast<uint8_t>(n - 1));
            shiftFlags(t, k, src, result, bits);
        }
    } else {
        const A64Reg count = t.scratch();
        t.e.andImm(Width::W, count, kEcx, 31);
        shiftByReg(t, k, result, v, count);
        if (t.live(kAllFlags)) {
            const size_t skip = t.forwardBranch([&] { t.e.cbz(Width::W, count, t.e.here()); });
            const size_t region = t.beginCountedRegion();
            const A64Reg src = t.scratch();
            t.e.subImm(Width::W, src, count, 1);
            shiftByReg(t, k, src, v, src);
            shiftFlags(t, k, src, result, bits);
            t.endCountedRegion(region);
            t.bind(skip);
        }
    }
    t.write(dst, result);
    return true;
}

void rotateFlags(TranslationContext& t, bool left, A64Reg result, uint8_t bits) {
    if (!t.live(kCF | kOF)) return;
    const A64Reg cf = t.scratch(), of = t.scratch();
    if (left) {
        t.e.ubfx(Width::W, cf, result, 0, 1);
        t.e.eorReg(Width::W, of, result, result, Shift::LSL, static_cast<uint8_t>(bits - 1));  // bit bits-1: top ^ bit 0
    } else {
        t.e.ubfx(Width::W, cf, result, static_cast<uint8_t>(bits - 1), 1);
        t.e.eorReg(Width::W, of, result, result, Shift::LSL, 1);  // bit bits-1: top ^ the bit below
    }
    t.e.ubfx(Width::W, of, of, static_cast<uint8_t>(bits - 1), 1);
    t.setCarryOverflow(cf, of);
}

bool transRotate(TranslationContext& t, bool left) {
    const GuestInsn& in = t.insn();
    if (in.ops.empty() || in.ops.size() > 2) return false;
    const GuestOperand& dst = in.ops[0];
    const auto bits = static_cast<uint8_t>(dst.size * 8);
    bool by_cl = false;
    uint8_t n = 0;
    if (!countOf(in, by_cl, n)) return false;
    if (!by_cl && n == 0) return true;
    A64Reg v = t.read(dst);
    if (bits < 32) {
        const A64Reg wide = t.scratch();
        t.e.orrReg(Width::W, wide, v, v, Shift::LSL, bits);
        if (bits == 8) t.e.orrReg(Width::W, wide, wide, wide, Shift::LSL, 16);
        v = wide;
    }
    const A64Reg result = t.scratch();
    if (!by_cl) {
        t.e.rorImm(Width::W, result, v, static_cast<uint8_t>(left ? (32 - n) & 31 : n));
        rotateFlags(t, left, result, bits);
    } else {
        const A64Reg count = t.scratch();
        t.e.andImm(Width::W, count, kEcx, 31);
        if (left) {
            const A64Reg right = t.scratch();
            t.e.subReg(Width::W, right, kZr, count);  // rorv takes the count mod 32
            t.e.rorv(Width::W, result, v, right);
        } else {
            t.e.rorv(Width::W, result, v, count);
        }
        if (t.live(kCF | kOF)) {
            const size_t skip = t.forwardBranch([&] { t.e.cbz(Width::W, count, t.e.here()); });
            const size_t region = t.beginCountedRegion();
            rotateFlags(t, left, result, bits);
            t.endCountedRegion(region);
            t.bind(skip);
        }
    }
    t.write(dst, result);
    return true;
}

// rcl, rcr, shld, shrd: the runtime helper computes value and flags (runtime_helpers.cpp).
bool transThroughHelper(TranslationContext& t, HelperKind kind) {
    const GuestInsn& in = t.insn();
    const bool double_shift = kind == HelperKind::Shld || kind == HelperKind::Shrd;
    if (in.ops.size() != (double_shift ? 3u : 2u) && !(in.ops.size() == 1 && !double_shift)) return false;
    const GuestOperand& dst = in.ops[0];
    bool by_cl = false;
    uint8_t n = 0;
    if (!countOf(in, by_cl, n)) return false;
    // Every operand is read before the argument registers (also the last scratch registers)
    // are written.
    const A64Reg value = t.read(dst);
    const A64Reg source = double_shift ? t.read(in.ops[1]) : kZr;
    const A64Reg count = double_shift ? kArg2 : kArg1;
    if (by_cl) t.e.andImm(Width::W, count, kEcx, 31);
    else t.e.movz(Width::W, count, n);
    if (double_shift) t.e.movReg(Width::W, kArg1, source);
    t.e.movReg(Width::W, kArg0, value);
    t.callHelper(kind, dst.size);
    t.write(dst, kArg0);
    return true;
}

}  // namespace

bool transShift(TranslationContext& t) {
    switch (t.insn().id) {
    case X86_INS_SHL: case X86_INS_SAL: return transShiftOp(t, Kind::Shl);
    case X86_INS_SHR: return transShiftOp(t, Kind::Shr);
    case X86_INS_SAR: return transShiftOp(t, Kind::Sar);
    case X86_INS_ROL: return transRotate(t, true);
    case X86_INS_ROR: return transRotate(t, false);
    case X86_INS_RCL: return transThroughHelper(t, HelperKind::Rcl);
    case X86_INS_RCR: return transThroughHelper(t, HelperKind::Rcr);
    case X86_INS_SHLD: return transThroughHelper(t, HelperKind::Shld);
    case X86_INS_SHRD: return transThroughHelper(t, HelperKind::Shrd);
    default: return false;
    }
}

}  // namespace vl::emu::dbt
