#include "residue.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "containers/cgroup.h"
#include "containers/container_state.h"
#include "containers/layer_mount_record.h"
#include "containers/net/bridge_network.h"

namespace vl::test {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> cgroupMountPoints() {
    std::vector<std::string> out;
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::vector<std::string> f;
        for (std::string w; words >> w;) f.push_back(w);
        for (size_t i = 0; i + 1 < f.size(); ++i)
            if (f[i] == "-" && (f[i + 1] == "cgroup" || f[i + 1] == "cgroup2") && f.size() > 4) out.push_back(f[4]);
    }
    return out;
}

void collect(const fs::path& dir, const std::string& needle, std::vector<std::string>& out) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (!it->is_directory(ec)) continue;
        if (it->path().filename().string().find(needle) != std::string::npos) out.push_back(it->path().string());
    }
}

}  // namespace

std::vector<std::string> cgroupsNamed(const std::string& needle) {
    std::vector<std::string> out;
    for (const auto& mount : cgroupMountPoints()) collect(mount, needle, out);
    return out;
}

std::vector<std::string> virtlabCgroupsBelowOwn() {
    const ct::CgroupLayout layout = ct::detectHostCgroupLayout();
    std::vector<std::string> out;
    auto below = [&](const ct::CgroupHierarchy& h) { collect(h.mount_point + (h.own_path == "/" ? "" : h.own_path), "virtlab", out); };
    for (const auto& [controller, hierarchy] : layout.v1) below(hierarchy);
    // v2 puts container cgroups beside or above our own (no internal processes rule), so
    // there the whole unified hierarchy is searched.
    if (layout.v2) below(ct::CgroupHierarchy{layout.v2->mount_point, "/"});
    return out;
}

std::vector<std::string> hostMountsMentioning(const std::string& needle) {
    std::vector<std::string> out;
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos) out.push_back(line);
    return out;
}

namespace {

// Containers whose owner is alive (another test's detached container, say) are not residue:
// someone still owns them and will remove them.
bool ownedByALiveProcess(const std::string& path, const std::string& wanted_id) {
    for (const auto& dir : ct::listStateDirs()) {
        const auto record = ct::readRecord(dir);
        if (!record || record->id == wanted_id || !record->ownerAlive()) continue;
        if (path.find("virtlab-" + record->id) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

std::vector<std::string> virtlabLinksWithoutALiveOwner() {
    bool bridge_in_use = false;
    std::vector<std::string> live_veths;
    for (const auto& dir : ct::listStateDirs()) {
        const auto record = ct::readRecord(dir);
        if (!record || !record->ownerAlive() || !record->network.attached()) continue;
        bridge_in_use = true;
        live_veths.push_back(record->network.host_veth);
    }
    std::vector<std::string> out;
    for (const auto& link : ct::net::virtlabHostLinks()) {
        if (link == ct::net::kBridgeName ? bridge_in_use
                                         : std::find(live_veths.begin(), live_veths.end(), link) != live_veths.end())
            continue;
        out.push_back(link);
    }
    return out;
}

std::vector<std::string> layerMountLeftovers() {
    std::vector<std::string> out, live_holders;
    std::error_code ec;
    std::string base;
    try {
        base = ct::stateBase();
    } catch (const std::exception&) {
        return out;  // no state base (not root, no XDG_RUNTIME_DIR): no layer mounts either
    }
    for (const auto& entry : fs::directory_iterator(base, ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with(ct::kLayerHolderPrefix) || !name.ends_with(ct::kLayerMountRecordSuffix)) continue;
        std::ifstream in(entry.path());
        std::string key, value, holder;
        pid_t owner = -1;
        uint64_t start = 0;
        while (in >> key >> value) {
            if (key == "holder") holder = value;
            else if (key == "owner_pid") owner = static_cast<pid_t>(std::stol(value));
            else if (key == "owner_start") start = std::stoull(value);
        }
        if (ct::sameProcessAlive(owner, start)) live_holders.push_back(holder);
        else out.push_back("layer mount record " + entry.path().string());
    }
    for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
        if (!entry.path().filename().string().starts_with(ct::kLayerHolderPrefix)) continue;
        if (std::find(live_holders.begin(), live_holders.end(), entry.path().string()) == live_holders.end())
            out.push_back("layer directory " + entry.path().string());
    }
    return out;
}

namespace {

std::vector<std::string> lookOnce(const std::string& id) {
    std::vector<std::string> out;
    if (!id.empty()) {
        for (const auto& dir : cgroupsNamed(id)) out.push_back("cgroup " + dir);
        if (fs::exists("/run/virtlab/" + id)) out.push_back("state dir /run/virtlab/" + id);
    }
    for (const auto& dir : virtlabCgroupsBelowOwn())
        if (!ownedByALiveProcess(dir, id)) out.push_back("cgroup " + dir);
    for (const auto& line : hostMountsMentioning("virtlab")) out.push_back("mount " + line);
    for (const auto& leftover : layerMountLeftovers()) out.push_back(leftover);
    for (const auto& link : virtlabLinksWithoutALiveOwner()) out.push_back("network interface " + link);
    // Every container binds the host's device nodes into its /dev; a run that ever removed or
    // replaced one on the host (it happened once during development) must fail here.
    for (const char* node : {"/dev/null", "/dev/zero", "/dev/urandom"}) {
        struct stat st {};
        if (::stat(node, &st) != 0 || !S_ISCHR(st.st_mode)) out.push_back(std::string("host ") + node + " is no longer a device");
    }
    return out;
}

}  // namespace

std::vector<std::string> residueOf(const std::string& id) {
    // Another test executable may be running a (short) container right now under the same
    // parent cgroup (ctest -j). Residue persists; someone else's live run goes away. So only
    // what is still there after a short settling time, and was there from the start, counts.
    std::vector<std::string> first = lookOnce(id), now = first;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
    while (!now.empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        now = lookOnce(id);
    }
    std::vector<std::string> persistent;
    for (const auto& item : now)
        if (std::find(first.begin(), first.end(), item) != first.end()) persistent.push_back(item);
    return persistent;
}

}  // namespace vl::test
