#include "containers/limits.h"

#include <cctype>
#include <charconv>

#include "core/error.h"

namespace vl::ct {

namespace {

// Number of bits to shift for a unit suffix ("", "b", "k", "kb", "m", ...), or -1.
int suffixShift(std::string suffix) {
    for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (suffix.size() == 2 && suffix[1] == 'b') suffix.pop_back();
    if (suffix.empty() || suffix == "b") return 0;
    if (suffix == "k") return 10;
    if (suffix == "m") return 20;
    if (suffix == "g") return 30;
    if (suffix == "t") return 40;
    return -1;
}

}  // namespace

uint64_t parseMemorySize(const std::string& text, const std::string& option) {
    const auto bad = [&](const std::string& why) -> uint64_t {
        throwInput(option + ": " + why + ": '" + text + "' (examples: 64m, 1g, 268435456)");
    };
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0) return bad("not a size");
    uint64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number);
    if (ec != std::errc() || end != text.data() + digits) return bad("number too large");
    const int shift = suffixShift(text.substr(digits));
    if (shift < 0) return bad("unknown unit (use b, k, m, g or t)");
    if (number > (kMaxMemoryBytes >> shift)) return bad("larger than 1 PiB");
    const uint64_t bytes = number << shift;
    if (bytes < kMinMemoryBytes) return bad("smaller than 4 MiB");
    return bytes;
}

uint64_t parsePidsLimit(const std::string& text, const std::string& option) {
    uint64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || number == 0 || number > kMaxPids)
        throwInput(option + ": not a process count between 1 and " + std::to_string(kMaxPids) + ": '" + text + "'");
    return number;
}

uint64_t parseCpuQuota(const std::string& text, const std::string& option) {
    // Whole and fractional parts by hand: from_chars for double is not in every libstdc++
    // this builds with, and strtod would take "1e3", "inf" and the locale's comma.
    const size_t dot = text.find('.');
    const std::string whole = text.substr(0, dot), fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
    const auto digits = [](const std::string& s) { return s.find_first_not_of("0123456789") == std::string::npos; };
    uint64_t units = 0, thousandths = 0;
    bool ok = !text.empty() && (!whole.empty() || !fraction.empty()) && digits(whole) && digits(fraction) &&
              fraction.size() <= 3 && whole.size() <= 4;
    if (ok) {
        if (!whole.empty()) units = std::stoull(whole);
        std::string padded = fraction;
        padded.resize(3, '0');
        thousandths = std::stoull(padded);
    }
    const uint64_t quota = (units * 1000 + thousandths) * 100;  // us per 100000 us period
    if (!ok || quota < 1000 || quota > 1024ull * 100000)
        throwInput(option + ": not a CPU count between 0.01 and 1024 (at most 3 decimals): '" + text + "'");
    return quota;
}

}  // namespace vl::ct
