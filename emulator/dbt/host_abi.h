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
inline constexpr A64Reg kHostCount = 24;   // AArch64 instructions executed (block bodies)
inline constexpr A64Reg kBlockCount = 25;  // blocks executed
inline constexpr A64Reg kLookupBase = 27;  // the indirect-branch table
inline constexpr A64Reg kMemBase = 28;     // guest address 0; guest address a is at x28 + a
// Scratch registers for one instruction's translation: everything no fixed role claims.
inline constexpr A64Reg kScratch[] = {9, 10, 11, 12, 13, 14, 15, 8, 18, 19, 26, 29, 30};
inline constexpr size_t kScratchCount = sizeof kScratch / sizeof kScratch[0];
inline bool isScratch(A64Reg r) { return r == 8 || (r >= 9 && r <= 15) || r == 18 || r == 19 || r == 26 || r >= 29; }

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

// The canonical flag state between translated instructions: NZCV = SF, ZF, !CF, OF (AArch64's
// carry after a subtraction is "no borrow", the inverse of x86's CF, so subtract and compare
// need no fix-up and every x86 condition maps onto one AArch64 condition), PF and AF lazy.
struct HostFlags {
    uint64_t nzcv = 0;        // as MRS NZCV reads it (bits 31..28)
    uint32_t pf_source = 0;
    uint32_t af_source = 0;
};
uint32_t eflagsFromHost(const HostFlags& h);   // always with bit 1 and IF set, as 0x202
HostFlags hostFromEflags(uint32_t eflags);

}  // namespace vl::emu::dbt
