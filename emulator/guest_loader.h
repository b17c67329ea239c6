// The one entry point that turns what a user names on the command line into a GuestImage:
//   *.asm        NASM source, assembled at run time with `nasm -f bin` (a flat binary);
//   \x7fELF...   a static i386 Linux executable (see elf32_loader.h);
//   anything else a flat binary, loaded at kFlatLoadAddress and entered at its first byte.
// Every kind of bad input (missing file, NASM error, malformed ELF, empty file) is a
// vl::Error of kind Input that names the file and the line or byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emulator/guest_image.h"

namespace vl::emu {

GuestImage loadGuest(const std::string& path);

// The same, for bytes already in memory (tests, fuzzing); `name` is used in messages.
GuestImage loadGuestBytes(const std::vector<uint8_t>& bytes, const std::string& name);
// A flat image at kFlatLoadAddress (read, write, execute: flat programs keep data in their text).
GuestImage flatImage(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace vl::emu
