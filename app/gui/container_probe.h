// Live facts about a running container, read the way `virtlab container inspect` and a
// student with a shell would read them: its state record (container_state.h) says which host
// pid and cgroup directories are its, /proc/<pid>/ns/* and /proc/self/ns/* give the namespace
// inodes, and the cgroup's control files give the readings. No engine is touched (the pane's
// views never talk to an engine; the record is the runtime's public face).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "containers/cgroup.h"
#include "containers/net/network_info.h"

namespace vl::gui {

struct NamespaceRow {
    std::string name;              // "pid", "mnt", ...
    uint64_t host_inode = 0;       // VirtLab's own (the host's view)
    uint64_t container_inode = 0;  // the container's first process's
};

struct LiveContainer {
    std::string id;
    std::string status;             // the record's: "starting", "running", "exited"
    pid_t host_pid = -1;            // the container's pid 1 as the host sees it
    std::vector<NamespaceRow> namespaces;
    ct::CgroupReadings readings;
    ct::net::NetworkInfo network;
};

// The namespaces a container gets (ContainerEngine's list, in the order the table shows).
const std::vector<std::string>& containerNamespaceNames();

// The inode of /proc/<pid>/ns/<name> ("self" for this process); nullopt when unreadable.
std::optional<uint64_t> namespaceInode(const std::string& pid_or_self, const std::string& name);

// Reads what can be seen of container `id` right now; nullopt when it has no state record
// (not started yet, or already removed).
std::optional<LiveContainer> probeContainer(const std::string& id);

}  // namespace vl::gui
