#include "emulator/dbt/runtime_helpers.h"

#include <bit>

#include "emulator/cpuid_model.h"

namespace vl::emu::dbt {
namespace {

constexpr uint32_t CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
constexpr unsigned kEax = 0, kEcx = 1, kEdx = 2, kEbx = 3;

uint32_t mask(uint8_t size) { return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1; }
int64_t signExtend(uint64_t v, uint8_t size) {
    const unsigned shift = 64 - size * 8;
    return static_cast<int64_t>(v << shift) >> shift;
}

// SF, ZF, PF of a `size`-byte result, CF and OF as given, AF = 0 (QEMU's CC_OP_MUL*, SHL*, SAR*).
uint32_t resultFlags(uint32_t eflags, uint64_t result, uint8_t size, bool cf, bool of) {
    const uint32_t r = static_cast<uint32_t>(result) & mask(size);
    eflags &= ~(CF | PF | AF | ZF | SF | OF);
    if (cf) eflags |= CF;
    if (std::popcount(r & 0xFFu) % 2 == 0) eflags |= PF;
    if (r == 0) eflags |= ZF;
    if (r >> (size * 8 - 1) & 1) eflags |= SF;
    if (of) eflags |= OF;
    return eflags;
}

// rcl/rcr (QEMU helper_rcl/helper_rcr): the count (already & 31) is taken modulo 9 for bytes and
// 17 for words; 0 changes nothing. OF = top bit of (source ^ result) for every count.
void rotateThroughCarry(HelperState& s, uint8_t size, bool left) {
    const unsigned bits = size * 8u;
    unsigned count = s.arg[1] & 31;
    if (bits == 8) count %= 9;
    if (bits == 16) count %= 17;
    if (count == 0) return;
    const uint64_t src = s.arg[0] & mask(size);
    const uint64_t carry = s.eflags & CF;
    uint64_t res;
    bool cf;
    if (left) {
        res = (src << count) | (carry << (count - 1));
        if (count > 1) res |= src >> (bits + 1 - count);
        cf = src >> (bits - count) & 1;
    } else {
        res = (src >> count) | (carry << (bits - count));
        if (count > 1) res |= src << (bits + 1 - count);
        cf = src >> (count - 1) & 1;
    }
    res &= mask(size);
    const bool of = ((src ^ res) >> (bits - 1)) & 1;
    s.eflags = (s.eflags & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
    s.arg[0] = static_cast<uint32_t>(res);
}

// shld/shrd (QEMU gen_shiftd_rm_T1 on its 64-bit target): the count is & 31; a word operand is
// shifted as A:B:A (Intel's behaviour for counts above 16). CF is the last bit out, OF the top
// bit of (value shifted by count-1) ^ result, SF/ZF/PF from the result, AF = 0.
void doubleShift(HelperState& s, uint8_t size, bool left) {
    const unsigned count = s.arg[2] & 31;
    if (count == 0) return;
    const unsigned bits = size * 8u;
    const uint64_t a = s.arg[0] & mask(size), b = s.arg[1] & mask(size);
    const uint64_t x = size == 4 ? (left ? (a << 32 | b) : (b << 32 | a)) : (a << 32 | b << 16 | a);
    uint64_t before, res;
    if (left) {
        before = (x << (count - 1)) >> 32;
        res = (x << count) >> 32;
    } else {
        before = x >> (count - 1);
        res = x >> count;
    }
    const bool cf = left ? (before >> (bits - 1)) & 1 : before & 1;
    const bool of = ((before ^ res) >> (bits - 1)) & 1;
    s.eflags = resultFlags(s.eflags, res, size, cf, of);
    s.arg[0] = static_cast<uint32_t>(res) & mask(size);
}

void setLow(uint32_t& reg, uint32_t value, uint8_t size) { reg = (reg & ~mask(size)) | (value & mask(size)); }

HelperOutcome multiply(HelperState& s, uint8_t size, bool is_signed) {
    const uint32_t m = mask(size);
    const uint64_t a = s.regs[kEax] & m, b = s.arg[0] & m;
    int64_t product;
    bool overflow;
    if (is_signed) {
        product = signExtend(a, size) * signExtend(b, size);
        overflow = product != signExtend(static_cast<uint64_t>(product), size);
    } else {
        product = static_cast<int64_t>(a * b);
        overflow = (static_cast<uint64_t>(product) >> (size * 8)) != 0;
    }
    const auto p = static_cast<uint64_t>(product);
    if (size == 1) {
        setLow(s.regs[kEax], static_cast<uint32_t>(p), 2);  // ax = al * r/m8
    } else {
        setLow(s.regs[kEax], static_cast<uint32_t>(p), 2);  // dx:ax = ax * r/m16
        setLow(s.regs[kEdx], static_cast<uint32_t>(p >> 16), 2);
    }
    s.eflags = resultFlags(s.eflags, p, size, overflow, overflow);
    return HelperOutcome::Done;
}

HelperOutcome divide(HelperState& s, uint8_t size, bool is_signed) {
    const uint32_t m = mask(size);
    const uint64_t dividend = size == 1 ? (s.regs[kEax] & 0xFFFF) : ((s.regs[kEdx] & 0xFFFF) << 16 | (s.regs[kEax] & 0xFFFF));
    const uint64_t divisor = s.arg[0] & m;
    if (divisor == 0) return HelperOutcome::DivideError;
    uint64_t q, r;
    if (is_signed) {
        const int64_t n = signExtend(dividend, static_cast<uint8_t>(size * 2)), d = signExtend(divisor, size);
        const int64_t sq = n / d;
        if (sq != signExtend(static_cast<uint64_t>(sq), size)) return HelperOutcome::DivideError;
        q = static_cast<uint64_t>(sq);
        r = static_cast<uint64_t>(n % d);
    } else {
        q = dividend / divisor;
        if (q > m) return HelperOutcome::DivideError;
        r = dividend % divisor;
    }
    if (size == 1) {
        setLow(s.regs[kEax], static_cast<uint32_t>((q & 0xFF) | (r & 0xFF) << 8), 2);  // al = q, ah = r
    } else {
        setLow(s.regs[kEax], static_cast<uint32_t>(q), 2);
        setLow(s.regs[kEdx], static_cast<uint32_t>(r), 2);
    }
    return HelperOutcome::Done;
}

}  // namespace

HelperOutcome runHelper(HelperKind kind, uint8_t size, HelperState& s) {
    switch (kind) {
    case HelperKind::Rcl: rotateThroughCarry(s, size, true); break;
    case HelperKind::Rcr: rotateThroughCarry(s, size, false); break;
    case HelperKind::Shld: doubleShift(s, size, true); break;
    case HelperKind::Shrd: doubleShift(s, size, false); break;
    case HelperKind::Mul: return multiply(s, size, false);
    case HelperKind::Imul: return multiply(s, size, true);
    case HelperKind::Div: return divide(s, size, false);
    case HelperKind::Idiv: return divide(s, size, true);
    case HelperKind::Imul2: {
        // imul r16, r/m16[, imm]: CF = OF = the product does not fit in 16 bits (QEMU CC_OP_MULW).
        const int64_t p = signExtend(s.arg[0], size) * signExtend(s.arg[1], size);
        const bool overflow = p != signExtend(static_cast<uint64_t>(p), size);
        s.eflags = resultFlags(s.eflags, static_cast<uint64_t>(p), size, overflow, overflow);
        s.arg[0] = static_cast<uint32_t>(p) & mask(size);
        break;
    }
    case HelperKind::Cpuid: {
        const CpuidAnswer a = virtlabCpuid(s.regs[kEax], s.regs[kEcx]);
        s.regs[kEax] = a.eax;
        s.regs[kEbx] = a.ebx;
        s.regs[kEcx] = a.ecx;
        s.regs[kEdx] = a.edx;
        break;
    }
    case HelperKind::Syscall: case HelperKind::LoadSegment: case HelperKind::ReadSegment: case HelperKind::PushFlags:
    case HelperKind::PopFlags:
        break;  // the runtime serves these: they need its segment tables and system flags
    }
    return HelperOutcome::Done;
}

}  // namespace vl::emu::dbt
