// The translator: one x86 block in, AArch64 code out (QEMU's translator loop in miniature).
// translateBlock() decodes guest instructions up to a control transfer, runs the flag
// liveness pass, and hands each instruction to its family's trans_* function (one file per
// family: trans_data.cpp, trans_alu.cpp, trans_shift.cpp, trans_muldiv.cpp, trans_branch.cpp,
// trans_system.cpp). The TranslationContext below is what those functions build code with:
// operand access, flag helpers, and the block exits the runtime understands (host_abi.h).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "emulator/dbt/a64_emitter.h"
#include "emulator/dbt/flag_liveness.h"
#include "emulator/dbt/host_abi.h"
#include "emulator/dbt/x86_condition.h"
#include "emulator/dbt/x86_decoder.h"

namespace vl::emu::dbt {

inline constexpr size_t kMaxBlockInstructions = 64;

struct InsnMapping {
    uint32_t x86_index = 0;
    uint32_t arm64_first = 0;  // word index in the block's code
    uint32_t arm64_count = 0;
};

// A direct branch inside a block that the runtime may re-point at the target's translation.
// A conditional branch that jumps to the site (the taken side of jcc or loop) is re-pointed
// straight at the target too when in reach, saving a branch (and a Unicorn TB) per pass.
struct ChainSite {
    uint32_t word_index = 0;
    uint32_t guest_target = 0;
    int32_t shortcut_word = -1;
};

struct TranslatedBlock {
    uint32_t guest_start = 0;
    uint32_t guest_end = 0;                  // one past the highest translated byte (a block may follow jumps)
    uint64_t host_start = 0;
    std::vector<uint32_t> code;              // body, then the cold exit stubs
    uint32_t body_words = 0;                 // the body: main path and counted regions, before the stubs
    uint32_t main_path_words = 0;            // what the prologue counts (translator.h, "counting")
    uint32_t prologue_words = 0;             // budget check and counters, before instruction 0
    std::vector<GuestInsn> insns;            // the translated instructions
    std::vector<InsnMapping> map;            // per instruction: its AArch64 words
    std::vector<uint8_t> flags_computed;     // per instruction: FlagBits it produced
    std::vector<uint8_t> flags_skipped;      // per instruction: FlagBits it could set but were dead
    std::vector<ChainSite> chain_sites;
    // Set when the block ends at an instruction the translator cannot run: reaching it stops
    // the run with this message ("unsupported instruction cpuid at 0x00401000").
    std::optional<std::string> stop_message;
    uint32_t stop_address = 0;
};

// Throws vl::Error(Guest) when not even the first instruction can be fetched.
// `followable` says which guest code a direct jmp or call may be followed into (the block
// goes on translating at the target instead of branching there). Only code no store can
// change qualifies (the runtime passes read-only pages): a store retires translations only
// from the next block on, and a followed copy of the changed code would run stale before
// that. Without it, nothing is followed.
TranslatedBlock translateBlock(const X86Decoder& decoder, const CodeFetch& fetch, uint32_t guest_address,
                               uint64_t host_address, const CodeWindow& followable = {});

class TranslationContext {
public:
    TranslationContext(A64Emitter& emitter, TranslatedBlock& block) : e(emitter), block_(block) {}

    A64Emitter& e;

    // The instruction being translated and the flags that are live after it.
    const GuestInsn& insn() const { return *insn_; }
    uint8_t liveAfter() const { return live_after_; }
    bool live(uint8_t flags) const { return (live_after_ & flags) != 0; }
    void begin(const GuestInsn& in, uint8_t live_after);
    uint8_t computed() const { return computed_; }
    void markComputed(uint8_t flags) { computed_ |= flags; }

    // A fresh scratch register (host_abi.h's kScratch), released when the next instruction begins.
    A64Reg scratch();

    // ---- operands ----
    // A register that holds the guest address of a memory operand.
    A64Reg address(const GuestOperand& mem);
    // The operand's value zero-extended to 32 bits; for a 32-bit register operand this is
    // the guest register itself (do not modify it).
    A64Reg read(const GuestOperand& op);
    // Writes the low op.size bytes of `value` to the operand (merging into 8/16-bit registers).
    void write(const GuestOperand& op, A64Reg value);
    // read(), but always into a scratch register (a value that must survive register writes).
    A64Reg readCopy(const GuestOperand& op);
    // Loads/stores `size` bytes at guest address `addr` (a w register).
    void loadFrom(A64Reg dest, A64Reg addr, uint8_t size);
    void storeTo(A64Reg value, A64Reg addr, uint8_t size);
    // `value` in a fresh scratch register (kZr for 0); loadConstant puts it in `dest`. A value
    // no single movz/movn/orr can make is loaded from the block's literal pool (one word, not
    // the movz + movk pair).
    A64Reg constant(uint32_t value);
    void loadConstant(A64Reg dest, uint32_t value);
    static bool isReg32(const GuestOperand& op) { return op.kind == OpKind::Reg && op.size == 4; }

    // ---- flags (host_abi.h: NZCV = SF, ZF, !CF, OF; PF from w16, AF from w17) ----
    // Records the lazy PF/AF sources where live: result (zero-extended), and a ^ b for AF
    // (`af_operands` must be computed before the destination is overwritten; see trans_alu).
    void keepParity(A64Reg result);
    void keepAuxCarry(A64Reg a_xor_b_xor_result);
    void clearAuxCarry();
    // NZCV from a result with explicit CF and OF bits (registers holding 0/1, or kZr for 0):
    // for shifts and multiplies, whose flags no single AArch64 instruction produces.
    void flagsFrom(A64Reg result, uint8_t bits, A64Reg cf, A64Reg of);
    // Replaces only CF and/or OF in NZCV (registers holding 0/1; kKeepFlag leaves that flag):
    // for rotates and bit tests, which keep SF, ZF, PF and AF.
    static constexpr A64Reg kKeepFlag = 0xFF;
    void setCarryOverflow(A64Reg cf, A64Reg of);
    // x86's CF (0/1) from the canonical NZCV, into a fresh scratch register.
    A64Reg carryFlag();
    // A runtime helper (host_abi.h HelperKind): `svc #kind|size<<8`.
    void callHelper(HelperKind kind, uint8_t size) { e.svc(helperImmediate(kind, size)); }

    // ---- control flow: every path out of the block goes through one of these ----
    void jumpTo(uint32_t guest_target);                 // chainable direct branch
    void jumpIf(X86Cond cc, uint32_t taken, uint32_t not_taken);
    void jumpIndirect(A64Reg target);                   // w register with the guest address
    void exitWith(ExitReason reason, uint32_t guest_eip);
    // Points the already emitted branch at word `site` (b.cond/cbz/cbnz/tbz/tbnz) at an exit.
    void exitFrom(size_t site, ExitReason reason, uint32_t guest_eip);
    // Bit 0 of the returned scratch register is set when the lazy PF source has odd parity
    // (that is, when x86's PF is 0): the low byte of w16 folded with three eor.
    A64Reg parityOdd();
    // Emits `branch to label` now and binds it later: returns the word index.
    size_t forwardBranch(const std::function<void()>& emit_placeholder) {
        const size_t at = e.size();
        emit_placeholder();
        return at;
    }
    void bind(size_t word_index) { e.patchBranch(word_index, e.here()); }
    // Marks the conditional branch at `word_index` (bound to the last jumpTo's site) as one
    // the runtime may point straight at that site's target when it chains it.
    void shortcutLastSite(size_t word_index) { block_.chain_sites.back().shortcut_word = static_cast<int32_t>(word_index); }
    bool ended() const { return ended_; }
    void end() { ended_ = true; }

    // ---- counting host instructions (exact on every path; README "Counting") ----
    // The prologue adds the words of the block's main path: every internal branch falling
    // through, leaving by the first exit branch. Code off that path counts itself: a region
    // begins with `add x24, x24, #n`, n patched at its end to the region's length, and its
    // words are left out of the prologue's figure.
    size_t beginCountedRegion();
    void endCountedRegion(size_t at);
    // The region's add counts `extra` more words than the region holds (a loop body that also
    // pays for the loop test it branches back to), or fewer for a negative `extra`.
    void endCountedRegion(size_t at, int extra);
    // Words of the body that are not on the main path (they are counted by their own regions).
    uint32_t offMainPath() const { return off_main_path_; }

    // Ends the block with a two-way branch. `emit_branch(taken_when)` emits the conditional
    // branch that jumps when the guest condition is `taken_when` (b.cond, cbz/cbnz or tbz/tbnz).
    // The hot side (backward: taken; forward: not taken, the static BTFN guess) leaves by that
    // branch alone once the runtime chains it; the other side is a counted region.
    void exitTwoWays(const std::function<void(bool taken_when)>& emit_branch, uint32_t taken, uint32_t not_taken);

    // Emits the cold stubs the block's exits branch to (after the body). Each counts its own
    // words and corrects the prologue's figure for the part of the main path it cut short.
    void emitStubs(uint32_t main_path_words);
    // The literal pool, after everything else (never executed).
    void emitLiterals();

private:
    struct Stub {
        size_t site = 0;            // word index of the branch to point at the stub
        uint32_t guest_eip = 0;
        ExitReason reason = ExitReason::Miss;
        bool chainable = false;     // pass the site so the runtime can patch it
        bool eip_in_register = false;  // indirect miss: w20 already holds the target
        bool on_main_path = false;  // the site is on the main path (not in a counted region)
        uint32_t off_main_before = 0;  // offMainPath() when the site was emitted
    };
    void branchToStub(Stub stub);

    TranslatedBlock& block_;
    const GuestInsn* insn_ = nullptr;
    uint8_t live_after_ = 0;
    uint8_t computed_ = 0;
    size_t next_scratch_ = 0;
    bool ended_ = false;
    std::vector<Stub> stubs_;
    uint32_t off_main_path_ = 0;
    int open_regions_ = 0;
    struct Literal {
        size_t load = 0;  // word index of the ldr literal
        uint32_t value = 0;
    };
    std::vector<Literal> literals_;
    const GuestOperand* cached_operand_ = nullptr;
    A64Reg cached_address_ = 0;
};

// dst = a OP b on `bits`-wide zero-extended operands with every live flag (trans_alu.cpp);
// returns the register holding the zero-extended result (kZr when nothing needed it).
// force_nzcv computes SF/ZF/CF/OF even when no later instruction reads them (cmpxchg, rep
// cmps/scas branch on ZF themselves).
enum class AluOp { Add, Sub, And, Or, Xor };
A64Reg aluOp(TranslationContext& t, AluOp op, A64Reg a, A64Reg b, uint8_t bits, bool want_result, A64Reg result_hint,
             bool writes_carry = true, bool force_nzcv = false);

// The instruction families. Each returns false when it does not cover the instruction
// (the block then ends with an "unsupported instruction" exit before it).
bool transData(TranslationContext& t);     // mov, movzx, movsx, lea, xchg, push, pop, nop, cbw..cdq,
                                           // leave, enter, pusha, popa, lahf, sahf, mov to/from fs/gs
bool transAlu(TranslationContext& t);      // add, adc, sub, sbb, cmp, and, or, xor, test, inc, dec, neg,
                                           // not, cmpxchg, xadd
bool transShift(TranslationContext& t);    // shl, shr, sar, rol, ror, rcl, rcr, shld, shrd
bool transBits(TranslationContext& t);     // bt, bts, btr, btc, bsf, bsr
bool transMulDiv(TranslationContext& t);   // mul, imul, div, idiv
bool transBranch(TranslationContext& t);   // jmp, jcc, call, ret, loop, setcc, cmovcc
bool transString(TranslationContext& t);   // movs, stos, lods, cmps, scas with rep/repe/repne; cld, std
bool transSystem(TranslationContext& t);   // int 0x80, cpuid

}  // namespace vl::emu::dbt
