// The verbs that act on a container another process owns (`virtlab container stop|rm|gc|
// exec`), working from its state record (container_state.h). Every signal goes through a
// pidfd whose process was verified by pid and start time, never to a bare, maybe reused pid.
#pragma once

#include <string>
#include <vector>

#include "containers/container_state.h"

namespace vl::ct {

// SIGTERM to the container's first process, SIGKILL after `grace_seconds`, then waits (a few
// seconds at most) for its owner to record the exit or vanish. Returns how it ended:
// "terminated" (exited within the grace period), "killed", or "not running".
std::string stopContainer(const std::string& state_dir, double grace_seconds);

// Removes a container that is not running (its state directory). A running one: refused
// with vl::Error(System) unless `force`, which kills it first (stopContainer with no grace).
void removeContainer(const std::string& state_dir, bool force);

// What gc removed, one line per resource ("cgroup /sys/fs/...", "state /run/virtlab/..").
struct GcReport {
    std::vector<std::string> removed;
    std::vector<std::string> problems;
};
// For every state directory whose owner is gone (pid + start time): SIGKILL the container's
// first process if that very process still runs, remove its cgroups, remove the directory.
// Live containers and stopped-but-kept ones (status exited) are left alone.
GcReport collectGarbage(const std::string& base = stateBase());

// The containers started from image `image_name` that still hold it: running ones and kept
// ones (exited, not removed), as `image rm` must see them (Docker refuses to remove an image a
// container was created from). Each as "<id> (<status>)"; `running_only` for the ones no
// --force may override.
std::vector<std::string> containersUsingImage(const std::string& image_name, bool running_only = false,
                                              const std::string& base = stateBase());

// Runs argv inside the running container: joins its cgroup and namespaces (setns through a
// verified pidfd), forks so the command is a member of its pid namespace, applies the same
// hardening as the first process (capabilities, no_new_privs, seccomp) and execs. Inherits
// stdio; returns the command's shell-style exit status. Throws vl::Error(System) when the
// container is not running or the kernel refuses.
int execInContainer(const std::string& state_dir, const std::vector<std::string>& argv);

}  // namespace vl::ct
