// cgroups for rootless runs: only where the caller's cgroups were delegated to it (runc's
// and Podman's rule). cgroup v1 is never delegated to an unprivileged user in a way a
// runtime can rely on, so a v1 host (like this lab machine) runs rootless containers
// without limits and says so; v2 with systemd delegation gets a real cgroup.
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "containers/cgroup_backends.h"
#include "containers/file_io.h"
#include "core/error.h"

namespace vl::ct {

namespace {

std::string parentOf(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string limitsOptions(const CgroupLimits& limits) {
    std::string out;
    if (limits.memory_bytes) out += "--memory ";
    if (limits.pids_max) out += "--pids ";
    if (limits.cpu_quota_us) out += "--cpus ";
    if (!out.empty()) out.pop_back();
    return out;
}

}  // namespace

std::optional<std::string> chooseDelegatedV2Parent(const std::string& own_path, const std::vector<std::string>& needed,
                                                   const std::function<bool(const std::string&)>& writable,
                                                   const std::function<std::string(const std::string&)>& read_subtree_control) {
    for (std::string path = own_path; path != "/";) {
        path = parentOf(path);
        if (path == "/" || !writable(path)) return std::nullopt;  // delegation ends at the first foreign ancestor
        std::set<std::string> enabled;
        std::istringstream words(read_subtree_control(path));
        for (std::string w; words >> w;) enabled.insert(w);
        if (std::all_of(needed.begin(), needed.end(), [&](const std::string& c) { return enabled.count(c) > 0; })) return path;
    }
    return std::nullopt;
}

std::vector<std::string> controllersFor(const CgroupLimits& limits) {
    std::vector<std::string> out;
    for (const auto& w : limitWrites(CgroupVersion::V2, limits))
        if (std::find(out.begin(), out.end(), w.controller) == out.end()) out.push_back(w.controller);
    return out;
}

RootlessCgroup createRootlessCgroup(const CgroupLayout& layout, const std::string& name, const CgroupLimits& limits) {
    const std::string asked = limitsOptions(limits);
    const auto refuse = [&](const std::string& why) -> RootlessCgroup {
        if (!asked.empty()) throwInput(asked + ": cannot be honoured in a rootless container: " + why);
        return RootlessCgroup{nullptr, why + "; running without cgroup limits"};
    };
    if (::geteuid() == 0) {
        // --rootless as root: root may use the whole hierarchy, delegated or not.
        auto cgroup = createCgroup(layout, name);
        cgroup->applyLimits(limits);
        return RootlessCgroup{std::move(cgroup), ""};
    }
    if (!layout.version) return refuse("no cgroup file system is mounted");
    if (*layout.version == CgroupVersion::V1)
        return refuse("this host uses cgroup v1, which is not delegated to unprivileged users (cgroup v2 with systemd "
                      "Delegate= is)");
    const std::string& root = layout.v2->mount_point;
    const auto at = [&](const std::string& path) { return root + path; };
    const auto parent = chooseDelegatedV2Parent(
        layout.v2->own_path, controllersFor(limits),
        [&](const std::string& path) {
            return ::access(at(path).c_str(), W_OK) == 0 && ::access((at(path) + "/cgroup.procs").c_str(), W_OK) == 0;
        },
        [&](const std::string& path) { return readTextFile(at(path) + "/cgroup.subtree_control").value_or(""); });
    if (!parent)
        return refuse("no cgroup v2 subtree above " + layout.v2->own_path + " is delegated to uid " +
                      std::to_string(::geteuid()) + " with the needed controllers");
    auto cgroup = std::make_unique<CgroupV2>(*layout.v2, name, *parent);
    cgroup->create();
    cgroup->applyLimits(limits);
    return RootlessCgroup{std::move(cgroup), ""};
}

}  // namespace vl::ct
