// Assembles a student's NASM source into a flat binary at run time (`virtlab emulate x.asm`).
// NASM's own diagnostics are the best there are, so its first error is passed through as
// "x.asm:LINE: reason" (kind Input, exit status 2) rather than paraphrased.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vl::emu {

// Runs `nasm -f bin` on source_path in a private temp directory and returns the output bytes.
// Throws vl::Error(Input) for assembly errors and vl::Error(System) when nasm cannot be run.
std::vector<uint8_t> assembleNasm(const std::string& source_path);

// The NASM executable used: $VIRTLAB_NASM, else the one found at configure time, else "nasm".
std::string nasmExecutable();

}  // namespace vl::emu
