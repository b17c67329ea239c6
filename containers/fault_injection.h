// A test facility: kill VirtLab at a chosen boundary of container start-up, to prove that
// whatever a killed run leaves behind is found and removed by `virtlab container gc`.
//
//   VIRTLAB_FAULT=kill-after:<phase>  virtlab container run ...
//
// <phase> is any start-up phase name (containers/README.md's table): the parent's own
// (rootfs-check, state-dir, cgroup-create, plan, clone; uid-gid-maps, cgroup-attach and
// network when the child is forked) or the child's (cgroup-attach when it is spawned, mounts,
// cgroupns, proc, masks, dev, pivot_root|chroot, hostname, loopback, security). When that
// phase has ended, VirtLab SIGKILLs itself before the next one begins. (A spawned child's
// parent gets back from clone only once the command runs: after "clone", it is running.)
// For a child phase, the child stops at the boundary, asks the parent to die and waits for it
// to be gone: "VirtLab killed while its container is half set up", which must end the child
// too (PDEATHSIG), with the child's later phases never run.
//
// Only the real kernel mechanisms are used for the other faults the tests inject (a
// read-only cgroupfs, a seccomp filter refusing mount(2), the image store on a full tmpfs:
// tests/fault/), so the runtime is exercised by the same refusals a real machine gives.
//
// With VIRTLAB_FAULT unset, each hook is one load and branch (the variable is read once per
// process). An unrecognised value is refused (vl::Error Input, exit 2) rather than ignored:
// a typo must not turn a fault test into a test of nothing.
#pragma once

#include <string>
#include <vector>

namespace vl::ct::fault {

// The parent, after each start-up phase it runs itself (container_run.cpp's timed()).
void afterParentPhase(const char* phase);

// The container's first process, between its plan's steps (child_plan.cpp): `phases_done` of
// `phase_names` have ended. Async-signal-safe: no allocation, no locks (the child is a
// clone() of a possibly multi-threaded process); it reads only what the parent prepared.
void afterChildPhases(const std::vector<std::string>& phase_names, int phases_done) noexcept;

}  // namespace vl::ct::fault
