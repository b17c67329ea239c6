// How the translated code uses the AArch64 machine: which host register holds which x86
// register, where guest memory and the runtime's tables live, and how x86 EFLAGS are kept.
// The translator, the runtime and every debugger view read this one file, so a change of
// register assignment cannot leave one of them behind.
#pragma once

#include <cstdint>

#include "emulator/dbt/a64_emitter.h"

namespace vl::emu::dbt {

// x86 registers in encoding order (eax ecx edx ebx esp ebp esi edi) live in w0..w7, so the
// host register number is the x86 register number.
inline A64Reg hostRegOf(unsigned x86_index) { return static_cast<A64Reg>(x86_index); }
inline constexpr const char* kX86RegNames[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

// Lazily kept flags (QEMU's CC_DST idea, for the two flags AArch64 has no bit for):
// PF is the parity of the low byte of w16, AF is bit 4 of w17.
inline constexpr A64Reg kPfSource = 16;
inline constexpr A64Reg kAfSource = 17;
// Exit protocol: translated code that leaves Unicorn sets these and branches to kExitAddress.
inline constexpr A64Reg kExitEip = 20;     // the guest address to continue at (or that faulted)
inline constexpr A64Reg kExitSite = 21;    // host address of a branch to patch, or 0
inline constexpr A64Reg kExitReason = 22;  // an ExitReason
// Counters kept in registers, so counting costs one instruction per block, no memory traffic.
inline constexpr A64Reg kBudget = 23;      // guest instructions still allowed (signed)
inline constexpr A64Reg kHostCount = 24;   // AArch64 instructions of translated code run (translator.h, counting)
inline constexpr A64Reg kBlockCount = 25;  // blocks executed
inline constexpr A64Reg kLookupBase = 27;  // the indirect-branch table
inline constexpr A64Reg kMemBase = 28;     // guest address 0; guest address a is at x28 + a
// x86's direction flag as the step of the string instructions: w26 is 1 (DF=0, cld) or -1
// (DF=1, std), so `add esi, esi, w26, lsl #log2(size)` moves a pointer in one instruction.
inline constexpr A64Reg kDirection = 26;
// The segment bases a static glibc uses for TLS: %gs in the low half of x19, %fs in the high
// half (set by the segment-load helper after set_thread_area; flat segments have base 0).
inline constexpr A64Reg kSegmentBases = 19;
// Scratch registers for one instruction's translation: everything no fixed role claims, then
// the exit registers w20-w22 (set only by exit stubs, and as helper arguments after every
// operand has been read), last, for the few translations that need more than eleven
// (adc to a narrow fs:[base+index*4+disp32] operand).
inline constexpr A64Reg kScratch[] = {9, 10, 11, 12, 13, 14, 15, 8, 18, 29, 30, 20, 21, 22};
inline constexpr size_t kScratchCount = sizeof kScratch / sizeof kScratch[0];
inline bool isScratch(A64Reg r) { return r == 8 || (r >= 9 && r <= 15) || r == 18 || (r >= 20 && r <= 22) || r >= 29; }
// Helpers (QEMU's helper_* functions): instructions whose semantics are long or rare become
// `svc #imm` and are computed by the runtime in C++ inside Unicorn's interrupt hook, without
// leaving Unicorn. imm = HelperKind | operand size << 8. Arguments go in the exit registers,
// which are free inside a block: w20 = operand value, w21 = second operand or count; the
// result comes back in w20. The helper reads and writes EFLAGS through NZCV, w16 and w17.
enum class HelperKind : uint16_t {
    Syscall = 0x80,   // int 0x80 (size byte 0)
    Cpuid = 1,        // eax, ecx in; eax, ebx, ecx, edx out
    Rcl = 2, Rcr = 3, // w20 rotated through CF by w21
    Shld = 4, Shrd = 5,  // w20 = destination, w21 = source, w22 = count
    Mul = 6, Imul = 7, Div = 8, Idiv = 9,  // one operand (w20), 8/16-bit: on al/ax/dx
    Imul2 = 10,       // w20 = w20 * w21 (16-bit two/three-operand imul)
    LoadSegment = 11, // w20 = selector, w21 = 4 (fs) or 5 (gs)
    ReadSegment = 12, // w21 = 4 (fs) or 5 (gs); w20 = its selector
    PushFlags = 13,   // w20 = EFLAGS as pushf stores it (the low 16 bits for size 2)
    PopFlags = 14,    // EFLAGS = w20 as popf at ring 0 loads it: the six flags, DF, IF, IOPL, NT, AC, ID
};
inline constexpr uint16_t helperImmediate(HelperKind k, uint8_t size) { return static_cast<uint16_t>(static_cast<uint16_t>(k) | size << 8); }

enum class ExitReason : uint32_t {
    Miss = 0,         // no translation at kExitEip yet (kExitSite: a branch to chain to it)
    Budget = 1,       // the budget ran out before the block at kExitEip
    DivideError = 2,  // #DE at kExitEip
    Unsupported = 3,  // an instruction the translator does not cover at kExitEip
};

// The host address space (Unicorn ARM64). Guest memory occupies [kGuestBase, kGuestBase+4G).
inline constexpr uint64_t kGuestBase = 0x100000000ull;
inline constexpr uint64_t kLookupAddress = 0x0E000000;     // indirect-branch table
inline constexpr uint32_t kLookupEntries = 4096;           // 16 bytes each: guest eip, host address
inline constexpr uint64_t kExitAddress = 0x0F000000;       // uc_emu_start's `until`
inline constexpr uint64_t kCodeCacheAddress = 0x10000000;
inline constexpr uint64_t kCodeCacheSize = 64ull << 20;    // DESIGN.md's default bound

// x86 EFLAGS bits the translator computes.
enum FlagBit : uint8_t { kCF = 1, kPF = 2, kAF = 4, kZF = 8, kSF = 16, kOF = 32, kAllFlags = 63 };

// The EFLAGS bits of a FlagBit set (CF 0x1, PF 0x4, AF 0x10, ZF 0x40, SF 0x80, OF 0x800).
uint32_t eflagsMaskOf(uint8_t flag_bits);

// The canonical flag state between translated instructions: NZCV = SF, ZF, !CF, OF (AArch64's
// carry after a subtraction is "no borrow", the inverse of x86's CF, so subtract and compare
// need no fix-up and every x86 condition maps onto one AArch64 condition), PF and AF lazy.
struct HostFlags {
    uint64_t nzcv = 0;        // as MRS NZCV reads it (bits 31..28)
    uint32_t pf_source = 0;
    uint32_t af_source = 0;
};
uint32_t eflagsFromHost(const HostFlags& h);   // always with bit 1 and IF set, as 0x202 (DF: see kDirection)
HostFlags hostFromEflags(uint32_t eflags);

}  // namespace vl::emu::dbt
