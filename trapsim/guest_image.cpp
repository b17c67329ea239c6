#include "trapsim/guest_image.h"

#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "core/error.h"
#include "core/temp_dir.h"
#include "trapsim/guest_machine.h"

extern char** environ;

namespace vl::vm {
namespace {

std::vector<uint8_t> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throwInput(path + ": cannot open guest image");
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string readText(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
    uint32_t v;
    std::memcpy(&v, b.data() + at, 4);
    return v;
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// Multiboot 1 §3.1.1: the header is 32-bit aligned within the first 8192 bytes.
constexpr size_t kMultibootSearch = 8192;
constexpr size_t kMultibootHeaderSize = 32;  // magic, flags, checksum + the five a.out-kludge fields

void checkFitsInRam(const std::string& name, uint32_t first, uint64_t end) {
    if (first < layout::kRamFirstMapped || end > layout::kRamEnd)
        throwInputAt(name, 0, "image would occupy " + hex(first) + ".." + hex(end) + ", outside guest RAM " +
                                  hex(layout::kRamFirstMapped) + ".." + hex(layout::kRamEnd));
    if (first < layout::kBootInfoAddress + layout::kBootInfoSize && end > layout::kBootInfoAddress)
        throwInputAt(name, 0, "image would occupy " + hex(first) + ".." + hex(end) +
                                  ", over the Multiboot information at " + hex(layout::kBootInfoAddress));
}

}  // namespace

GuestImage parseGuestImage(const std::string& name, std::vector<uint8_t> bytes) {
    if (bytes.empty()) throwInputAt(name, 0, "empty guest image");
    GuestImage image;
    image.path = name;

    size_t header = SIZE_MAX;
    for (size_t at = 0; at + 4 <= bytes.size() && at < kMultibootSearch; at += 4)
        if (le32(bytes, at) == GuestImage::kMultibootMagic) {
            header = at;
            break;
        }
    if (header == SIZE_MAX) {  // a plain flat binary: loaded at 1 MiB, entered at its first byte
        checkFitsInRam(name, image.load_address, uint64_t{image.load_address} + bytes.size());
        image.bytes = std::move(bytes);
        return image;
    }

    if (bytes.size() < header + 12)
        throwInputAt(name, 0, "truncated: Multiboot header at offset " + hex(header) + " is cut off after " +
                                  std::to_string(bytes.size() - header) + " bytes");
    const uint32_t flags = le32(bytes, header + 4);
    if (uint32_t(GuestImage::kMultibootMagic + flags + le32(bytes, header + 8)) != 0)
        throwInputAt(name, 0, "Multiboot header at offset " + hex(header) + " has a bad checksum");
    if (!(flags & GuestImage::kMultibootAoutKludge))
        throwInputAt(name, 0, "Multiboot header at offset " + hex(header) +
                                  " lacks flag 16 (load addresses); VirtLab loads flat binaries only");
    if (bytes.size() < header + kMultibootHeaderSize)
        throwInputAt(name, 0, "truncated: Multiboot header at offset " + hex(header) + " is cut off after " +
                                  std::to_string(bytes.size() - header) + " bytes");

    const uint32_t header_addr = le32(bytes, header + 12);
    const uint32_t load_addr = le32(bytes, header + 16);
    const uint32_t load_end_addr = le32(bytes, header + 20);
    const uint32_t bss_end_addr = le32(bytes, header + 24);
    const uint32_t entry_addr = le32(bytes, header + 28);
    if (header_addr < load_addr || header_addr - load_addr > header)
        throwInputAt(name, header + 12, "Multiboot header_addr " + hex(header_addr) + " is inconsistent with load_addr " +
                                            hex(load_addr));
    const size_t file_offset = header - (header_addr - load_addr);  // the file byte loaded at load_addr
    const size_t promised = load_end_addr ? size_t{load_end_addr} - load_addr : bytes.size() - file_offset;
    if (load_end_addr && load_end_addr < load_addr)
        throwInputAt(name, header + 20, "Multiboot load_end_addr lies below load_addr");
    if (file_offset + promised > bytes.size())
        throwInputAt(name, 0, "truncated: the Multiboot header promises " + std::to_string(promised) +
                                  " bytes from offset " + hex(file_offset) + ", the file holds " +
                                  std::to_string(bytes.size() - file_offset));
    // Multiboot: the bss follows the loaded image, so a nonzero end below it is a broken header
    // (found by fuzz/fuzz_kernel_image.cpp; kept in fuzz/regressions/kernel_image).
    if (bss_end_addr && bss_end_addr < uint64_t{load_addr} + promised)
        throwInputAt(name, header + 24, "Multiboot bss_end_addr " + hex(bss_end_addr) + " lies below the end of the loaded image");
    const uint64_t end = std::max<uint64_t>(uint64_t{load_addr} + promised, bss_end_addr);
    checkFitsInRam(name, load_addr, end);
    if (entry_addr < load_addr || entry_addr >= load_addr + promised)
        throwInputAt(name, header + 28, "Multiboot entry_addr " + hex(entry_addr) + " lies outside the loaded image");

    image.multiboot = true;
    image.load_address = load_addr;
    image.bss_end = bss_end_addr;
    image.entry = entry_addr;
    image.bytes.assign(bytes.begin() + static_cast<long>(file_offset),
                       bytes.begin() + static_cast<long>(file_offset + promised));
    return image;
}

std::vector<uint8_t> assembleFlatBinary(const std::string& asm_path) {
    if (access(asm_path.c_str(), R_OK) != 0) throwInput(asm_path + ": cannot read assembly source");
    TempDir dir("virtlab-nasm");
    const std::string out = dir.path() + "/guest.bin";
    const std::string errors = dir.path() + "/nasm.err";

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> args{VIRTLAB_NASM, "-f", "bin", "-o", out, asm_path};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throwSystem(std::string("cannot run ") + VIRTLAB_NASM, rc);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        // nasm reports "FILE:LINE: error: REASON"; the first error is the one to fix first.
        const std::string text = readText(errors);
        static const std::regex first_error(R"(([^\n]*?):(\d+): (?:error|fatal): ([^\n]*))");
        std::smatch m;
        if (std::regex_search(text, m, first_error)) throwInputAt(m[1].str(), std::stol(m[2]), m[3].str());
        throwInputAt(asm_path, 0, "nasm failed: " + (text.empty() ? std::string("no message") : text.substr(0, text.find('\n'))));
    }
    return readFile(out);
}

GuestImage loadGuestImage(const std::string& path) {
    const bool is_asm = path.size() > 4 && path.compare(path.size() - 4, 4, ".asm") == 0;
    return parseGuestImage(path, is_asm ? assembleFlatBinary(path) : readFile(path));
}

}  // namespace vl::vm
