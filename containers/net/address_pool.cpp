#include "containers/net/address_pool.h"

#include <charconv>

namespace vl::ct::net {

std::string formatIpv4(uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
           std::to_string(a & 255);
}

std::optional<uint32_t> parseIpv4(const std::string& text) {
    uint32_t out = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
        unsigned value = 256;
        const char* start = p;
        auto [next, ec] = std::from_chars(p, end, value);
        if (ec != std::errc() || next == start || next - start > 3 || value > 255) return std::nullopt;
        out = (out << 8) | value;
        p = next;
    }
    if (p != end) return std::nullopt;
    return out;
}

std::optional<uint32_t> lowestFreeAddress(const std::set<uint32_t>& used) {
    const uint32_t broadcast = kBridgeSubnet | (0xffffffffu >> kBridgePrefix);
    for (uint32_t a = kBridgeGateway + 1; a < broadcast; ++a)
        if (!used.count(a)) return a;
    return std::nullopt;
}

}  // namespace vl::ct::net
