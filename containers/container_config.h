// What a user asks for when starting a container; checked before anything touches the kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "containers/net/network_info.h"

namespace vl::ct {

// A host file or directory made visible inside the container (e.g. the tour's x86-64 program).
struct BindMount {
    std::string source;     // host path; must exist
    std::string target;     // absolute path inside the container; created when missing
    bool read_only = true;
};

// How the container's root is switched. Pivot (the default, as every real runtime): the old
// root is detached and unreachable. Chroot: the teaching contrast, in which root inside can
// walk back out to the host's file system (the classic chroot escape).
enum class Isolation { Pivot, Chroot };
const char* toString(Isolation isolation);
Isolation parseIsolation(const std::string& text);  // "pivot" | "chroot"; throws vl::Error(Input)

// --user UID[:GID], numeric as the kernel knows them (no /etc/passwd lookup).
struct UserSpec {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::string text() const { return std::to_string(uid) + ":" + std::to_string(gid); }
};

struct ContainerConfig {
    std::vector<std::string> argv;          // the command; argv[0] searched in the container's PATH
    std::string name;                       // optional label ("" none); shown by `ps` later
    std::string hostname;                   // "" -> the container id
    std::optional<uint64_t> memory_bytes;   // --memory, already parsed (see limits.h)
    std::optional<uint64_t> pids_max;       // --pids
    std::optional<uint64_t> cpu_quota_us;   // --cpus, as us per kCpuPeriodUs (see limits.h)
    std::string rootfs;                     // "" -> the default busybox rootfs (built and cached)
    bool capture_output = true;             // false: the command inherits stdin/stdout/stderr
    std::vector<BindMount> binds;
    Isolation isolation = Isolation::Pivot;
    // Run by a detached monitor (`run -d`); with keep_after_exit the state directory stays,
    // status "exited", until `container rm` (no --rm given).
    bool detached = false;
    bool keep_after_exit = false;
    // With capture_output: the output goes to a bounded log file in the state directory
    // (container_log.h, for `container logs`) instead of the engine's buffers and events.
    bool log_to_state_dir = false;
    net::NetworkMode network = net::NetworkMode::None;
    std::vector<std::string> env;      // --env K=V, in order; later ones win, and win over the defaults
    std::string workdir;               // --workdir: absolute; created when missing (as docker does)
    std::optional<UserSpec> user;      // --user: the command's uid/gid (capabilities are then dropped)
    // --init: pid 1 is VirtLab's small init (forwards signals, reaps zombies) and the command
    // its child, like `docker run --init` (tini). Off by default, as in Docker: the lesson
    // that the command itself is pid 1, and what that costs, stays visible.
    bool init = false;
    // --rootless (and always when VirtLab is not root): the first process is cloned into a new
    // user namespace as well, the caller mapped to root inside (user_namespace.h); cgroups only
    // where delegated, no bridge network. State under $XDG_RUNTIME_DIR/virtlab.
    bool rootless = false;
    // --image NAME, recorded in the state so `image rm` can refuse while a container holds it
    // (the layers themselves arrive as `rootfs`, mounted by the caller).
    std::string image;
    // A directory inside the container that gets the container's own /proc, /sys and /dev
    // too (recursive binds, masks included), where it has those directories: `image build`'s
    // RUN chroots into the layer union bound there, and its commands need /proc and /dev.
    std::string nested_root;
};

// Whether a run with this config is rootless: asked for, or VirtLab is not root.
bool runsRootless(const ContainerConfig& config);

// "1000" or "1000:100"; throws vl::Error(Input) naming --user. A missing GID is 0 (root's
// group), exactly as `docker run --user 1000` does without a passwd entry.
UserSpec parseUser(const std::string& text);

// Throws vl::Error(Input) with a one-line reason for: no command, a bad name or hostname,
// a rootfs that is not a directory, out-of-range limits, a bind whose source is missing or
// whose target is not a clean absolute path.
void validateConfig(const ContainerConfig& config);

// 12 lowercase hex digits from the kernel's random source ("3f2a9c0d1b7e").
std::string newContainerId();

}  // namespace vl::ct
