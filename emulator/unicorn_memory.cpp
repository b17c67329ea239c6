#include "emulator/unicorn_memory.h"

#include <map>

#include "core/error.h"
#include "emulator/disassembler.h"

namespace vl::emu {

UcHandle openUnicorn(uc_arch arch, uc_mode mode) {
    uc_engine* uc = nullptr;
    if (const uc_err e = uc_open(arch, mode, &uc); e != UC_ERR_OK)
        throw Error(Error::Kind::System, std::string("unicorn: uc_open: ") + uc_strerror(e));
    return UcHandle(uc);
}

void mapImage(uc_engine* uc, const GuestImage& image, uint64_t host_offset, bool executable) {
    std::map<uint32_t, uint32_t> pages;  // page address -> UC_PROT_* bits
    for (const auto& s : image.segments) {
        uint32_t prot = 0;
        if (s.flags & kSegRead) prot |= UC_PROT_READ;
        if (s.flags & kSegWrite) prot |= UC_PROT_WRITE;
        if (s.flags & kSegExec) prot |= (executable ? UC_PROT_EXEC : 0) | UC_PROT_READ;
        const uint64_t end = pageUp(uint64_t(s.vaddr) + s.mem_size);
        for (uint64_t p = pageDown(s.vaddr); p < end; p += kPageSize) pages[static_cast<uint32_t>(p)] |= prot;
    }
    // One uc_mem_map per run of contiguous pages with equal permissions.
    for (auto it = pages.begin(); it != pages.end();) {
        const uint32_t start = it->first, prot = it->second;
        uint64_t end = uint64_t(start) + kPageSize;
        ++it;
        while (it != pages.end() && it->first == end && it->second == prot) {
            end += kPageSize;
            ++it;
        }
        if (const uc_err e = uc_mem_map(uc, host_offset + start, end - start, prot); e != UC_ERR_OK)
            throw Error(Error::Kind::System, "unicorn: cannot map guest memory at " + hex32(start) + ": " + uc_strerror(e));
    }
    for (const auto& s : image.segments)
        if (!s.bytes.empty())
            if (const uc_err e = uc_mem_write(uc, host_offset + s.vaddr, s.bytes.data(), s.bytes.size()); e != UC_ERR_OK)
                throw Error(Error::Kind::System, "unicorn: cannot load segment at " + hex32(s.vaddr) + ": " + uc_strerror(e));
}

std::string ucErrorName(uc_err err) {
    const char* name = "UC_ERR_?";
    switch (err) {
    case UC_ERR_OK: name = "UC_ERR_OK"; break;
    case UC_ERR_READ_UNMAPPED: name = "UC_ERR_READ_UNMAPPED"; break;
    case UC_ERR_WRITE_UNMAPPED: name = "UC_ERR_WRITE_UNMAPPED"; break;
    case UC_ERR_FETCH_UNMAPPED: name = "UC_ERR_FETCH_UNMAPPED"; break;
    case UC_ERR_READ_PROT: name = "UC_ERR_READ_PROT"; break;
    case UC_ERR_WRITE_PROT: name = "UC_ERR_WRITE_PROT"; break;
    case UC_ERR_FETCH_PROT: name = "UC_ERR_FETCH_PROT"; break;
    case UC_ERR_READ_UNALIGNED: name = "UC_ERR_READ_UNALIGNED"; break;
    case UC_ERR_WRITE_UNALIGNED: name = "UC_ERR_WRITE_UNALIGNED"; break;
    case UC_ERR_FETCH_UNALIGNED: name = "UC_ERR_FETCH_UNALIGNED"; break;
    case UC_ERR_INSN_INVALID: name = "UC_ERR_INSN_INVALID"; break;
    case UC_ERR_EXCEPTION: name = "UC_ERR_EXCEPTION"; break;
    default: break;
    }
    return std::string(name) + " (" + uc_strerror(err) + ")";
}

std::string memoryAccessWords(uc_mem_type type) {
    switch (type) {
    case UC_MEM_READ_UNMAPPED: return "invalid memory read";
    case UC_MEM_WRITE_UNMAPPED: return "invalid memory write";
    case UC_MEM_FETCH_UNMAPPED: return "instruction fetch from unmapped memory";
    case UC_MEM_READ_PROT: return "memory read without read permission";
    case UC_MEM_WRITE_PROT: return "memory write to read-only memory";
    case UC_MEM_FETCH_PROT: return "instruction fetch from non-executable memory";
    default: return "invalid memory access";
    }
}

}  // namespace vl::emu
