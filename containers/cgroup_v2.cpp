// cgroup v2 backend: one directory in the unified hierarchy.
#include <sys/stat.h>

#include <cerrno>
#include <sstream>

#include "containers/cgroup_backends.h"
#include "containers/file_io.h"
#include "core/error.h"

namespace vl::ct {

namespace {

std::set<std::string> words(const std::optional<std::string>& text) {
    std::set<std::string> out;
    std::istringstream in(text.value_or(""));
    for (std::string w; in >> w;) out.insert(w);
    return out;
}

}  // namespace

CgroupV2::CgroupV2(CgroupHierarchy unified, std::string name, std::optional<std::string> parent)
    : unified_(std::move(unified)), name_(std::move(name)), parent_(std::move(parent)) {}

void CgroupV2::create() {
    const std::string& root = unified_.mount_point;
    const auto at = [&](const std::string& path) { return path == "/" ? root : root + path; };

    // Only controllers the kernel offers at the root can ever be enabled below it.
    const std::set<std::string> offered = words(readTextFile(root + "/cgroup.controllers"));
    std::vector<std::string> needed;
    for (const auto& c : containerControllers())
        if (offered.count(c)) needed.push_back(c);

    const std::string parent = parent_ ? *parent_ : chooseV2Parent(unified_.own_path, needed, [&](const std::string& path) {
        return readTextFile(at(path) + "/cgroup.subtree_control").value_or("");
    });
    if (parent == "/") {
        // The root is exempt from the no-internal-processes rule; enable what is missing there,
        // one controller per write so a refusal names the controller.
        const std::set<std::string> enabled = words(readTextFile(root + "/cgroup.subtree_control"));
        for (const auto& c : needed)
            if (!enabled.count(c)) writeControlFile(root + "/cgroup.subtree_control", "+" + c);
    }
    const std::string dir = at(parent) + "/" + name_;
    if (::mkdir(dir.c_str(), 0755) != 0) throwErrno("cgroup v2: mkdir " + dir);
    dir_ = dir;
    controllers_ = words(readTextFile(dir_ + "/cgroup.controllers"));
}

std::vector<std::string> CgroupV2::directories() const {
    if (dir_.empty()) return {};
    return {dir_};
}

void CgroupV2::applyLimits(const CgroupLimits& limits) {
    for (const auto& w : limitWrites(CgroupVersion::V2, limits)) {
        if (!controllers_.count(w.controller))
            throwSystem("cgroup v2: the " + w.controller + " controller is not enabled for " + dir_ +
                            " (cannot set " + w.file + ")",
                        ENOENT);
        writeControlFile(dir_ + "/" + w.file, w.value);
    }
}

std::map<std::string, std::string> CgroupV2::controllerDirectories() const {
    std::map<std::string, std::string> out;
    if (dir_.empty()) return out;
    for (const auto& c : controllers_) out[c] = dir_;
    out.emplace("cpu", dir_);  // cpu.stat's usage is there even without the cpu controller
    return out;
}

CgroupReadings CgroupV2::readings() const { return readCgroupReadings(CgroupVersion::V2, controllerDirectories()); }

std::string CgroupV2::remove() noexcept {
    if (dir_.empty()) return "";
    std::string why = removeCgroupDirectory(dir_);
    if (why.empty()) dir_.clear();
    return why;
}

}  // namespace vl::ct
