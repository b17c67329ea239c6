// Helpers shared by the engines that run a GuestImage on a Unicorn CPU: mapping the image
// page by page, and turning Unicorn's error codes and fault kinds into words for students.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <memory>
#include <string>

#include "emulator/guest_image.h"

namespace vl::emu {

struct UcClose {
    void operator()(uc_engine* uc) const { uc_close(uc); }
};
using UcHandle = std::unique_ptr<uc_engine, UcClose>;

// Opens a Unicorn CPU or throws vl::Error(System).
UcHandle openUnicorn(uc_arch arch, uc_mode mode);

// Maps every segment's pages (a page shared by two segments gets both permissions) and
// copies the file bytes in; .bss stays zero. Throws vl::Error(System) when Unicorn refuses.
// `host_offset` places guest address a at host address a + host_offset (the translator keeps
// guest memory above 4 GiB on the ARM64 CPU); `executable` false maps no page executable.
void mapImage(uc_engine* uc, const GuestImage& image, uint64_t host_offset = 0, bool executable = true);

// "UC_ERR_INSN_INVALID (invalid instruction)"
std::string ucErrorName(uc_err err);
// "read" / "write" / "fetch" for a UC_MEM_* access type, with "unmapped"/"protected" context.
std::string memoryAccessWords(uc_mem_type type);

}  // namespace vl::emu
