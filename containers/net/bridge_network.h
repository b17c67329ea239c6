// `--net bridge`, as the CNI bridge plugin (what Podman and Kubernetes use) does it, from
// outside the container and with rtnetlink only:
//
//   host:       vlab0 (bridge, 10.88.0.1/16, up) <- vl<id> (veth, up, master vlab0)
//                                                       |  a veth pair is one cable
//   container:                                       eth0 (10.88.0.N/16, up), default via 10.88.0.1
//
// The bridge is made by the first container that needs it and removed with the last one.
// Who holds which address is in the containers' state records; one lock file
// (<stateBase()>/net.lock, flock) makes "lease an address, make the bridge, plug in" and
// "unplug, remove the bridge if unused" atomic against every other VirtLab process.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "containers/net/network_info.h"

namespace vl::ct::net {

class BridgeAttachment {
public:
    // Leases the lowest free address and hands it to `record` (which writes it into the
    // container's state record) before anything is created, so a concurrent run or `gc`
    // sees it; then makes sure vlab0 exists with 10.88.0.1/16 and is up, creates the veth
    // pair with its peer born as eth0 in the network namespace of `pid`, plugs the host end
    // into the bridge and configures eth0 and the default route inside. Throws
    // vl::Error(System) with what failed; whatever was made by then is removed again.
    BridgeAttachment(const std::string& id, pid_t pid, std::function<void(const NetworkInfo&)> record);
    // detach(), silently.
    ~BridgeAttachment();
    BridgeAttachment(const BridgeAttachment&) = delete;
    BridgeAttachment& operator=(const BridgeAttachment&) = delete;

    const NetworkInfo& info() const { return info_; }
    // Deletes the veth pair (when the container's namespace has not already taken it) and the
    // bridge when no other live container holds an address, and records the lease as given
    // back. Returns "" or what could not be removed. Once; later calls do nothing.
    std::string detach();

private:
    std::string detachLocked();  // with the network lock held
    std::string id_;
    NetworkInfo info_;
    std::function<void(const NetworkInfo&)> record_;
    bool attached_ = false;
};

struct NetworkGarbage {
    std::vector<std::string> removed, problems;
};
// For `container gc`: deletes host veths named vl<id> whose container has no live owner or
// process, and vlab0 when no live container holds an address.
NetworkGarbage collectNetworkGarbage();

// Names of the host's interfaces that are VirtLab's (vlab0 and vl<id> veths), for tests and gc.
std::vector<std::string> virtlabHostLinks();

}  // namespace vl::ct::net
