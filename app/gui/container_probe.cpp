#include "app/gui/container_probe.h"

#include <sys/stat.h>

#include "containers/container_state.h"
#include "core/error.h"

namespace vl::gui {

const std::vector<std::string>& containerNamespaceNames() {
    static const std::vector<std::string> names{"pid", "mnt", "uts", "ipc", "net", "cgroup"};
    return names;
}

std::optional<uint64_t> namespaceInode(const std::string& pid_or_self, const std::string& name) {
    // stat() follows the magic link to the nsfs inode: its number is the namespace's identity
    // (what `readlink /proc/PID/ns/NAME` prints as "NAME:[INODE]").
    struct stat st {};
    const std::string path = "/proc/" + pid_or_self + "/ns/" + name;
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return static_cast<uint64_t>(st.st_ino);
}

std::optional<LiveContainer> probeContainer(const std::string& id) {
    std::string base;
    try {
        base = ct::stateBase();
    } catch (const Error&) {
        return std::nullopt;  // no state directory for this user (the run itself reports why)
    }
    const auto record = ct::readRecord(base + "/" + id);
    if (!record) return std::nullopt;
    LiveContainer live;
    live.id = id;
    live.status = record->status;
    live.network = record->network;
    // Only the very process the record names: a pid alone may have been reused already.
    if (record->containerAlive()) {
        live.host_pid = record->pid;
        for (const auto& name : containerNamespaceNames()) {
            const auto host = namespaceInode("self", name);
            const auto inside = namespaceInode(std::to_string(record->pid), name);
            if (host && inside) live.namespaces.push_back({name, *host, *inside});
        }
    }
    if (!record->cgroup_dirs.empty()) {
        const auto version = record->cgroup_version == "v2" ? ct::CgroupVersion::V2 : ct::CgroupVersion::V1;
        live.readings = ct::readCgroupReadings(version, record->cgroup_dirs);
    }
    return live;
}

}  // namespace vl::gui
