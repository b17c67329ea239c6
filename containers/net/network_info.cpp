#include "containers/net/network_info.h"

#include <algorithm>

#include "core/error.h"

namespace vl::ct::net {

const char* toString(NetworkMode mode) { return mode == NetworkMode::Bridge ? "bridge" : "none"; }

NetworkMode parseNetworkMode(const std::string& text) {
    if (text == "none") return NetworkMode::None;
    if (text == "bridge") return NetworkMode::Bridge;
    throwInput("--net: '" + text + "' is not none or bridge");
}

std::string hostVethName(const std::string& id) { return "vl" + id; }

std::string idOfHostVeth(const std::string& name) {
    if (name.size() != 14 || name.rfind("vl", 0) != 0) return "";
    const std::string id = name.substr(2);
    const bool hex = std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
    return hex ? id : "";
}

}  // namespace vl::ct::net
