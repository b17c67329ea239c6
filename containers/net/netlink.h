// rtnetlink from C++, without shelling out to `ip`: the messages `ip link add ... type veth`,
// `ip addr add` and `ip route add` send, built and sent by hand. Sockets and messages only;
// the operations on links, addresses and routes are in links.h.
//
// A request is one netlink message: a header (nlmsghdr), a fixed part (ifinfomsg, ifaddrmsg,
// rtmsg) and a list of attributes (rtattr, 4-byte aligned, possibly nested). The kernel answers
// each NLM_F_ACK request with an NLMSG_ERROR whose error field is 0 or a negative errno.
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "containers/unique_fd.h"

namespace vl::ct::net {

// One request under construction. Attributes are appended in order; nest() opens a nested
// attribute that endNest() closes (its length is patched in then).
class NetlinkMessage {
public:
    // type: RTM_NEWLINK ...; flags beyond NLM_F_REQUEST (always set): NLM_F_CREATE|NLM_F_EXCL ...
    NetlinkMessage(uint16_t type, uint16_t flags);

    // The fixed part that follows the header (ifinfomsg, ifaddrmsg, rtmsg); once, first.
    template <typename T>
    NetlinkMessage& header(const T& fixed) { return append(&fixed, sizeof fixed); }
    NetlinkMessage& attr(uint16_t type, const void* data, size_t size);
    NetlinkMessage& attr(uint16_t type, const std::string& text);  // NUL-terminated, as the kernel wants names
    NetlinkMessage& attrU32(uint16_t type, uint32_t value) { return attr(type, &value, sizeof value); }
    size_t nest(uint16_t type);  // returns the offset endNest() needs
    NetlinkMessage& endNest(size_t offset);

    nlmsghdr* data() { return reinterpret_cast<nlmsghdr*>(bytes_.data()); }
    size_t size() const { return bytes_.size(); }

private:
    NetlinkMessage& append(const void* data, size_t size);
    void align();
    std::vector<unsigned char> bytes_;
};

class NetlinkSocket {
public:
    // A NETLINK_ROUTE socket in this thread's network namespace; throws vl::Error(System).
    static NetlinkSocket open();
    // One in the network namespace `netns_fd` refers to (/proc/PID/ns/net). A socket keeps the
    // namespace it was created in, so a short-lived thread enters the namespace, creates it
    // and leaves: the calling thread (a GUI worker, say) never changes namespace.
    static NetlinkSocket openIn(int netns_fd);

    // Sends `message` with NLM_F_ACK and waits for the kernel's acknowledgement: 0 or an errno
    // value. Answers before it (a GET's RTM_NEWLINK) go to `each`.
    int request(NetlinkMessage& message, const std::function<void(const nlmsghdr&)>& each = {});
    // Sends a dump request (NLM_F_DUMP) and calls `each` for every answering message until
    // NLMSG_DONE; returns 0 or an errno value.
    int dump(NetlinkMessage& message, const std::function<void(const nlmsghdr&)>& each);

private:
    UniqueFd fd_;
    uint32_t sequence_ = 0;
};

// The attributes of one answering message (after its fixed part of `fixed_size` bytes).
std::vector<std::pair<uint16_t, std::string>> parseAttributes(const nlmsghdr& message, size_t fixed_size);

}  // namespace vl::ct::net
