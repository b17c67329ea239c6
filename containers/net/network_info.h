// What a container's network looks like from outside: recorded in its state record (so
// `inspect`, `ps` and other runs' address allocation see it) and shown in --json and the GUI.
#pragma once

#include <string>

namespace vl::ct::net {

// --net: none (a new network namespace with only loopback; the default) or bridge (a veth
// pair into the vlab0 bridge, an address from 10.88.0.0/16).
enum class NetworkMode { None, Bridge };
const char* toString(NetworkMode mode);
NetworkMode parseNetworkMode(const std::string& text);  // throws vl::Error(Input) naming --net

inline constexpr const char* kBridgeName = "vlab0";
inline constexpr const char* kContainerInterface = "eth0";

// The host end of container `id`'s veth pair: "vl" + the 12-hex-digit id, 14 characters
// (an interface name has at most 15).
std::string hostVethName(const std::string& id);
// The id a host veth name belongs to, "" when the name is not one of ours.
std::string idOfHostVeth(const std::string& name);

struct NetworkInfo {
    std::string mode = "none";   // "none" | "bridge"
    std::string address;         // "10.88.0.2" (bridge, while attached)
    int prefix = 0;              // 16
    std::string gateway;         // "10.88.0.1"
    std::string bridge;          // "vlab0"
    std::string host_veth;       // "vl3f2a9c0d1b7e"
    std::string container_veth;  // "eth0"
    bool attached() const { return !address.empty(); }
};

}  // namespace vl::ct::net
