#include "containers/net/links.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/veth.h>

#include <cerrno>

namespace vl::ct::net {

namespace {

ifinfomsg linkHeader(int index = 0) {
    ifinfomsg info{};
    info.ifi_family = AF_UNSPEC;
    info.ifi_index = index;
    return info;
}

}  // namespace

int linkIndex(NetlinkSocket& socket, const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ) return 0;
    int index = 0;
    NetlinkMessage message(RTM_GETLINK, 0);
    message.header(linkHeader()).attr(IFLA_IFNAME, name);
    // Answered by one RTM_NEWLINK, then the acknowledgement (ENODEV when there is none).
    const int err = socket.request(message, [&](const nlmsghdr& h) {
        if (h.nlmsg_type == RTM_NEWLINK) index = static_cast<const ifinfomsg*>(NLMSG_DATA(&h))->ifi_index;
    });
    return err == 0 ? index : 0;
}

std::vector<std::string> linkNames(NetlinkSocket& socket) {
    std::vector<std::string> names;
    NetlinkMessage message(RTM_GETLINK, 0);
    message.header(linkHeader());
    socket.dump(message, [&](const nlmsghdr& h) {
        if (h.nlmsg_type != RTM_NEWLINK) return;
        for (const auto& [type, value] : parseAttributes(h, sizeof(ifinfomsg)))
            if (type == IFLA_IFNAME) names.push_back(value.substr(0, value.find('\0')));
    });
    return names;
}

int createBridge(NetlinkSocket& socket, const std::string& name) {
    NetlinkMessage message(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    message.header(linkHeader()).attr(IFLA_IFNAME, name);
    const size_t info = message.nest(IFLA_LINKINFO);
    message.attr(IFLA_INFO_KIND, std::string("bridge"));
    message.endNest(info);
    return socket.request(message);
}

int createVethPair(NetlinkSocket& socket, const std::string& host_name, const std::string& peer_name, int peer_netns_fd) {
    NetlinkMessage message(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    message.header(linkHeader()).attr(IFLA_IFNAME, host_name);
    const size_t info = message.nest(IFLA_LINKINFO);
    message.attr(IFLA_INFO_KIND, std::string("veth"));
    const size_t data = message.nest(IFLA_INFO_DATA);
    // The peer is described like a link of its own: an ifinfomsg, then its attributes.
    const size_t peer = message.nest(VETH_INFO_PEER);
    message.header(linkHeader()).attr(IFLA_IFNAME, peer_name).attrU32(IFLA_NET_NS_FD, static_cast<uint32_t>(peer_netns_fd));
    message.endNest(peer).endNest(data).endNest(info);
    return socket.request(message);
}

int setMaster(NetlinkSocket& socket, int index, int master_index) {
    NetlinkMessage message(RTM_NEWLINK, 0);
    message.header(linkHeader(index)).attrU32(IFLA_MASTER, static_cast<uint32_t>(master_index));
    return socket.request(message);
}

int setUp(NetlinkSocket& socket, int index) {
    ifinfomsg info = linkHeader(index);
    info.ifi_flags = IFF_UP;
    info.ifi_change = IFF_UP;
    NetlinkMessage message(RTM_NEWLINK, 0);
    message.header(info);
    return socket.request(message);
}

int deleteLink(NetlinkSocket& socket, int index) {
    NetlinkMessage message(RTM_DELLINK, 0);
    message.header(linkHeader(index));
    return socket.request(message);
}

int addAddress(NetlinkSocket& socket, int index, uint32_t address, int prefix) {
    ifaddrmsg addr{};
    addr.ifa_family = AF_INET;
    addr.ifa_prefixlen = static_cast<unsigned char>(prefix);
    addr.ifa_index = static_cast<unsigned>(index);
    const uint32_t net = htonl(address);
    const uint32_t host_mask = prefix >= 32 ? 0 : (0xffffffffu >> prefix);
    const uint32_t broadcast = htonl(address | host_mask);
    NetlinkMessage message(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    message.header(addr).attr(IFA_LOCAL, &net, sizeof net).attr(IFA_ADDRESS, &net, sizeof net)
        .attr(IFA_BROADCAST, &broadcast, sizeof broadcast);
    return socket.request(message);
}

int addDefaultRoute(NetlinkSocket& socket, uint32_t gateway) {
    rtmsg route{};
    route.rtm_family = AF_INET;
    route.rtm_table = RT_TABLE_MAIN;
    route.rtm_protocol = RTPROT_BOOT;
    route.rtm_scope = RT_SCOPE_UNIVERSE;
    route.rtm_type = RTN_UNICAST;
    const uint32_t via = htonl(gateway);
    NetlinkMessage message(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    message.header(route).attr(RTA_GATEWAY, &via, sizeof via);
    return socket.request(message);
}

}  // namespace vl::ct::net
