// Many fuzz cases as one program: the cases are laid one after another (each at its own
// addresses, each jumping to the next when done, the last one exiting), assembled by one NASM
// run and compared by one pair of engines (lockstep.h). A fresh pair of Unicorn CPUs and a
// NASM process cost far more than a case's few dozen blocks, so this is what makes a million
// cases an hour's work rather than a night's.
//
// Why cases stay independent: every case starts by setting all registers but esp, EFLAGS
// (popfd) and its whole data area; its code is at addresses no other case uses, so no
// translation, chain or lookup-table entry of one case can ever be taken by another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "emulator/dbt/dbt_fuzzer.h"

namespace vl::emu::dbt {

struct FuzzBatchResult {
    size_t matched = 0;             // cases from the first that ran and agreed
    bool diverged = false;          // case `matched` diverged (or only the translator stopped)
    bool attributed = true;         // false: something diverged, but at no address of a case
    std::string reason;             // what the lockstep saw there
    uint64_t guest_instructions = 0;
};

// Where a batch's code goes (a case alone is at kFlatLoadAddress; no generated instruction
// depends on its own address) and how many cases one batch holds: their code, ~0.5 KiB a case,
// must stay below kFuzzBatchCodeEnd. Measured: 64 a batch ran more cases per CPU-second than
// 128 or 1024 (the translator's per-run bookkeeping grows with the blocks it holds).
inline constexpr uint32_t kFuzzBatchCodeAddress = 0x01000000;
inline constexpr uint32_t kFuzzBatchCodeEnd = 0x02000000;
inline constexpr size_t kFuzzBatchCases = 64;

// Runs `cases` (at most kFuzzBatchCases) as one program. Stops at the first case that does not
// match; a case that faults the same way on both engines counts as matched, as it does alone.
FuzzBatchResult runFuzzBatch(const std::vector<FuzzCase>& cases);

}  // namespace vl::emu::dbt
