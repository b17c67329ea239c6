// The DBT judged by the oracle: runs a program on the translator and on Unicorn's x86 CPU in
// lockstep, one translated block at a time (the x86 CPU is run for exactly as many
// instructions as the block counted), and compares registers, the six arithmetic flags,
// optionally some guest memory, and finally the exit status and output. Used by
// `virtlab emulate --compare`, by `virtlab fuzz dbt` and by the tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emulator/guest_image.h"
#include "emulator/unicorn_x86_engine.h"

namespace vl::emu::dbt {

struct Divergence {
    uint32_t block = 0;                // guest address of the block after which state differed
    uint64_t guest_instructions = 0;   // instructions run when it was seen
    std::string kind;                  // "register", "flag", "memory", "state", "exit_code", "stdout"
    std::string name;                  // "eax", "CF", "0x00480004", ...
    std::string dbt, unicorn;          // the two values, as text
    std::string message() const;       // one line for people
};

struct MemoryRange {
    uint32_t address = 0;
    uint32_t length = 0;
};

struct CompareResult {
    bool match = true;
    std::optional<Divergence> divergence;
    uint64_t blocks_compared = 0;
    uint64_t guest_instructions = 0;
    std::string dbt_failure, unicorn_failure;  // when a run failed (both the same: still a match)
    std::string stdout_text;
    int exit_code = 0;
    bool exited = false;
};

CompareResult compareLockstep(const GuestImage& image, const EmulationOptions& options = {},
                              const std::vector<MemoryRange>& memory = {}, uint64_t max_blocks = 50'000'000);

}  // namespace vl::emu::dbt
