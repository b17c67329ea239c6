#include "containers/net/netlink.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/error.h"

namespace vl::ct::net {

NetlinkMessage::NetlinkMessage(uint16_t type, uint16_t flags) {
    nlmsghdr header{};
    header.nlmsg_type = type;
    header.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
    append(&header, sizeof header);
}

NetlinkMessage& NetlinkMessage::append(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
    align();
    this->data()->nlmsg_len = static_cast<uint32_t>(bytes_.size());
    return *this;
}

void NetlinkMessage::align() { bytes_.resize(NLMSG_ALIGN(bytes_.size()), 0); }

NetlinkMessage& NetlinkMessage::attr(uint16_t type, const void* data, size_t size) {
    rtattr a{};
    a.rta_type = type;
    a.rta_len = static_cast<uint16_t>(RTA_LENGTH(size));
    const size_t start = bytes_.size();
    bytes_.resize(start + RTA_LENGTH(0));
    std::memcpy(bytes_.data() + start, &a, sizeof a);
    return append(data, size);
}

NetlinkMessage& NetlinkMessage::attr(uint16_t type, const std::string& text) { return attr(type, text.c_str(), text.size() + 1); }

size_t NetlinkMessage::nest(uint16_t type) {
    const size_t offset = bytes_.size();
    attr(type, nullptr, 0);
    return offset;
}

NetlinkMessage& NetlinkMessage::endNest(size_t offset) {
    rtattr a{};
    std::memcpy(&a, bytes_.data() + offset, sizeof a);
    a.rta_len = static_cast<uint16_t>(bytes_.size() - offset);
    std::memcpy(bytes_.data() + offset, &a, sizeof a);
    return *this;
}

NetlinkSocket NetlinkSocket::open() {
    NetlinkSocket s;
    s.fd_.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!s.fd_) throwErrno("netlink: socket(NETLINK_ROUTE)");
    // Errors come back in full; without this a long request's answer may be truncated.
    const int one = 1;
    ::setsockopt(s.fd_.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    return s;
}

NetlinkSocket NetlinkSocket::openIn(int netns_fd) {
    int err = 0;
    int fd = -1;
    std::thread([&] {
        // setns(CLONE_NEWNET) changes only this thread, which ends right after.
        if (::setns(netns_fd, CLONE_NEWNET) != 0) {
            err = errno;
            return;
        }
        fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) err = errno;
    }).join();
    if (err) throwSystem("netlink: a socket in the container's network namespace", err);
    NetlinkSocket s;
    s.fd_.reset(fd);
    return s;
}

namespace {

int sendAll(int fd, NetlinkMessage& message) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    for (;;) {
        const ssize_t n = ::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
        if (n >= 0) return 0;
        if (errno != EINTR) return errno;
    }
}

// Calls `each` for each message of the next datagram; returns 1 to go on, 0 at the end
// (an ack or NLMSG_DONE; `result` holds its errno), or -1 when receiving failed (`result`).
template <typename Each>
int receiveOne(int fd, uint32_t sequence, int& result, Each&& each) {
    alignas(nlmsghdr) unsigned char buffer[32768];
    ssize_t n;
    do {
        n = ::recv(fd, buffer, sizeof buffer, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        result = errno;
        return -1;
    }
    auto len = static_cast<unsigned>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_seq != sequence) continue;  // a late answer to an earlier request
        if (h->nlmsg_type == NLMSG_ERROR) {
            const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
            result = -e->error;
            return 0;
        }
        if (h->nlmsg_type == NLMSG_DONE) {
            result = 0;
            return 0;
        }
        each(*h);
    }
    return 1;
}

}  // namespace

int NetlinkSocket::request(NetlinkMessage& message, const std::function<void(const nlmsghdr&)>& each) {
    message.data()->nlmsg_flags |= NLM_F_ACK;
    message.data()->nlmsg_seq = ++sequence_;
    if (int err = sendAll(fd_.get(), message)) return err;
    int result = 0;
    while (receiveOne(fd_.get(), sequence_, result, [&](const nlmsghdr& h) {
               if (each) each(h);
           }) > 0) {}
    return result;
}

int NetlinkSocket::dump(NetlinkMessage& message, const std::function<void(const nlmsghdr&)>& each) {
    message.data()->nlmsg_flags |= NLM_F_DUMP;
    message.data()->nlmsg_seq = ++sequence_;
    if (int err = sendAll(fd_.get(), message)) return err;
    int result = 0;
    while (receiveOne(fd_.get(), sequence_, result, each) > 0) {}
    return result;
}

std::vector<std::pair<uint16_t, std::string>> parseAttributes(const nlmsghdr& message, size_t fixed_size) {
    std::vector<std::pair<uint16_t, std::string>> out;
    const size_t header = NLMSG_LENGTH(fixed_size);
    if (message.nlmsg_len < header) return out;
    auto len = static_cast<unsigned>(message.nlmsg_len - NLMSG_ALIGN(header));
    const auto* base = reinterpret_cast<const unsigned char*>(&message) + NLMSG_ALIGN(header);
    for (auto* a = reinterpret_cast<const rtattr*>(base); RTA_OK(a, len); a = RTA_NEXT(a, len))
        out.emplace_back(a->rta_type, std::string(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
    return out;
}

}  // namespace vl::ct::net
