#include "emulator/elf32_loader.h"

#include <elf.h>

#include <cstring>

#include "core/error.h"

namespace vl::emu {
namespace {

// Limits that keep a hostile header from making us allocate or map absurd amounts.
constexpr uint32_t kMaxProgramHeaders = 64;
constexpr uint64_t kMaxImageBytes = 256u << 20;
// The top of the 32-bit space belongs to the stack and the emulator's own pages.
constexpr uint64_t kHighestImageAddress = 0xBF000000;

[[noreturn]] void bad(const std::string& path, uint64_t offset, const std::string& reason) {
    throwInput(path + ": offset " + std::to_string(offset) + ": " + reason);
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string machineName(uint16_t m) {
    switch (m) {
    case EM_386: return "i386";
    case EM_X86_64: return "x86-64";
    case EM_ARM: return "arm";
    case EM_AARCH64: return "aarch64";
    case EM_RISCV: return "riscv";
    default: return "unknown";
    }
}

void checkHeader(const std::vector<uint8_t>& bytes, const Elf32_Ehdr& eh, const std::string& path) {
    if (eh.e_ident[EI_CLASS] != ELFCLASS32)
        bad(path, EI_CLASS, "ELF class " + std::to_string(eh.e_ident[EI_CLASS]) +
                                (eh.e_ident[EI_CLASS] == ELFCLASS64 ? " (64-bit)" : "") +
                                ", need 1 (ELFCLASS32: a 32-bit i386 program)");
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
        bad(path, EI_DATA, "data encoding " + std::to_string(eh.e_ident[EI_DATA]) + ", need 1 (little-endian)");
    if (eh.e_ident[EI_VERSION] != EV_CURRENT)
        bad(path, EI_VERSION, "ELF version " + std::to_string(eh.e_ident[EI_VERSION]) + ", need 1");
    if (eh.e_machine != EM_386)
        bad(path, offsetof(Elf32_Ehdr, e_machine),
            "e_machine " + std::to_string(eh.e_machine) + " (" + machineName(eh.e_machine) + "), need 3 (i386)");
    if (eh.e_type != ET_EXEC)
        bad(path, offsetof(Elf32_Ehdr, e_type),
            "e_type " + std::to_string(eh.e_type) +
                (eh.e_type == ET_DYN ? " (shared object or PIE)" : eh.e_type == ET_REL ? " (object file, not linked)" : "") +
                ", need 2 (ET_EXEC: a statically linked executable)");
    if (eh.e_phnum == 0) bad(path, offsetof(Elf32_Ehdr, e_phnum), "no program headers (e_phnum 0)");
    if (eh.e_phnum > kMaxProgramHeaders)
        bad(path, offsetof(Elf32_Ehdr, e_phnum),
            "e_phnum " + std::to_string(eh.e_phnum) + " exceeds " + std::to_string(kMaxProgramHeaders));
    if (eh.e_phentsize != sizeof(Elf32_Phdr))
        bad(path, offsetof(Elf32_Ehdr, e_phentsize),
            "e_phentsize " + std::to_string(eh.e_phentsize) + ", need " + std::to_string(sizeof(Elf32_Phdr)));
    const uint64_t table_end = uint64_t(eh.e_phoff) + uint64_t(eh.e_phnum) * sizeof(Elf32_Phdr);
    if (eh.e_phoff < sizeof(Elf32_Ehdr) || table_end > bytes.size())
        bad(path, offsetof(Elf32_Ehdr, e_phoff),
            "program header table at e_phoff " + hex(eh.e_phoff) + " (" + std::to_string(eh.e_phnum) +
                " entries, ending at " + hex(table_end) + ") lies outside the " + std::to_string(bytes.size()) +
                "-byte file");
}

GuestSegment loadSegment(const std::vector<uint8_t>& bytes, const Elf32_Phdr& ph, uint64_t at, const std::string& path) {
    if (uint64_t(ph.p_offset) + ph.p_filesz > bytes.size())
        bad(path, at + offsetof(Elf32_Phdr, p_offset),
            "PT_LOAD file range " + hex(ph.p_offset) + "+" + hex(ph.p_filesz) + " runs past the end of the " +
                std::to_string(bytes.size()) + "-byte file (truncated?)");
    if (ph.p_filesz > ph.p_memsz)
        bad(path, at + offsetof(Elf32_Phdr, p_filesz),
            "PT_LOAD p_filesz " + hex(ph.p_filesz) + " is larger than p_memsz " + hex(ph.p_memsz));
    if (ph.p_memsz > kMaxImageBytes)
        bad(path, at + offsetof(Elf32_Phdr, p_memsz), "PT_LOAD p_memsz " + hex(ph.p_memsz) + " is absurdly large");
    if (ph.p_vaddr < kPageSize || uint64_t(ph.p_vaddr) + ph.p_memsz > kHighestImageAddress)
        bad(path, at + offsetof(Elf32_Phdr, p_vaddr),
            "PT_LOAD at " + hex(ph.p_vaddr) + "+" + hex(ph.p_memsz) + " lies outside the user range " +
                hex(kPageSize) + ".." + hex(kHighestImageAddress));
    if (ph.p_align > 1 && (ph.p_vaddr % kPageSize) != (ph.p_offset % kPageSize))
        bad(path, at + offsetof(Elf32_Phdr, p_vaddr),
            "PT_LOAD p_vaddr " + hex(ph.p_vaddr) + " and p_offset " + hex(ph.p_offset) + " disagree modulo the page size");
    GuestSegment seg;
    seg.vaddr = ph.p_vaddr;
    seg.mem_size = ph.p_memsz;
    seg.flags = ph.p_flags & (PF_R | PF_W | PF_X);
    seg.bytes.assign(bytes.begin() + ph.p_offset, bytes.begin() + ph.p_offset + ph.p_filesz);
    return seg;
}

}  // namespace

bool looksLikeElf(const std::vector<uint8_t>& bytes) {
    return bytes.size() >= SELFMAG && std::memcmp(bytes.data(), ELFMAG, SELFMAG) == 0;
}

GuestImage parseElf32(const std::vector<uint8_t>& bytes, const std::string& path) {
    if (!looksLikeElf(bytes)) bad(path, 0, "not an ELF file (no \\x7fELF magic)");
    // Class first: a 64-bit header is longer, and "wrong class" is the more useful message.
    if (bytes.size() > EI_CLASS && bytes[EI_CLASS] != ELFCLASS32 && bytes[EI_CLASS] != ELFCLASSNONE) {
        Elf32_Ehdr partial{};
        std::memcpy(&partial, bytes.data(), std::min(bytes.size(), sizeof partial));
        checkHeader(bytes, partial, path);
    }
    if (bytes.size() < sizeof(Elf32_Ehdr))
        bad(path, bytes.size(), "truncated ELF header (" + std::to_string(bytes.size()) + " bytes, need " +
                                    std::to_string(sizeof(Elf32_Ehdr)) + ")");
    Elf32_Ehdr eh;
    std::memcpy(&eh, bytes.data(), sizeof eh);
    checkHeader(bytes, eh, path);

    GuestImage image;
    image.path = path;
    image.format = GuestFormat::Elf32;
    image.entry = eh.e_entry;
    image.phdr_entry_size = eh.e_phentsize;
    image.phdr_count = eh.e_phnum;
    uint64_t total = 0;
    bool have_phdr_segment = false;
    for (uint32_t i = 0; i < eh.e_phnum; ++i) {
        const uint64_t at = eh.e_phoff + uint64_t(i) * sizeof(Elf32_Phdr);
        Elf32_Phdr ph;
        std::memcpy(&ph, bytes.data() + at, sizeof ph);
        if (ph.p_type == PT_INTERP)
            bad(path, at, "has a PT_INTERP (dynamically linked); only static executables run here (gcc -m32 -static)");
        if (ph.p_type == PT_PHDR) {
            image.phdr_vaddr = ph.p_vaddr;
            have_phdr_segment = true;
        }
        if (ph.p_type != PT_LOAD) continue;
        GuestSegment seg = loadSegment(bytes, ph, at, path);
        total += seg.mem_size;
        if (total > kMaxImageBytes) bad(path, at, "PT_LOAD segments add up to more than 256 MiB");
        for (const auto& other : image.segments)
            if (seg.vaddr < uint64_t(other.vaddr) + other.mem_size && other.vaddr < uint64_t(seg.vaddr) + seg.mem_size)
                bad(path, at + offsetof(Elf32_Phdr, p_vaddr),
                    "PT_LOAD at " + hex(seg.vaddr) + " overlaps the one at " + hex(other.vaddr));
        // Without PT_PHDR (static ld output), the headers are visible where the PT_LOAD
        // covering their file offset puts them, which is what the kernel reports as AT_PHDR.
        if (!have_phdr_segment && eh.e_phoff >= ph.p_offset && eh.e_phoff < uint64_t(ph.p_offset) + ph.p_filesz)
            image.phdr_vaddr = ph.p_vaddr + (eh.e_phoff - ph.p_offset);
        image.segments.push_back(std::move(seg));
    }
    if (image.segments.empty()) bad(path, eh.e_phoff, "no PT_LOAD segment: nothing to load");
    bool entry_ok = false;
    for (const auto& s : image.segments)
        if (eh.e_entry >= s.vaddr && eh.e_entry < uint64_t(s.vaddr) + s.mem_size && (s.flags & PF_X)) entry_ok = true;
    if (!entry_ok)
        bad(path, offsetof(Elf32_Ehdr, e_entry), "e_entry " + hex(eh.e_entry) + " is not inside an executable PT_LOAD segment");
    return image;
}

}  // namespace vl::emu
