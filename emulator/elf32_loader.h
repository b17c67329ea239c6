// Reads a static i386 Linux executable (ELFCLASS32, little-endian, ET_EXEC, EM_386) the way
// the kernel's binfmt_elf does, but refuses anything it would not run: every header field it
// relies on is checked against the file before use, and an error names the byte offset of
// the field or header at fault ("prog.elf: offset 18: e_machine 62 (x86-64), need 3 (i386)").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emulator/guest_image.h"

namespace vl::emu {

// True when the bytes start with the ELF magic, i.e. they should be judged as ELF at all.
bool looksLikeElf(const std::vector<uint8_t>& bytes);

// Throws vl::Error(Input) "<path>: offset N: reason" for anything malformed.
GuestImage parseElf32(const std::vector<uint8_t>& bytes, const std::string& path);

}  // namespace vl::emu
