// `virtlab fuzz dbt`: random straight-line-and-forward-branch programs drawn from the
// instructions the translator covers, with random register values and random data memory,
// each run on the translator and on Unicorn's x86 CPU in lockstep (lockstep.h). A divergence
// is shrunk, instruction by instruction, to a minimal program that still diverges.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "emulator/dbt/lockstep.h"

namespace vl::emu::dbt {

struct FuzzCase {
    std::vector<uint32_t> registers;   // eax ecx edx ebx (esp untouched) ebp-is-data esi edi, in that order of setup
    std::vector<uint8_t> data;         // the data area's initial bytes
    std::vector<std::string> body;     // NASM lines, one instruction each (labels carried inside)
    std::string source() const;        // the whole NASM program
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
};

// Where fuzz programs keep their data: ebp points here for the whole case.
inline constexpr uint32_t kFuzzDataAddress = 0x00480000;
inline constexpr uint32_t kFuzzDataSize = 256;

FuzzCase randomFuzzCase(uint64_t seed, uint64_t index, size_t length = 24);
// Assembles and compares one case; nothing when the translator and Unicorn agree.
std::optional<std::string> runFuzzCase(const FuzzCase& c);
// `progress` (may be empty) is called after each case with the number done and the
// divergences so far; `stop_requested` (may be empty) is asked before each case.
FuzzReport fuzzDbt(uint64_t cases, uint64_t seed, const std::function<void(uint64_t done, size_t divergences)>& progress = {},
                   const std::function<bool()>& stop_requested = {});

}  // namespace vl::emu::dbt
