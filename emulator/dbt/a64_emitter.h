// The AArch64 back end of VirtLab's translator: one emitter per instruction form, in the manner
// of QEMU's tcg/aarch64/tcg-target.c.inc (tcg_out_insn per form). Each function appends one
// 32-bit instruction word; the encodings are from the Arm ARM (DDI 0487), section C4, and every
// form is unit-tested by disassembling what it emits with Capstone and comparing the text.
// Nothing here knows about x86: the translator (translator.h) decides what to emit.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace vl::emu::dbt {

using A64Reg = uint8_t;  // 0..30; 31 is the zero register or sp depending on the form
inline constexpr A64Reg kZr = 31;

enum class Cond : uint8_t { EQ = 0, NE, HS, LO, MI, PL, VS, VC, HI, LS, GE, LT, GT, LE, AL };
inline Cond invert(Cond c) { return static_cast<Cond>(static_cast<uint8_t>(c) ^ 1); }

enum class Shift : uint8_t { LSL = 0, LSR = 1, ASR = 2 };
enum class Extend : uint8_t { UXTW = 2, SXTW = 6 };
enum class Width : uint8_t { W = 0, X = 1 };  // 32- or 64-bit operation (the sf bit)
enum class MemSize : uint8_t { Byte = 0, Half = 1, Word = 2, Dword = 3 };

// Bitmask-immediate encoding of `value` for AND/ORR/EOR immediate (N:immr:imms as 13 bits),
// or nothing when the value is not a repeating rotated run of ones.
std::optional<uint32_t> encodeLogicalImmediate(uint64_t value, Width width);

class A64Emitter {
public:
    explicit A64Emitter(uint64_t base_address = 0) : base_(base_address) {}

    uint64_t base() const { return base_; }
    uint64_t here() const { return base_ + code_.size() * 4; }  // address of the next word
    size_t size() const { return code_.size(); }
    const std::vector<uint32_t>& words() const { return code_; }
    uint32_t& at(size_t index) { return code_[index]; }
    void truncate(size_t words) { code_.resize(words); }  // drop a half-emitted instruction
    void data(uint32_t word) { put(word); }                 // a literal, never executed

    // ---- arithmetic ----
    void addImm(Width w, A64Reg rd, A64Reg rn, uint32_t imm12, bool shift12 = false);   // rd/rn 31 = sp
    void subImm(Width w, A64Reg rd, A64Reg rn, uint32_t imm12, bool shift12 = false);
    void addsImm(Width w, A64Reg rd, A64Reg rn, uint32_t imm12);                        // rd 31 = zr (cmn)
    void subsImm(Width w, A64Reg rd, A64Reg rn, uint32_t imm12);                        // rd 31 = zr (cmp)
    void addReg(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Shift s = Shift::LSL, uint8_t amount = 0);
    void subReg(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Shift s = Shift::LSL, uint8_t amount = 0);
    void addsReg(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Shift s = Shift::LSL, uint8_t amount = 0);
    void subsReg(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Shift s = Shift::LSL, uint8_t amount = 0);
    void subsExt(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Extend e);                  // cmp x, w, sxtw
    void addExt(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Extend e);                   // add x, x, w, uxtw
    void subExt(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Extend e);

    // ---- logical ----
    void andReg(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Shift s = Shift::LSL, uint8_t amount = 0);
    void orrReg(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Shift s = Shift::LSL, uint8_t amount = 0);
    void eorReg(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Shift s = Shift::LSL, uint8_t amount = 0);
    void andsReg(Width w, A64Reg rd, A64Reg rn, A64Reg rm);                             // rd 31 = tst
    void ornReg(Width w, A64Reg rd, A64Reg rn, A64Reg rm);                              // rn 31 = mvn
    // The immediate forms take the value; callers check encodeLogicalImmediate first.
    void andImm(Width w, A64Reg rd, A64Reg rn, uint64_t value);
    void orrImm(Width w, A64Reg rd, A64Reg rn, uint64_t value);
    void eorImm(Width w, A64Reg rd, A64Reg rn, uint64_t value);
    void movReg(Width w, A64Reg rd, A64Reg rm) { orrReg(w, rd, kZr, rm); }

    // ---- move wide ----
    void movz(Width w, A64Reg rd, uint16_t imm16, uint8_t hw = 0);
    void movk(Width w, A64Reg rd, uint16_t imm16, uint8_t hw = 0);
    void movn(Width w, A64Reg rd, uint16_t imm16, uint8_t hw = 0);
    // Shortest movz/movn/movk sequence for a 32-bit constant (1 or 2 words).
    void movImm32(A64Reg rd, uint32_t value);

    // ---- bitfield ----
    void ubfm(Width w, A64Reg rd, A64Reg rn, uint8_t immr, uint8_t imms);
    void sbfm(Width w, A64Reg rd, A64Reg rn, uint8_t immr, uint8_t imms);
    void bfm(Width w, A64Reg rd, A64Reg rn, uint8_t immr, uint8_t imms);
    void lslImm(Width w, A64Reg rd, A64Reg rn, uint8_t amount);
    void lsrImm(Width w, A64Reg rd, A64Reg rn, uint8_t amount);
    void asrImm(Width w, A64Reg rd, A64Reg rn, uint8_t amount);
    void ubfx(Width w, A64Reg rd, A64Reg rn, uint8_t lsb, uint8_t width);
    void sbfx(Width w, A64Reg rd, A64Reg rn, uint8_t lsb, uint8_t width);
    void bfi(Width w, A64Reg rd, A64Reg rn, uint8_t lsb, uint8_t width);
    void ubfiz(Width w, A64Reg rd, A64Reg rn, uint8_t lsb, uint8_t width);

    // ---- two and three sources ----
    void lslv(Width w, A64Reg rd, A64Reg rn, A64Reg rm);
    void lsrv(Width w, A64Reg rd, A64Reg rn, A64Reg rm);
    void asrv(Width w, A64Reg rd, A64Reg rn, A64Reg rm);
    void udiv(Width w, A64Reg rd, A64Reg rn, A64Reg rm);
    void sdiv(Width w, A64Reg rd, A64Reg rn, A64Reg rm);
    void rorv(Width w, A64Reg rd, A64Reg rn, A64Reg rm);
    void rorImm(Width w, A64Reg rd, A64Reg rn, uint8_t amount);  // extr rd, rn, rn, #amount
    void clz(Width w, A64Reg rd, A64Reg rn);
    void rbit(Width w, A64Reg rd, A64Reg rn);
    void madd(Width w, A64Reg rd, A64Reg rn, A64Reg rm, A64Reg ra);
    void msub(Width w, A64Reg rd, A64Reg rn, A64Reg rm, A64Reg ra);
    void umull(A64Reg xd, A64Reg wn, A64Reg wm);  // umaddl xd, wn, wm, xzr
    void smull(A64Reg xd, A64Reg wn, A64Reg wm);  // smaddl xd, wn, wm, xzr

    // ---- conditional select ----
    void csel(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Cond c);
    void csinc(Width w, A64Reg rd, A64Reg rn, A64Reg rm, Cond c);
    void cset(Width w, A64Reg rd, Cond c) { csinc(w, rd, kZr, kZr, invert(c)); }

    // ---- memory: [xn, wm, uxtw] and [xn, #imm] ----
    void strRegUxtw(MemSize size, A64Reg rt, A64Reg xn, A64Reg wm);
    void ldrRegUxtw(MemSize size, A64Reg rt, A64Reg xn, A64Reg wm);
    void ldrsRegUxtw(MemSize size, A64Reg wt, A64Reg xn, A64Reg wm);  // sign-extend to 32 bits
    void ldrImm(MemSize size, A64Reg rt, A64Reg xn, uint32_t byte_offset);
    void strImm(MemSize size, A64Reg rt, A64Reg xn, uint32_t byte_offset);
    void ldpX(A64Reg xt1, A64Reg xt2, A64Reg xn, int32_t byte_offset);
    // ldr wt/xt, <label>: a load from a pc-relative literal (+-1 MiB, 4-byte aligned); one word
    // where a 32-bit constant with both halves set would take movz + movk.
    void ldrLiteral(Width w, A64Reg rt, uint64_t target);

    // ---- branches (targets are absolute host addresses) ----
    void b(uint64_t target);
    void bCond(Cond c, uint64_t target);
    void cbz(Width w, A64Reg rt, uint64_t target);
    void cbnz(Width w, A64Reg rt, uint64_t target);
    void tbz(A64Reg rt, uint8_t bit, uint64_t target);
    void tbnz(A64Reg rt, uint8_t bit, uint64_t target);
    void br(A64Reg xn);
    void adr(A64Reg xd, uint64_t target);

    // ---- system ----
    void svc(uint16_t imm16);
    void brk(uint16_t imm16);
    void mrsNzcv(A64Reg xt);
    void msrNzcv(A64Reg xt);
    void nop();

    // Re-targets an already emitted b/b.cond/cbz/cbnz/tbz/tbnz or literal load (forward labels).
    void patchBranch(size_t index, uint64_t target);
    static uint32_t encodeB(uint64_t from, uint64_t target);
    // The branch `word` at host address `from` re-pointed at `target`, or nothing when the
    // target is out of that branch form's reach (b.cond/cbz: +-1 MiB, tbz: +-32 KiB).
    static std::optional<uint32_t> retarget(uint32_t word, uint64_t from, uint64_t target);

private:
    void put(uint32_t word) { code_.push_back(word); }
    int64_t offsetTo(uint64_t target) const { return static_cast<int64_t>(target - here()); }

    uint64_t base_;
    std::vector<uint32_t> code_;
};

}  // namespace vl::emu::dbt
