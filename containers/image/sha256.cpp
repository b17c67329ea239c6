#include "containers/image/sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>

#include "containers/unique_fd.h"
#include "core/error.h"

namespace vl::ct::image {

struct Sha256::State {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
    if (!state_->ctx || EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr) != 1)
        throwSystem("sha256: OpenSSL could not start a digest", ENOMEM);
}

Sha256::~Sha256() = default;

Sha256& Sha256::update(const void* data, size_t size) {
    EVP_DigestUpdate(state_->ctx, data, size);
    return *this;
}

Sha256& Sha256::field(std::string_view text) {
    const std::string length = std::to_string(text.size()) + ":";
    update(length);
    return update(text);
}

std::string Sha256::hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(state_->ctx, digest, &size);
    static const char* const kHex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 15];
    }
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
