// The cgroup interface of the container runtime (crun's "backends chosen at run time"):
// one abstract Cgroup, a cgroup v1 implementation (a directory per controller hierarchy,
// as on this machine) and a v2 one (one directory in the unified hierarchy, as on most
// users' machines). detectCgroupLayout() decides which from /proc/self/mountinfo and
// /proc/self/cgroup; createCgroup() builds the matching backend.
//
// What each backend writes and reads is data (limitWrites(), readingSpecs()), so the rules
// are unit-tested without a kernel and issue 5's CPU quota is one more table row.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vl::ct {

enum class CgroupVersion { V1, V2 };
const char* toString(CgroupVersion version);

// One mounted hierarchy: where it is mounted and where the calling process sits inside it.
struct CgroupHierarchy {
    std::string mount_point;  // "/sys/fs/cgroup/memory"
    std::string own_path;     // "/user.slice/..." from /proc/self/cgroup ("/" at the root)
};

struct CgroupLayout {
    std::optional<CgroupVersion> version;            // nullopt: no usable cgroup file system
    std::map<std::string, CgroupHierarchy> v1;       // controller ("memory", "pids") -> hierarchy
    std::optional<CgroupHierarchy> v2;               // the unified hierarchy, when mounted
};

// The controllers VirtLab puts each container under (memory and pids now; cpu with issue 5).
const std::vector<std::string>& containerControllers();

// Pure: v1 when any container controller is mounted as a v1 hierarchy (hybrid systems such
// as this one mount an empty cgroup2 at /sys/fs/cgroup/unified beside them), else v2 when a
// cgroup2 file system is mounted.
CgroupLayout detectCgroupLayout(std::string_view mountinfo, std::string_view proc_self_cgroup);
// The same from this process's /proc files.
CgroupLayout detectHostCgroupLayout();

struct CgroupLimits {
    std::optional<uint64_t> memory_bytes;
    std::optional<uint64_t> pids_max;
    std::optional<uint64_t> cpu_quota_us;  // CPU time allowed per kCpuPeriodUs (--cpus 0.5 -> 50000)
};

// The CFS period VirtLab writes with a quota (the kernel's default, as Docker uses it).
inline constexpr uint64_t kCpuPeriodUs = 100000;

// One control-file write: "memory" controller, file "memory.max", value "67108864".
struct CgroupWrite {
    std::string controller, file, value;
};
std::vector<CgroupWrite> limitWrites(CgroupVersion version, const CgroupLimits& limits);

// One reading taken after the container ran: the whole file is a number (key empty), or the
// number after `key` in a "key value" per line file such as memory.events.
struct CgroupReadingSpec {
    std::string name, controller, file, key;
    uint64_t divisor = 1;  // v1 cpuacct.usage is in ns, reported in us as v2's cpu.stat
};
const std::vector<CgroupReadingSpec>& readingSpecs(CgroupVersion version);
// Parses one reading from a control file's text; nullopt for "max" or a missing key.
std::optional<uint64_t> parseReading(std::string_view file_text, const std::string& key);

using CgroupReadings = std::map<std::string, uint64_t>;  // "memory_peak_bytes" -> 1236992

// The readings of a cgroup given its directory per controller ("memory" -> "/sys/fs/cgroup/
// memory/.../virtlab-1a2b"): what a Cgroup reports, and what `inspect` reads live for a
// container another process owns.
CgroupReadings readCgroupReadings(CgroupVersion version, const std::map<std::string, std::string>& controller_dirs);

// Pure: where a v2 container cgroup goes. A non-root cgroup that holds processes (ours does)
// may not enable controllers for children (the "no internal processes" rule), so the parent is
// the nearest ancestor of own_path whose cgroup.subtree_control already lists every needed
// controller, else the root. read_subtree_control(path) returns that file's text ("" if none).
std::string chooseV2Parent(const std::string& own_path, const std::vector<std::string>& needed,
                           const std::function<std::string(const std::string&)>& read_subtree_control);

class Cgroup {
public:
    // Removes every directory the cgroup created (after its processes are gone; see remove()).
    virtual ~Cgroup() = default;
    Cgroup() = default;
    Cgroup(const Cgroup&) = delete;
    Cgroup& operator=(const Cgroup&) = delete;

    virtual CgroupVersion version() const = 0;
    // Directories created, one per v1 hierarchy or the one v2 directory.
    virtual std::vector<std::string> directories() const = 0;
    // Controller -> directory (v2: every enabled controller -> the one directory).
    virtual std::map<std::string, std::string> controllerDirectories() const = 0;
    // The path a user recognises: "/sys/fs/cgroup/memory/.../virtlab-1a2b" style (first directory).
    std::string displayPath() const;

    // The cgroup.procs file of every directory: a pid written into each (or "0" by the
    // process itself) moves that process into the cgroup.
    std::vector<std::string> procsFiles() const;

    virtual void applyLimits(const CgroupLimits& limits) = 0;  // throws vl::Error(System)
    void attach(pid_t pid);                                    // throws vl::Error(System)
    virtual CgroupReadings readings() const = 0;
    // rmdir every directory, retrying briefly on EBUSY (the kernel frees a cgroup a moment
    // after its last task exits). Returns "" or a description of what is left. Idempotent.
    virtual std::string remove() noexcept = 0;
};

// Pure: where an unprivileged user may make a v2 cgroup (rootless runs): the nearest proper
// ancestor of own_path, never the root, that is writable by the caller (a subtree systemd
// delegated to it, `Delegate=` in user@.service) and whose cgroup.subtree_control lists every
// `needed` controller. A proper ancestor, because moving the child out of our cgroup needs
// write access to the common ancestor's cgroup.procs. nullopt when there is none.
std::optional<std::string> chooseDelegatedV2Parent(const std::string& own_path, const std::vector<std::string>& needed,
                                                   const std::function<bool(const std::string&)>& writable,
                                                   const std::function<std::string(const std::string&)>& read_subtree_control);

// The controllers a set of limits writes to (v2 names): what a delegated subtree must offer.
std::vector<std::string> controllersFor(const CgroupLimits& limits);

// A rootless run's cgroup: made where the caller's cgroups were delegated to it, else none
// (cgroup == nullptr) with `note` saying why the container runs without limits. Throws
// vl::Error(Input) when limits were asked for that nothing delegated can honour.
struct RootlessCgroup {
    std::unique_ptr<Cgroup> cgroup;
    std::string note;
};
RootlessCgroup createRootlessCgroup(const CgroupLayout& layout, const std::string& name, const CgroupLimits& limits);

// Creates the container cgroup "name" (e.g. "virtlab-3f2a9c") under the layout's hierarchies.
// Throws vl::Error(System) when no cgroup file system is usable or the kernel refuses.
std::unique_ptr<Cgroup> createCgroup(const CgroupLayout& layout, const std::string& name);

}  // namespace vl::ct
