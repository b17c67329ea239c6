// A guest kernel image as the machine's loader sees it: a flat binary, optionally carrying a
// Multiboot 1 header with the "a.out kludge" (flag 16) that says where it loads, how long it
// is and where it starts -- which is also how a truncated image is caught before it runs.
// A .asm source is assembled with nasm first, so an instructor can pass the source directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vl::vm {

struct GuestImage {
    static constexpr uint32_t kMultibootMagic = 0x1BADB002;        // in the header
    static constexpr uint32_t kMultibootBootloaderMagic = 0x2BADB002;  // in EAX at entry
    static constexpr uint32_t kMultibootAoutKludge = 1u << 16;
    static constexpr uint32_t kDefaultLoadAddress = 0x00100000;     // 1 MiB, as Multiboot kernels

    std::string path;                // where it came from, for messages
    std::vector<uint8_t> bytes;      // what is copied to load_address
    uint32_t load_address = kDefaultLoadAddress;
    uint32_t bss_end = 0;            // zero-filled up to here (0: no bss)
    uint32_t entry = kDefaultLoadAddress;
    bool multiboot = false;          // a Multiboot header was found and checked
};

// Reads `path`: "*.asm" is assembled with nasm (errors become vl::Error Input "file:line: ..."),
// anything else is a flat binary. Throws vl::Error(Input) for an empty, truncated or
// inconsistent image, naming the file and the offset.
GuestImage loadGuestImage(const std::string& path);

// Interprets the bytes of a flat binary (name is used in messages only).
GuestImage parseGuestImage(const std::string& name, std::vector<uint8_t> bytes);

// Assembles a NASM source into a flat binary (nasm -f bin) in a private temp dir.
std::vector<uint8_t> assembleFlatBinary(const std::string& asm_path);

}  // namespace vl::vm
