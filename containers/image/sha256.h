// SHA-256 as OCI and Docker name content: "sha256:" followed by 64 lowercase hex digits.
// Layers, image configs and build-cache keys are all addressed this way.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace vl::ct::image {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    Sha256& update(const void* data, size_t size);
    Sha256& update(std::string_view text) { return update(text.data(), text.size()); }
    // A length-prefixed field, so ("ab","c") and ("a","bc") never hash alike.
    Sha256& field(std::string_view text);
    std::string hex();  // 64 hex digits; the hasher is finished afterwards

private:
    struct State;
    std::unique_ptr<State> state_;
};

std::string sha256Hex(std::string_view data);
// Hex digest of a file's bytes; throws vl::Error(System) when it cannot be read.
std::string sha256File(const std::string& path);
// True for exactly 64 lowercase hex digits (what a digest path component may be).
bool isHexDigest(std::string_view text);

}  // namespace vl::ct::image
