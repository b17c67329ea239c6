#include "containers/net/bridge_network.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "containers/container_state.h"
#include "containers/net/address_pool.h"
#include "containers/net/links.h"
#include "containers/unique_fd.h"
#include "core/error.h"

namespace vl::ct::net {

namespace {

// Held while the set of leases and the bridge change (flock: released by the kernel even when
// the holder is SIGKILLed, so a killed VirtLab never wedges the next run).
class NetworkLock {
public:
    NetworkLock() {
        const std::string base = stateBase();
        if (::mkdir(base.c_str(), 0711) != 0 && errno != EEXIST) throwErrno("network lock: mkdir " + base);
        const std::string path = base + "/net.lock";
        fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd_) throwErrno("network lock: open " + path);
        while (::flock(fd_.get(), LOCK_EX) != 0)
            if (errno != EINTR) throwErrno("network lock: flock " + path);
    }

private:
    UniqueFd fd_;
};

// A record whose owner or first process still runs: its lease and its veth are in use.
bool liveRecord(const ContainerRecord& r) { return r.ownerAlive() || r.containerAlive(); }

// Addresses held by live containers other than `except_id`.
std::set<uint32_t> leasedAddresses(const std::string& except_id) {
    std::set<uint32_t> used;
    for (const auto& dir : listStateDirs()) {
        const auto r = readRecord(dir);
        if (!r || r->id == except_id || !r->network.attached() || !liveRecord(*r)) continue;
        if (auto a = parseIpv4(r->network.address)) used.insert(*a);
    }
    return used;
}

void check(int err, const std::string& what) {
    if (err != 0) throwSystem("--net bridge: " + what, err);
}

// vlab0 with the gateway address, up. Each step tolerates "already so": an earlier run may
// have made the bridge, or died half-way through making it.
int ensureBridge(NetlinkSocket& host) {
    const int made = createBridge(host, kBridgeName);
    if (made != 0 && made != EEXIST) check(made, std::string("ip link add ") + kBridgeName + " type bridge");
    const int bridge = linkIndex(host, kBridgeName);
    if (bridge == 0) check(ENODEV, std::string("find ") + kBridgeName);
    const int addr = addAddress(host, bridge, kBridgeGateway, kBridgePrefix);
    if (addr != 0 && addr != EEXIST) check(addr, "ip addr add " + formatIpv4(kBridgeGateway) + "/16 dev " + kBridgeName);
    check(setUp(host, bridge), std::string("ip link set ") + kBridgeName + " up");
    return bridge;
}

// Deletes vlab0 when no live container other than `except_id` holds an address. "" or a problem.
std::string removeBridgeIfUnused(NetlinkSocket& host, const std::string& except_id) {
    if (!leasedAddresses(except_id).empty()) return "";
    const int bridge = linkIndex(host, kBridgeName);
    if (bridge == 0) return "";
    const int err = deleteLink(host, bridge);
    if (err != 0 && err != ENODEV) return std::string("bridge ") + kBridgeName + ": " + std::strerror(err);
    return "";
}

}  // namespace

BridgeAttachment::BridgeAttachment(const std::string& id, pid_t pid, std::function<void(const NetworkInfo&)> record)
    : id_(id), record_(std::move(record)) {
    NetworkLock lock;
    const auto address = lowestFreeAddress(leasedAddresses(id));
    if (!address) throwSystem("--net bridge: every address of 10.88.0.0/16 is taken", EADDRNOTAVAIL);
    info_.mode = "bridge";
    info_.address = formatIpv4(*address);
    info_.prefix = kBridgePrefix;
    info_.gateway = formatIpv4(kBridgeGateway);
    info_.bridge = kBridgeName;
    info_.host_veth = hostVethName(id);
    info_.container_veth = kContainerInterface;
    record_(info_);  // leased: from here on detach() gives it back
    attached_ = true;
    try {
        NetlinkSocket host = NetlinkSocket::open();
        const int bridge = ensureBridge(host);
        UniqueFd netns(::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
        if (!netns) throwErrno("--net bridge: open the container's network namespace");
        check(createVethPair(host, info_.host_veth, kContainerInterface, netns.get()),
              "ip link add " + info_.host_veth + " type veth peer name eth0 netns <container>");
        const int veth = linkIndex(host, info_.host_veth);
        if (veth == 0) check(ENODEV, "find " + info_.host_veth);
        check(setMaster(host, veth, bridge), "ip link set " + info_.host_veth + " master " + kBridgeName);
        check(setUp(host, veth), "ip link set " + info_.host_veth + " up");

        // Inside: what `ip` run in the container's namespace would do (CNI does it by setns).
        NetlinkSocket inside = NetlinkSocket::openIn(netns.get());
        const int eth0 = linkIndex(inside, kContainerInterface);
        if (eth0 == 0) check(ENODEV, "find eth0 in the container");
        check(addAddress(inside, eth0, *address, kBridgePrefix), "ip addr add " + info_.address + "/16 dev eth0 (container)");
        check(setUp(inside, eth0), "ip link set eth0 up (container)");
        check(addDefaultRoute(inside, kBridgeGateway), "ip route add default via " + info_.gateway + " (container)");
    } catch (...) {
        detachLocked();
        throw;
    }
}

BridgeAttachment::~BridgeAttachment() { detach(); }

std::string BridgeAttachment::detach() {
    if (!attached_) return "";
    try {
        NetworkLock lock;
        return detachLocked();
    } catch (const Error& e) {
        attached_ = false;
        return e.what();
    }
}

std::string BridgeAttachment::detachLocked() {
    attached_ = false;
    std::string problem;
    try {
        NetlinkSocket host = NetlinkSocket::open();
        // Usually gone already: a network namespace dies with its last process and takes
        // its end of the pair, and the pair with it. The kernel frees namespaces in the
        // background, though, so it may still be there for a moment: delete it ourselves.
        if (const int veth = linkIndex(host, info_.host_veth); veth != 0) {
            const int err = deleteLink(host, veth);
            if (err != 0 && err != ENODEV) problem = "veth " + info_.host_veth + ": " + std::strerror(err);
        }
        const std::string bridge = removeBridgeIfUnused(host, id_);
        if (!bridge.empty()) problem += (problem.empty() ? "" : "; ") + bridge;
    } catch (const Error& e) {
        problem = e.what();
    }
    NetworkInfo given_back;
    given_back.mode = info_.mode;
    try {
        record_(given_back);
    } catch (const Error&) {
        // The record goes with the state directory anyway; a stale lease is ignored once its
        // owner is gone.
    }
    return problem;
}

NetworkGarbage collectNetworkGarbage() {
    NetworkGarbage out;
    NetworkLock lock;
    NetlinkSocket host = NetlinkSocket::open();
    std::set<std::string> live_ids;
    for (const auto& dir : listStateDirs())
        if (const auto r = readRecord(dir); r && liveRecord(*r)) live_ids.insert(r->id);
    for (const auto& name : linkNames(host)) {
        const std::string id = idOfHostVeth(name);
        if (id.empty() || live_ids.count(id)) continue;
        const int index = linkIndex(host, name);
        const int err = index == 0 ? ENODEV : deleteLink(host, index);
        if (err == 0) out.removed.push_back("veth " + name);
        else if (err != ENODEV) out.problems.push_back("veth " + name + ": " + std::strerror(err));
    }
    const bool had_bridge = linkIndex(host, kBridgeName) != 0;
    if (std::string problem = removeBridgeIfUnused(host, ""); !problem.empty()) out.problems.push_back(problem);
    else if (had_bridge && linkIndex(host, kBridgeName) == 0) out.removed.push_back(std::string("bridge ") + kBridgeName);
    return out;
}

std::vector<std::string> virtlabHostLinks() {
    NetlinkSocket host = NetlinkSocket::open();
    std::vector<std::string> out;
    for (const auto& name : linkNames(host))
        if (name == kBridgeName || !idOfHostVeth(name).empty()) out.push_back(name);
    return out;
}

}  // namespace vl::ct::net
