// `virtlab fuzz dbt`: random straight-line-and-forward-branch programs drawn from the
// instructions the translator covers, with random register values and random data memory,
// each run on the translator and on Unicorn's x86 CPU in lockstep (lockstep.h). A divergence
// is shrunk, instruction by instruction, to a minimal program that still diverges.
//
// Speed: cases run in batches (fuzz_batch.h): one NASM run and one pair of engines for a
// whole batch, each case at its own addresses and resetting registers, flags and data memory
// itself, so nothing a case leaves (translations included) can reach the next one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/dbt/lockstep.h"

namespace vl::emu::dbt {

struct FuzzCase {
    std::vector<uint32_t> registers;   // eax ecx edx ebx (esp untouched) ebp-is-data esi edi, in that order of setup
    std::vector<uint8_t> data;         // the data area's initial bytes
    std::vector<std::string> body;     // NASM lines, one instruction each (labels carried inside)
    std::string source() const;        // the whole NASM program: this case alone, ending in exit(0)
    // The case as a piece of a larger program: starts at `label` (non-local, so the case's own
    // .labels stay private to it), ends with `jmp next`, or with exit(0) when next is empty.
    std::string code(const std::string& label, const std::string& next) const;
};

struct FuzzFailure {
    uint64_t case_index = 0;
    std::string reason;                // the divergence or the translator's error
    std::string reproducer;            // the minimal NASM program
};

struct FuzzReport {
    uint64_t cases = 0;
    uint64_t seed = 0;
    uint64_t guest_instructions = 0;
    bool stopped = false;              // stop_requested() ended the run before `cases`
    std::vector<FuzzFailure> divergences;
    // How often each mnemonic was generated ("add", "rep movsb", "jcc", "setcc", ...): the
    // coverage of the run, as generated (a branch may skip what it jumps over).
    std::map<std::string, uint64_t> mnemonics;
};

// Where fuzz programs keep their data: ebp points here for the whole case.
inline constexpr uint32_t kFuzzDataAddress = 0x00480000;
inline constexpr uint32_t kFuzzDataSize = 256;

FuzzCase randomFuzzCase(uint64_t seed, uint64_t index, size_t length = 24);
// Assembles and compares one case alone; nothing when the translator and Unicorn agree.
std::optional<std::string> runFuzzCase(const FuzzCase& c);
// The mnemonic of one body line for the coverage table, or "" for a label.
std::string fuzzMnemonic(const std::string& line);
// `progress` (may be empty) is called after each case with the number done and the
// divergences so far; `stop_requested` (may be empty) is asked before each case.
FuzzReport fuzzDbt(uint64_t cases, uint64_t seed, const std::function<void(uint64_t done, size_t divergences)>& progress = {},
                   const std::function<bool()>& stop_requested = {});
// The same for given cases (case_index = position in `cases`): how the tests inject a known
// difference between the two engines among random cases.
FuzzReport fuzzCases(const std::vector<FuzzCase>& cases, const std::function<void(uint64_t done, size_t divergences)>& progress = {},
                     const std::function<bool()>& stop_requested = {});

}  // namespace vl::emu::dbt
