// The container's first process, owned through a pidfd (crun's "pid handle that kills and
// reaps"). The pidfd names exactly the process VirtLab cloned: signalling it after the
// process has been reaped fails with ESRCH instead of hitting a recycled pid.
#pragma once

#include <sys/types.h>

#include <optional>

#include "containers/child_plan.h"
#include "containers/unique_fd.h"

namespace vl::ct {

// One MAP_SHARED anonymous ChildReport, unmapped by the owner.
class SharedReport {
public:
    SharedReport();  // throws vl::Error(System)
    ~SharedReport();
    SharedReport(const SharedReport&) = delete;
    SharedReport& operator=(const SharedReport&) = delete;
    ChildReport* get() const { return report_; }

private:
    ChildReport* report_ = nullptr;
};

// How the first process comes to be.
enum class StartMode {
    // Its own copy of VirtLab's memory, as fork() makes it. The parent works on the child
    // (cgroup attach, uid/gid maps, a veth) before the plan's sync pipe releases it.
    Forked,
    // CLONE_VM | CLONE_VFORK, as posix_spawn() does it: the child runs in VirtLab's memory on
    // a stack of its own while the calling thread waits, until it execs or exits. No page
    // table is copied and no page copied on write afterwards (each first-touched page costs
    // 7 to 16 us on the lab machine). Only for a plan without sync that never returns to the
    // parent for help (no --init: its first process never execs), and with every signal
    // blocked until the plan resets the handlers: a handler of VirtLab's running in the child
    // would run on VirtLab's memory.
    Spawned,
};

class ContainerProcess {
public:
    // clone()s a child in the namespaces `clone_flags` asks for (CLONE_NEWPID ...), running
    // plan.execute(report). Spawned: returns once the child has exec'd or exited. Throws
    // vl::Error(System) when the kernel refuses.
    static ContainerProcess start(const ChildPlan& plan, ChildReport* report, int clone_flags, StartMode mode);

    ContainerProcess() = default;
    ContainerProcess(ContainerProcess&& other) noexcept;
    ContainerProcess& operator=(ContainerProcess&& other) noexcept;
    ContainerProcess(const ContainerProcess&) = delete;
    ContainerProcess& operator=(const ContainerProcess&) = delete;
    // Still running or unreaped: SIGKILL (only this process; the kernel then kills the rest
    // of its pid namespace) and reap, so no exit path leaves a container behind.
    ~ContainerProcess();

    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_.get(); }
    bool reaped() const { return reaped_; }

    // Reaps without blocking; the shell-style status (exit code, or 128+signal) once exited
    // (and on every later call).
    std::optional<int> tryWait();
    int wait();
    // Sends `signal` through the pidfd; false when the process is already gone.
    bool signal(int signal) noexcept;

private:
    std::optional<int> reap(int options);
    pid_t pid_ = -1;
    UniqueFd pidfd_;
    bool reaped_ = true;
    std::optional<int> status_;
};

}  // namespace vl::ct
