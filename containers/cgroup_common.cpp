// What both backends share: the paths shown and written, attaching, removal with the EBUSY
// retry, and the factory that picks one.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "containers/cgroup_backends.h"
#include "containers/file_io.h"
#include "core/error.h"

namespace vl::ct {

std::string Cgroup::displayPath() const {
    const auto dirs = directories();
    return dirs.empty() ? std::string() : dirs.front();
}

std::vector<std::string> Cgroup::procsFiles() const {
    std::vector<std::string> files;
    for (const auto& dir : directories()) files.push_back(dir + "/cgroup.procs");
    return files;
}

void Cgroup::attach(pid_t pid) {
    for (const auto& procs : procsFiles()) writeControlFile(procs, std::to_string(pid));
}

std::string removeCgroupDirectory(const std::string& path) noexcept {
    // After the last task exits the kernel still holds the cgroup for a moment (v1 memory
    // charges being moved out, css offlining), and rmdir answers EBUSY meanwhile.
    constexpr auto kGiveUpAfter = std::chrono::seconds(2);
    const auto deadline = std::chrono::steady_clock::now() + kGiveUpAfter;
    for (auto pause = std::chrono::microseconds(200);; pause = std::min(pause * 2, std::chrono::microseconds(20000))) {
        if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return "";
        const int saved = errno;
        if (saved != EBUSY || std::chrono::steady_clock::now() > deadline)
            return "rmdir " + path + ": " + std::strerror(saved);
        std::this_thread::sleep_for(pause);
    }
}

std::unique_ptr<Cgroup> createCgroup(const CgroupLayout& layout, const std::string& name) {
    if (!layout.version)
        throwSystem("cgroups: no cgroup file system is mounted (looked in /proc/self/mountinfo)", ENOENT);
    if (*layout.version == CgroupVersion::V1) {
        auto cgroup = std::make_unique<CgroupV1>(layout.v1, name);
        cgroup->create();  // on a throw, the unique_ptr removes what was made so far
        return cgroup;
    }
    auto cgroup = std::make_unique<CgroupV2>(*layout.v2, name);
    cgroup->create();
    return cgroup;
}

}  // namespace vl::ct
