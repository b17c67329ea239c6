// A guest program as the loaders hand it to an engine: where each piece of it goes in the
// guest's 32-bit address space, where it starts, and what a Linux i386 process needs to know
// about it (the program headers, for the auxiliary vector). Every engine (Unicorn x86, the
// ARM-direct demo, later the translator) maps the same GuestImage, so they all see one layout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vl::emu {

// Flat binaries have no headers, so they go to a fixed, documented place: the classic i386
// ELF text address of other toolchains, so `org 0x00400000` in NASM matches.
inline constexpr uint32_t kFlatLoadAddress = 0x00400000;
// A flat image is followed by zeroed memory up to this span, so NASM's `section .bss`
// (which `-f bin` places after the code without emitting bytes) has somewhere to live.
inline constexpr uint32_t kFlatImageSpan = 1u << 20;
inline constexpr uint32_t kPageSize = 4096;

enum class GuestFormat { Flat, Elf32 };

// Segment permission bits, the same values as ELF's PF_X / PF_W / PF_R.
enum SegmentFlags : uint32_t { kSegExec = 1, kSegWrite = 2, kSegRead = 4 };

struct GuestSegment {
    uint32_t vaddr = 0;          // where the first byte goes
    uint32_t mem_size = 0;       // bytes in memory; the part past bytes.size() is zero (.bss)
    uint32_t flags = 0;          // SegmentFlags
    std::vector<uint8_t> bytes;  // the file's contents for this segment
};

struct GuestImage {
    std::string path;            // what the user named, for messages
    GuestFormat format = GuestFormat::Flat;
    uint32_t entry = 0;
    std::vector<GuestSegment> segments;
    // For the Linux auxiliary vector (AT_PHDR, AT_PHENT, AT_PHNUM); zero for flat images.
    uint32_t phdr_vaddr = 0;
    uint32_t phdr_entry_size = 0;
    uint32_t phdr_count = 0;

    // First page-aligned address past every segment: where the brk heap begins.
    uint32_t endOfImage() const;
    // The bytes the image holds at [addr, addr+len), zero-filled where nothing is loaded.
    std::vector<uint8_t> bytesAt(uint32_t addr, uint32_t len) const;
};

inline uint32_t pageDown(uint32_t a) { return a & ~(kPageSize - 1); }
inline uint64_t pageUp(uint64_t a) { return (a + kPageSize - 1) & ~uint64_t(kPageSize - 1); }

}  // namespace vl::emu
