// The rtnetlink operations a bridge network needs, each one `ip` command's worth (the
// equivalent command is in each comment). Each returns 0 or an errno value, so callers
// decide what is fatal (EEXIST for a bridge another run just made is not) and say which
// object it concerned.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "containers/net/netlink.h"

namespace vl::ct::net {

// The interface's index in the socket's namespace, 0 when there is none of that name.
int linkIndex(NetlinkSocket& socket, const std::string& name);
// Names of every interface in the socket's namespace.
std::vector<std::string> linkNames(NetlinkSocket& socket);

// ip link add NAME type bridge
int createBridge(NetlinkSocket& socket, const std::string& name);
// ip link add HOST type veth peer name PEER netns NETNS_FD: the peer end is born inside the
// container's namespace, so it never shows up in the host's.
int createVethPair(NetlinkSocket& socket, const std::string& host_name, const std::string& peer_name, int peer_netns_fd);
// ip link set dev INDEX master MASTER_INDEX
int setMaster(NetlinkSocket& socket, int index, int master_index);
// ip link set dev INDEX up
int setUp(NetlinkSocket& socket, int index);
// ip link del dev INDEX (a veth takes its peer with it)
int deleteLink(NetlinkSocket& socket, int index);
// ip addr add ADDRESS/PREFIX brd + dev INDEX (address in host byte order)
int addAddress(NetlinkSocket& socket, int index, uint32_t address, int prefix);
// ip route add default via GATEWAY (host byte order)
int addDefaultRoute(NetlinkSocket& socket, uint32_t gateway);

}  // namespace vl::ct::net
