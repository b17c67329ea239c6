// Builds small test guests from NASM source text, the way an instructor passes a .asm file.
#pragma once

#include <string>

#include "trapsim/trap_vmm.h"

namespace vl::vm::test {

// Writes `source` to NAME.asm in a test temp dir and returns its path.
std::string guestSource(const std::string& name, const std::string& source);

// A monitor for that guest, with an instruction limit.
TrapVmmConfig guestConfig(const std::string& name, const std::string& source, uint64_t max_instructions = 10'000'000);

// The built-in guest kernel (its native or paravirtual build, as the mode needs) under `mode`.
inline TrapVmmConfig kernelIn(MonitorMode mode) {
    TrapVmmConfig config;
    config.mode = mode;
    return config;
}

}  // namespace vl::vm::test
