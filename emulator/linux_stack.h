// The initial stack of a Linux i386 process as the kernel's create_elf_tables() builds it:
// argc, argv[], NULL, envp[], NULL, the auxiliary vector, then the strings and AT_RANDOM's
// 16 bytes near the top. A static glibc reads its page size, program headers (for TLS) and
// stack-protector canary from here before main(), so all engines start programs this way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emulator/guest_image.h"

namespace vl::emu {

struct InitialStack {
    uint32_t pointer = 0;        // the esp a program starts with (points at argc)
    std::vector<uint8_t> bytes;  // contents of [pointer, top)
    uint32_t random_address = 0; // where AT_RANDOM points
};

// AT_RANDOM's bytes are fixed rather than random, so two engines given the same program
// behave identically (the stack canary glibc derives from them is then predictable: a lab,
// not a production system).
InitialStack buildInitialStack(const GuestImage& image, const std::vector<std::string>& argv,
                               const std::vector<std::string>& envp, uint32_t top);

}  // namespace vl::emu
