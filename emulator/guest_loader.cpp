#include "emulator/guest_loader.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "emulator/elf32_loader.h"
#include "emulator/nasm_assembler.h"

namespace vl::emu {
namespace {

constexpr uint64_t kMaxFlatBytes = kFlatImageSpan;

std::vector<uint8_t> readFile(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throwInputAt(path, 0, "no such file");
    if (std::filesystem::is_directory(path, ec)) throwInputAt(path, 0, "is a directory, not a program");
    std::ifstream in(path, std::ios::binary);
    if (!in) throwInputAt(path, 0, "cannot be read");
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

GuestImage flatImage(const std::vector<uint8_t>& bytes, const std::string& name) {
    if (bytes.empty()) throwInputAt(name, 0, "empty file: a flat binary needs at least one instruction");
    if (bytes.size() > kMaxFlatBytes)
        throwInputAt(name, 0, "flat binary of " + std::to_string(bytes.size()) + " bytes is larger than the " +
                                   std::to_string(kMaxFlatBytes) + "-byte flat image span");
    GuestImage image;
    image.path = name;
    image.format = GuestFormat::Flat;
    image.entry = kFlatLoadAddress;
    GuestSegment seg;
    seg.vaddr = kFlatLoadAddress;
    seg.mem_size = kFlatImageSpan;
    seg.flags = kSegRead | kSegWrite | kSegExec;
    seg.bytes = bytes;
    image.segments.push_back(std::move(seg));
    return image;
}

GuestImage loadGuestBytes(const std::vector<uint8_t>& bytes, const std::string& name) {
    if (looksLikeElf(bytes)) return parseElf32(bytes, name);
    return flatImage(bytes, name);
}

GuestImage loadGuest(const std::string& path) {
    if (std::filesystem::path(path).extension() == ".asm") {
        auto image = flatImage(assembleNasm(path), path);
        return image;
    }
    return loadGuestBytes(readFile(path), path);
}

}  // namespace vl::emu
