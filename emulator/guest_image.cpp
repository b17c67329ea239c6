#include "emulator/guest_image.h"

#include <algorithm>

namespace vl::emu {

uint32_t GuestImage::endOfImage() const {
    uint64_t end = 0;
    for (const auto& s : segments) end = std::max<uint64_t>(end, pageUp(uint64_t(s.vaddr) + s.mem_size));
    return static_cast<uint32_t>(std::min<uint64_t>(end, 0xFFFFF000u));
}

std::vector<uint8_t> GuestImage::bytesAt(uint32_t addr, uint32_t len) const {
    std::vector<uint8_t> out(len, 0);
    for (const auto& s : segments) {
        const uint64_t seg_begin = s.vaddr, seg_end = uint64_t(s.vaddr) + s.bytes.size();
        const uint64_t begin = std::max<uint64_t>(seg_begin, addr);
        const uint64_t end = std::min<uint64_t>(seg_end, uint64_t(addr) + len);
        for (uint64_t a = begin; a < end; ++a) out[a - addr] = s.bytes[a - seg_begin];
    }
    return out;
}

}  // namespace vl::emu
