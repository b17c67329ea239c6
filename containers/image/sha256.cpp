#include "containers/image/sha256.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "containers/unique_fd.h"
#include "core/error.h"

// SHA-256 as FIPS 180-4 defines it, written here rather than taken from libcrypto: this file
// sits on the path of `virtlab container run --image` (image records are named by digest),
// and libcrypto (4.7 MB) would be one more library that every `container run` loads and
// relocates before main() (containers/README.md, "Where a container run spends its time").
// Checked against the FIPS 180-2 example messages and against sha256sum
// (tests/containers/sha256_test.cpp).
namespace vl::ct::image {

namespace {

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4, 4.2.2).
constexpr std::array<uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// The first 32 bits of the fractional parts of the square roots of the first 8 primes (5.3.3).
constexpr std::array<uint32_t, 8> kInitial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

constexpr uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

}  // namespace

struct Sha256::State {
    std::array<uint32_t, 8> h = kInitial;
    std::array<unsigned char, 64> block{};
    size_t filled = 0;       // bytes waiting in `block`
    uint64_t total = 0;      // message length so far, in bytes
    bool finished = false;

    void compress(const unsigned char* p) {
        uint32_t w[64];
        for (int t = 0; t < 16; ++t)
            w[t] = uint32_t{p[4 * t]} << 24 | uint32_t{p[4 * t + 1]} << 16 | uint32_t{p[4 * t + 2]} << 8 | uint32_t{p[4 * t + 3]};
        for (int t = 16; t < 64; ++t) {
            const uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            const uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
        for (int t = 0; t < 64; ++t) {
            const uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRound[t] + w[t];
            const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            k = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += k;
    }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {}

Sha256::~Sha256() = default;

Sha256& Sha256::update(const void* data, size_t size) {
    State& s = *state_;
    auto p = static_cast<const unsigned char*>(data);
    s.total += size;
    if (s.filled > 0) {
        const size_t take = std::min(size, s.block.size() - s.filled);
        std::memcpy(s.block.data() + s.filled, p, take);
        s.filled += take;
        p += take;
        size -= take;
        if (s.filled < s.block.size()) return *this;
        s.compress(s.block.data());
        s.filled = 0;
    }
    for (; size >= 64; p += 64, size -= 64) s.compress(p);
    std::memcpy(s.block.data(), p, size);
    s.filled = size;
    return *this;
}

Sha256& Sha256::field(std::string_view text) {
    const std::string length = std::to_string(text.size()) + ":";
    update(length);
    return update(text);
}

std::string Sha256::hex() {
    State& s = *state_;
    if (!s.finished) {
        // Padding (5.1.1): a one bit, zeros up to 56 bytes into the last block, then the
        // message length in bits as a big-endian 64-bit number.
        const uint64_t bits = s.total * 8;
        const unsigned char one = 0x80;
        update(&one, 1);
        const unsigned char zero[64] = {};
        update(zero, (s.filled <= 56 ? 56 : 120) - s.filled);
        unsigned char length[8];
        for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
        update(length, sizeof length);
        s.finished = true;
    }
    static const char* const kHex = "0123456789abcdef";
    std::string out;
    for (uint32_t word : s.h)
        for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(word >> shift) & 15];
    return out;
}

std::string sha256Hex(std::string_view data) { return Sha256().update(data).hex(); }

std::string sha256File(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throwErrno("sha256: open " + path);
    Sha256 hasher;
    char buf[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            throwErrno("sha256: read " + path);
        }
        hasher.update(buf, static_cast<size_t>(n));
    }
    return hasher.hex();
}

bool isHexDigest(std::string_view text) {
    if (text.size() != 64) return false;
    for (char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace vl::ct::image
