// cgroup v1 backend: one directory per controller hierarchy.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "containers/cgroup_backends.h"
#include "containers/file_io.h"
#include "core/error.h"

namespace vl::ct {

namespace {

std::string joinCgroupPath(const std::string& mount_point, const std::string& own, const std::string& name) {
    std::string dir = mount_point;
    if (own != "/") dir += own;
    return dir + "/" + name;
}

}  // namespace

CgroupV1::CgroupV1(std::map<std::string, CgroupHierarchy> hierarchies, std::string name)
    : hierarchies_(std::move(hierarchies)), name_(std::move(name)) {}

void CgroupV1::create() {
    for (const auto& [controller, hierarchy] : hierarchies_) {
        const std::string dir = joinCgroupPath(hierarchy.mount_point, hierarchy.own_path, name_);
        bool shared = false;  // co-mounted controllers ("cpu,cpuacct") share one directory
        for (const auto& [other, made] : dirs_) shared = shared || made == dir;
        if (!shared && ::mkdir(dir.c_str(), 0755) != 0) throwErrno("cgroup v1: mkdir " + dir);
        dirs_[controller] = dir;
    }
}

std::vector<std::string> CgroupV1::directories() const {
    std::vector<std::string> out;
    for (const auto& [controller, dir] : dirs_)
        if (std::find(out.begin(), out.end(), dir) == out.end()) out.push_back(dir);
    return out;
}

void CgroupV1::applyLimits(const CgroupLimits& limits) {
    for (const auto& w : limitWrites(CgroupVersion::V1, limits)) {
        auto it = dirs_.find(w.controller);
        if (it == dirs_.end())
            throwSystem("cgroup v1: no " + w.controller + " hierarchy is mounted, cannot set " + w.file, ENOENT);
        writeControlFile(it->second + "/" + w.file, w.value);
    }
}

CgroupReadings CgroupV1::readings() const { return readCgroupReadings(CgroupVersion::V1, dirs_); }

std::string CgroupV1::remove() noexcept {
    std::string problems;
    for (const auto& dir : directories()) {
        std::string why = removeCgroupDirectory(dir);
        if (!why.empty()) problems += (problems.empty() ? "" : "; ") + why;
    }
    if (problems.empty()) dirs_.clear();
    return problems;
}

}  // namespace vl::ct
