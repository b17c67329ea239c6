// Addresses of the bridge network, 10.88.0.0/16 (Podman's default bridge subnet; Docker's is
// 172.17.0.0/16): the bridge is the gateway 10.88.0.1, containers get the lowest free address
// from 10.88.0.2 up. Pure functions; who holds which address is read from the containers'
// state records (bridge_network.cpp), under a lock.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace vl::ct::net {

inline constexpr uint32_t kBridgeSubnet = (10u << 24) | (88u << 16);  // 10.88.0.0
inline constexpr int kBridgePrefix = 16;
inline constexpr uint32_t kBridgeGateway = kBridgeSubnet | 1;         // 10.88.0.1

// "10.88.0.2" (host byte order in, dotted quad out).
std::string formatIpv4(uint32_t address);
// The reverse; nullopt for anything but four decimal numbers 0..255 separated by dots.
std::optional<uint32_t> parseIpv4(const std::string& text);
// The lowest address of the subnet that is neither the network, the gateway, the broadcast
// address nor in `used`; nullopt when all 65533 are taken.
std::optional<uint32_t> lowestFreeAddress(const std::set<uint32_t>& used);

}  // namespace vl::ct::net
