#include "emulator/dbt/a64_emitter.h"

#include <bit>
#include <stdexcept>

namespace vl::emu::dbt {
namespace {

constexpr uint32_t sf(Width w) { return static_cast<uint32_t>(w) << 31; }
constexpr uint32_t rd(A64Reg r) { return r & 31u; }
constexpr uint32_t rn(A64Reg r) { return (r & 31u) << 5; }
constexpr uint32_t rm(A64Reg r) { return (r & 31u) << 16; }
constexpr uint32_t ra(A64Reg r) { return (r & 31u) << 10; }

bool isShiftedMask(uint64_t v) { return v && (((v | (v - 1)) + 1) & (v | (v - 1))) == 0; }

// A branch offset that does not fit is a translator bug (the code cache is sized so that every
// branch inside it reaches), so it is reported loudly rather than wrapped silently.
uint32_t field(int64_t byte_offset, unsigned bits) {
    const int64_t words = byte_offset >> 2;
    const int64_t limit = int64_t(1) << (bits - 1);
    if ((byte_offset & 3) || words < -limit || words >= limit) throw std::logic_error("a64: branch target out of range");
    return static_cast<uint32_t>(words) & ((1u << bits) - 1);
}

}  // namespace

// The bitmask immediate (Arm ARM C4.1.92 "DecodeBitMasks", inverted): an element of 2..64
// bits holding a rotated run of ones, replicated across the register.
std::optional<uint32_t> encodeLogicalImmediate(uint64_t value, Width width) {
    if (width == Width::W) {
        value &= 0xFFFFFFFFu;
        value |= value << 32;
    }
    if (value == 0 || value == ~uint64_t(0)) return std::nullopt;
    unsigned size = 64;
    while (size > 2) {
        const unsigned half = size / 2;
        const uint64_t mask = (uint64_t(1) << half) - 1;
        if ((value & mask) != ((value >> half) & mask)) break;
        size = half;
    }
    const uint64_t mask = size == 64 ? ~uint64_t(0) : (uint64_t(1) << size) - 1;
    value &= mask;
    unsigned rotation, ones;
    if (isShiftedMask(value)) {
        rotation = static_cast<unsigned>(std::countr_zero(value));
        ones = static_cast<unsigned>(std::countr_one(value >> rotation));
    } else {
        value |= ~mask;
        if (!isShiftedMask(~value)) return std::nullopt;
        const unsigned leading = static_cast<unsigned>(std::countl_one(value));
        rotation = 64 - leading;
        ones = leading + static_cast<unsigned>(std::countr_one(value)) - (64 - size);
    }
    const uint32_t immr = (size - rotation) & (size - 1);
    uint32_t n_imms = static_cast<uint32_t>(~(size - 1) << 1) | (ones - 1);
    const uint32_t n = ((n_imms >> 6) & 1) ^ 1;
    return (n << 12) | (immr << 6) | (n_imms & 0x3f);
}

// ---- arithmetic (C4.1.2 add/subtract immediate, C4.1.5 shifted and extended register) ----

static uint32_t addSubImm(Width w, bool sub, bool set_flags, A64Reg d, A64Reg n, uint32_t imm12, bool shift12) {
    if (imm12 > 0xFFF) throw std::logic_error("a64: add/sub immediate out of range");
    return 0x11000000u | sf(w) | (uint32_t(sub) << 30) | (uint32_t(set_flags) << 29) | (uint32_t(shift12) << 22) |
           (imm12 << 10) | rn(n) | rd(d);
}
static uint32_t addSubReg(Width w, bool sub, bool set_flags, A64Reg d, A64Reg n, A64Reg m, Shift s, uint8_t amount) {
    return 0x0B000000u | sf(w) | (uint32_t(sub) << 30) | (uint32_t(set_flags) << 29) | (uint32_t(s) << 22) | rm(m) |
           (uint32_t(amount & 63) << 10) | rn(n) | rd(d);
}

void A64Emitter::addImm(Width w, A64Reg d, A64Reg n, uint32_t imm, bool sh) { put(addSubImm(w, false, false, d, n, imm, sh)); }
void A64Emitter::subImm(Width w, A64Reg d, A64Reg n, uint32_t imm, bool sh) { put(addSubImm(w, true, false, d, n, imm, sh)); }
void A64Emitter::addsImm(Width w, A64Reg d, A64Reg n, uint32_t imm) { put(addSubImm(w, false, true, d, n, imm, false)); }
void A64Emitter::subsImm(Width w, A64Reg d, A64Reg n, uint32_t imm) { put(addSubImm(w, true, true, d, n, imm, false)); }
void A64Emitter::addReg(Width w, A64Reg d, A64Reg n, A64Reg m, Shift s, uint8_t a) { put(addSubReg(w, false, false, d, n, m, s, a)); }
void A64Emitter::subReg(Width w, A64Reg d, A64Reg n, A64Reg m, Shift s, uint8_t a) { put(addSubReg(w, true, false, d, n, m, s, a)); }
void A64Emitter::addsReg(Width w, A64Reg d, A64Reg n, A64Reg m, Shift s, uint8_t a) { put(addSubReg(w, false, true, d, n, m, s, a)); }
void A64Emitter::subsReg(Width w, A64Reg d, A64Reg n, A64Reg m, Shift s, uint8_t a) { put(addSubReg(w, true, true, d, n, m, s, a)); }
void A64Emitter::subsExt(Width w, A64Reg d, A64Reg n, A64Reg m, Extend e) {
    put(0x6B200000u | sf(w) | rm(m) | (uint32_t(e) << 13) | rn(n) | rd(d));
}
void A64Emitter::addExt(Width w, A64Reg d, A64Reg n, A64Reg m, Extend e) {
    put(0x0B200000u | sf(w) | rm(m) | (uint32_t(e) << 13) | rn(n) | rd(d));
}
void A64Emitter::subExt(Width w, A64Reg d, A64Reg n, A64Reg m, Extend e) {
    put(0x4B200000u | sf(w) | rm(m) | (uint32_t(e) << 13) | rn(n) | rd(d));
}

// ---- logical (C4.1.4 immediate, C4.1.5 shifted register) ----

static uint32_t logicalReg(Width w, uint32_t opc, bool negate, A64Reg d, A64Reg n, A64Reg m, Shift s, uint8_t amount) {
    return 0x0A000000u | sf(w) | (opc << 29) | (uint32_t(s) << 22) | (uint32_t(negate) << 21) | rm(m) |
           (uint32_t(amount & 63) << 10) | rn(n) | rd(d);
}
static uint32_t logicalImm(Width w, uint32_t opc, A64Reg d, A64Reg n, uint64_t value) {
    const auto bits = encodeLogicalImmediate(value, w);
    if (!bits) throw std::logic_error("a64: value is not a logical immediate");
    return 0x12000000u | sf(w) | (opc << 29) | (*bits << 10) | rn(n) | rd(d);
}

void A64Emitter::andReg(Width w, A64Reg d, A64Reg n, A64Reg m, Shift s, uint8_t a) { put(logicalReg(w, 0, false, d, n, m, s, a)); }
void A64Emitter::orrReg(Width w, A64Reg d, A64Reg n, A64Reg m, Shift s, uint8_t a) { put(logicalReg(w, 1, false, d, n, m, s, a)); }
void A64Emitter::eorReg(Width w, A64Reg d, A64Reg n, A64Reg m, Shift s, uint8_t a) { put(logicalReg(w, 2, false, d, n, m, s, a)); }
void A64Emitter::andsReg(Width w, A64Reg d, A64Reg n, A64Reg m) { put(logicalReg(w, 3, false, d, n, m, Shift::LSL, 0)); }
void A64Emitter::ornReg(Width w, A64Reg d, A64Reg n, A64Reg m) { put(logicalReg(w, 1, true, d, n, m, Shift::LSL, 0)); }
void A64Emitter::andImm(Width w, A64Reg d, A64Reg n, uint64_t v) { put(logicalImm(w, 0, d, n, v)); }
void A64Emitter::orrImm(Width w, A64Reg d, A64Reg n, uint64_t v) { put(logicalImm(w, 1, d, n, v)); }
void A64Emitter::eorImm(Width w, A64Reg d, A64Reg n, uint64_t v) { put(logicalImm(w, 2, d, n, v)); }

// ---- move wide (C4.1.3) ----

static uint32_t moveWide(Width w, uint32_t opc, A64Reg d, uint16_t imm16, uint8_t hw) {
    return 0x12800000u | sf(w) | (opc << 29) | (uint32_t(hw & 3) << 21) | (uint32_t(imm16) << 5) | rd(d);
}
void A64Emitter::movz(Width w, A64Reg d, uint16_t imm, uint8_t hw) { put(moveWide(w, 2, d, imm, hw)); }
void A64Emitter::movk(Width w, A64Reg d, uint16_t imm, uint8_t hw) { put(moveWide(w, 3, d, imm, hw)); }
void A64Emitter::movn(Width w, A64Reg d, uint16_t imm, uint8_t hw) { put(moveWide(w, 0, d, imm, hw)); }

void A64Emitter::movImm32(A64Reg d, uint32_t value) {
    const uint16_t lo = value & 0xFFFF, hi = value >> 16;
    if (hi == 0) return movz(Width::W, d, lo);
    if (lo == 0) return movz(Width::W, d, hi, 1);
    if (hi == 0xFFFF) return movn(Width::W, d, static_cast<uint16_t>(~lo));
    if (lo == 0xFFFF) return movn(Width::W, d, static_cast<uint16_t>(~hi), 1);
    movz(Width::W, d, lo);
    movk(Width::W, d, hi, 1);
}

// ---- bitfield (C4.1.4 bitfield) ----

static uint32_t bitfield(Width w, uint32_t opc, A64Reg d, A64Reg n, uint8_t immr, uint8_t imms) {
    return 0x13000000u | sf(w) | (opc << 29) | (uint32_t(w == Width::X) << 22) | (uint32_t(immr & 63) << 16) |
           (uint32_t(imms & 63) << 10) | rn(n) | rd(d);
}
static uint8_t bits(Width w) { return w == Width::X ? 64 : 32; }

void A64Emitter::ubfm(Width w, A64Reg d, A64Reg n, uint8_t r, uint8_t s) { put(bitfield(w, 2, d, n, r, s)); }
void A64Emitter::sbfm(Width w, A64Reg d, A64Reg n, uint8_t r, uint8_t s) { put(bitfield(w, 0, d, n, r, s)); }
void A64Emitter::bfm(Width w, A64Reg d, A64Reg n, uint8_t r, uint8_t s) { put(bitfield(w, 1, d, n, r, s)); }
void A64Emitter::lslImm(Width w, A64Reg d, A64Reg n, uint8_t a) {
    ubfm(w, d, n, static_cast<uint8_t>((bits(w) - a) % bits(w)), static_cast<uint8_t>(bits(w) - 1 - a));
}
void A64Emitter::lsrImm(Width w, A64Reg d, A64Reg n, uint8_t a) { ubfm(w, d, n, a, static_cast<uint8_t>(bits(w) - 1)); }
void A64Emitter::asrImm(Width w, A64Reg d, A64Reg n, uint8_t a) { sbfm(w, d, n, a, static_cast<uint8_t>(bits(w) - 1)); }
void A64Emitter::ubfx(Width w, A64Reg d, A64Reg n, uint8_t lsb, uint8_t width) { ubfm(w, d, n, lsb, static_cast<uint8_t>(lsb + width - 1)); }
void A64Emitter::sbfx(Width w, A64Reg d, A64Reg n, uint8_t lsb, uint8_t width) { sbfm(w, d, n, lsb, static_cast<uint8_t>(lsb + width - 1)); }
void A64Emitter::bfi(Width w, A64Reg d, A64Reg n, uint8_t lsb, uint8_t width) {
    bfm(w, d, n, static_cast<uint8_t>((bits(w) - lsb) % bits(w)), static_cast<uint8_t>(width - 1));
}
void A64Emitter::ubfiz(Width w, A64Reg d, A64Reg n, uint8_t lsb, uint8_t width) {
    ubfm(w, d, n, static_cast<uint8_t>((bits(w) - lsb) % bits(w)), static_cast<uint8_t>(width - 1));
}

// ---- data processing, two and three sources (C4.1.6) ----

static uint32_t twoSource(Width w, uint32_t opcode, A64Reg d, A64Reg n, A64Reg m) {
    return 0x1AC00000u | sf(w) | rm(m) | (opcode << 10) | rn(n) | rd(d);
}
void A64Emitter::lslv(Width w, A64Reg d, A64Reg n, A64Reg m) { put(twoSource(w, 0x08, d, n, m)); }
void A64Emitter::lsrv(Width w, A64Reg d, A64Reg n, A64Reg m) { put(twoSource(w, 0x09, d, n, m)); }
void A64Emitter::asrv(Width w, A64Reg d, A64Reg n, A64Reg m) { put(twoSource(w, 0x0A, d, n, m)); }
void A64Emitter::udiv(Width w, A64Reg d, A64Reg n, A64Reg m) { put(twoSource(w, 0x02, d, n, m)); }
void A64Emitter::sdiv(Width w, A64Reg d, A64Reg n, A64Reg m) { put(twoSource(w, 0x03, d, n, m)); }
void A64Emitter::rorv(Width w, A64Reg d, A64Reg n, A64Reg m) { put(twoSource(w, 0x0B, d, n, m)); }
// EXTR (C6.2.90) with both sources the same register is ROR (immediate).
void A64Emitter::rorImm(Width w, A64Reg d, A64Reg n, uint8_t a) {
    put(0x13800000u | sf(w) | (static_cast<uint32_t>(w) << 22) | rm(n) | (uint32_t(a) << 10) | rn(n) | rd(d));
}

// ---- data processing, one source (C4.1.6) ----

void A64Emitter::clz(Width w, A64Reg d, A64Reg n) { put(0x5AC01000u | sf(w) | rn(n) | rd(d)); }
void A64Emitter::rbit(Width w, A64Reg d, A64Reg n) { put(0x5AC00000u | sf(w) | rn(n) | rd(d)); }

static uint32_t threeSource(Width w, uint32_t op31, bool o0, A64Reg d, A64Reg n, A64Reg m, A64Reg a) {
    return 0x1B000000u | sf(w) | (op31 << 21) | rm(m) | (uint32_t(o0) << 15) | ra(a) | rn(n) | rd(d);
}
void A64Emitter::madd(Width w, A64Reg d, A64Reg n, A64Reg m, A64Reg a) { put(threeSource(w, 0, false, d, n, m, a)); }
void A64Emitter::msub(Width w, A64Reg d, A64Reg n, A64Reg m, A64Reg a) { put(threeSource(w, 0, true, d, n, m, a)); }
void A64Emitter::umull(A64Reg d, A64Reg n, A64Reg m) { put(threeSource(Width::X, 5, false, d, n, m, kZr)); }
void A64Emitter::smull(A64Reg d, A64Reg n, A64Reg m) { put(threeSource(Width::X, 1, false, d, n, m, kZr)); }

// ---- conditional select (C4.1.6) ----

void A64Emitter::csel(Width w, A64Reg d, A64Reg n, A64Reg m, Cond c) {
    put(0x1A800000u | sf(w) | rm(m) | (uint32_t(c) << 12) | rn(n) | rd(d));
}
void A64Emitter::csinc(Width w, A64Reg d, A64Reg n, A64Reg m, Cond c) {
    put(0x1A800400u | sf(w) | rm(m) | (uint32_t(c) << 12) | rn(n) | rd(d));
}

// ---- loads and stores (C4.1.3 register offset, unsigned offset, pair) ----

static uint32_t registerOffset(MemSize size, uint32_t opc, A64Reg t, A64Reg n, A64Reg m) {
    return 0x38200800u | (uint32_t(size) << 30) | (opc << 22) | rm(m) | (uint32_t(Extend::UXTW) << 13) | rn(n) | rd(t);
}
void A64Emitter::strRegUxtw(MemSize s, A64Reg t, A64Reg n, A64Reg m) { put(registerOffset(s, 0, t, n, m)); }
void A64Emitter::ldrRegUxtw(MemSize s, A64Reg t, A64Reg n, A64Reg m) { put(registerOffset(s, 1, t, n, m)); }
void A64Emitter::ldrsRegUxtw(MemSize s, A64Reg t, A64Reg n, A64Reg m) { put(registerOffset(s, 3, t, n, m)); }

static uint32_t unsignedOffset(MemSize size, uint32_t opc, A64Reg t, A64Reg n, uint32_t byte_offset) {
    const uint32_t scale = 1u << static_cast<uint32_t>(size);
    if (byte_offset % scale || byte_offset / scale > 0xFFF) throw std::logic_error("a64: load/store offset out of range");
    return 0x39000000u | (uint32_t(size) << 30) | (opc << 22) | ((byte_offset / scale) << 10) | rn(n) | rd(t);
}
void A64Emitter::ldrImm(MemSize s, A64Reg t, A64Reg n, uint32_t off) { put(unsignedOffset(s, 1, t, n, off)); }
void A64Emitter::strImm(MemSize s, A64Reg t, A64Reg n, uint32_t off) { put(unsignedOffset(s, 0, t, n, off)); }
void A64Emitter::ldpX(A64Reg t1, A64Reg t2, A64Reg n, int32_t off) {
    if (off % 8 || off / 8 < -64 || off / 8 > 63) throw std::logic_error("a64: ldp offset out of range");
    put(0xA9400000u | ((static_cast<uint32_t>(off / 8) & 0x7F) << 15) | ra(t2) | rn(n) | rd(t1));
}

void A64Emitter::ldrLiteral(Width w, A64Reg t, uint64_t target) {
    put((w == Width::X ? 0x58000000u : 0x18000000u) | (field(offsetTo(target), 19) << 5) | rd(t));
}

// ---- branches (C4.1.3 branches, exception generating and system instructions) ----

uint32_t A64Emitter::encodeB(uint64_t from, uint64_t target) {
    return 0x14000000u | field(static_cast<int64_t>(target - from), 26);
}
void A64Emitter::b(uint64_t t) { put(encodeB(here(), t)); }
void A64Emitter::bCond(Cond c, uint64_t t) { put(0x54000000u | (field(offsetTo(t), 19) << 5) | uint32_t(c)); }
void A64Emitter::cbz(Width w, A64Reg t, uint64_t target) { put(0x34000000u | sf(w) | (field(offsetTo(target), 19) << 5) | rd(t)); }
void A64Emitter::cbnz(Width w, A64Reg t, uint64_t target) { put(0x35000000u | sf(w) | (field(offsetTo(target), 19) << 5) | rd(t)); }
void A64Emitter::tbz(A64Reg t, uint8_t bit, uint64_t target) {
    put(0x36000000u | (uint32_t(bit >> 5) << 31) | (uint32_t(bit & 31) << 19) | (field(offsetTo(target), 14) << 5) | rd(t));
}
void A64Emitter::tbnz(A64Reg t, uint8_t bit, uint64_t target) {
    put(0x37000000u | (uint32_t(bit >> 5) << 31) | (uint32_t(bit & 31) << 19) | (field(offsetTo(target), 14) << 5) | rd(t));
}
void A64Emitter::br(A64Reg n) { put(0xD61F0000u | rn(n)); }
void A64Emitter::adr(A64Reg d, uint64_t target) {
    const int64_t off = offsetTo(target);
    if (off < -(1 << 20) || off >= (1 << 20)) throw std::logic_error("a64: adr target out of range");
    const uint32_t imm = static_cast<uint32_t>(off) & 0x1FFFFF;
    put(0x10000000u | ((imm & 3) << 29) | ((imm >> 2) << 5) | rd(d));
}

void A64Emitter::svc(uint16_t imm) { put(0xD4000001u | (uint32_t(imm) << 5)); }
void A64Emitter::brk(uint16_t imm) { put(0xD4200000u | (uint32_t(imm) << 5)); }
void A64Emitter::mrsNzcv(A64Reg t) { put(0xD53B4200u | rd(t)); }
void A64Emitter::msrNzcv(A64Reg t) { put(0xD51B4200u | rd(t)); }
void A64Emitter::nop() { put(0xD503201Fu); }

std::optional<uint32_t> A64Emitter::retarget(uint32_t word, uint64_t from, uint64_t target) {
    const int64_t off = static_cast<int64_t>(target - from);
    const unsigned bits = (word & 0x7E000000u) == 0x36000000u ? 14 : (word & 0xFC000000u) == 0x14000000u ? 26 : 19;
    if ((off >> 2) < -(int64_t(1) << (bits - 1)) || (off >> 2) >= (int64_t(1) << (bits - 1))) return std::nullopt;
    A64Emitter e(from);
    e.put(word);
    e.patchBranch(0, target);
    return e.code_[0];
}

void A64Emitter::patchBranch(size_t index, uint64_t target) {
    uint32_t& word = code_[index];
    const uint64_t from = base_ + index * 4;
    const int64_t off = static_cast<int64_t>(target - from);
    if ((word & 0xFC000000u) == 0x14000000u) word = encodeB(from, target);
    else if ((word & 0xFF000010u) == 0x54000000u) word = (word & 0xFF00001Fu) | (field(off, 19) << 5);
    else if ((word & 0x7E000000u) == 0x34000000u) word = (word & 0xFF00001Fu) | (field(off, 19) << 5);
    else if ((word & 0x7E000000u) == 0x36000000u) word = (word & 0xFFF8001Fu) | (field(off, 14) << 5);
    else if ((word & 0xBF000000u) == 0x18000000u) word = (word & 0xFF00001Fu) | (field(off, 19) << 5);  // ldr literal
    else throw std::logic_error("a64: patchBranch on a word that is not a branch");
}

}  // namespace vl::emu::dbt
