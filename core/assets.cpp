#include "core/assets.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "core/error.h"

namespace fs = std::filesystem;

namespace vl {
namespace {

std::string find(const std::string& relative, const std::vector<std::string>& roots) {
    std::string looked;
    for (const auto& root : roots) {
        if (root.empty()) continue;
        const fs::path candidate = fs::path(root) / relative;
        std::error_code ec;
        if (fs::exists(candidate, ec)) return fs::absolute(candidate).lexically_normal().string();
        looked += (looked.empty() ? "" : ", ") + candidate.string();
    }
    throw Error(Error::Kind::System, "asset " + relative + " not found (looked in " + looked +
                                         "; build the project or set VIRTLAB_ASSETS)");
}

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

}  // namespace

std::string builtAsset(const std::string& relative) {
    return find(relative, {env("VIRTLAB_ASSETS"), VIRTLAB_BUILD_ASSETS_DIR, "/usr/local/share/virtlab/assets",
                           "/usr/share/virtlab/assets"});
}

std::string sourceAsset(const std::string& relative) {
    return find(relative, {env("VIRTLAB_ASSETS_SRC"), VIRTLAB_SOURCE_ASSETS_DIR, "/usr/local/share/virtlab/assets",
                           "/usr/share/virtlab/assets"});
}

}  // namespace vl
