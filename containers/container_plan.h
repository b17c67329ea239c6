// The container's start-up plan: which mounts, in which order, into which phase. Pure (it
// only builds a ChildPlan), so the order that security depends on is unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "containers/child_plan.h"
#include "containers/container_config.h"

namespace vl::ct {

struct PlanInputs {
    std::string rootfs;    // the lower layer, never written
    std::string scratch;   // an empty host directory; a private tmpfs goes on it (in the child's namespace)
    std::string hostname;
    std::vector<std::string> argv;
    std::vector<BindMount> binds;  // targets already checked against the rootfs (checkBindTargets)
    std::string term;      // the host's $TERM ("" none), so interactive tools behave
    Isolation isolation = Isolation::Pivot;
    std::vector<std::string> env;          // KEY=VALUE from --env; override the defaults
    std::string workdir;                   // "" stays in /
    std::optional<UserSpec> user;
    bool init = false;
    // A rootless run whose gid_map was written with setgroups "deny" (user_namespace.h):
    // setgroups() fails there, so --user (validated to be 0:0, the only mapped ids) is skipped.
    bool setgroups_denied = false;
    std::string nested_root;  // ContainerConfig::nested_root ("" none)
    std::vector<sock_filter> seccomp;  // defaultSeccompFilter()
    int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;  // -1: inherit
    int sync_read_fd = -1, sync_parent_write_fd = -1;
    // A spawned start (container_process.h): nobody releases the child, which first joins
    // its cgroup itself by writing into these cgroup.procs files (phase cgroup-attach).
    bool spawned = false;
    std::vector<std::string> join_cgroup_files;
};

// The child-side phases, in order ("chroot" in place of "pivot_root" for Isolation::Chroot);
// a spawned child runs "cgroup-attach" before them.
const std::vector<std::string>& childPhaseNames(Isolation isolation = Isolation::Pivot);

// The device nodes a container gets, bind-mounted from the host's /dev (works for rootless
// later too, where mknod is not allowed).
inline const std::vector<std::string>& containerDevices() {
    static const std::vector<std::string> devices{"null", "zero", "full", "random", "urandom", "tty"};
    return devices;
}

inline constexpr const char* kContainerPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

ChildPlan planContainerStart(const PlanInputs& in);

// A bind target is created and mounted on before pivot_root, through the host's view of the
// new root; a symlink planted in a rootfs on the way to it ("/tour" -> "/etc") would send the
// host file system's mount there. Refuses (vl::Error(Input)) any target whose path inside
// `rootfs` crosses a symlink. Sound here because the rootfs is only the overlay's lower layer:
// the container, not yet started, cannot change it.
void checkBindTargets(const std::string& rootfs, const std::vector<BindMount>& binds);

// Where execve() looks for argv0: itself when it has a '/', else each directory of `path`.
std::vector<std::string> execCandidates(const std::string& argv0, const std::string& path = kContainerPath);

// The command's environment: PATH, HOME (/root for uid 0, else /), HOSTNAME, container=virtlab,
// TERM when the host has one, then `given` (KEY=VALUE) replacing any of them by key.
std::vector<std::string> containerEnvironment(const std::string& hostname, const std::string& term,
                                              const std::optional<UserSpec>& user, const std::vector<std::string>& given);
// The value of KEY in an environment list ("" when absent).
std::string environmentValue(const std::vector<std::string>& env, const std::string& key);

}  // namespace vl::ct
