#include "tests/trapsim/guest_asm.h"

#include "tests/support/cli_runner.h"

namespace vl::vm::test {

std::string guestSource(const std::string& name, const std::string& source) {
    return vl::test::writeTempFile(name + ".asm", source);
}

TrapVmmConfig guestConfig(const std::string& name, const std::string& source, uint64_t max_instructions) {
    TrapVmmConfig config;
    config.guest_path = guestSource(name, source);
    config.max_instructions = max_instructions;
    return config;
}

}  // namespace vl::vm::test
