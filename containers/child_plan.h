// What the container's first process does between clone() and execve(), as bubblewrap does
// it: the parent plans (a list of steps, each belonging to a named phase, every string built
// in advance) and the child only executes. The split is not style: a forked child of a
// multi-threaded program (the GUI runs engines on worker threads) may find the malloc lock
// held by a thread that no longer exists, and a spawned child (container_process.h) runs in
// VirtLab's own memory, so the child must not allocate. It runs plain system calls over the
// plan's prepared strings and reports into shared memory.
#pragma once

#include <sys/types.h>

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vl::ct {

// Filled by the child, read by the parent: a MAP_SHARED page, so it survives the child's
// execve() and exit. Times are CLOCK_MONOTONIC nanoseconds (one clock for both processes).
struct ChildReport {
    static constexpr int kMaxPhases = 16;
    static constexpr int kNamespaces = 6;
    int64_t released_ns = 0;                // the parent let the child go
    int64_t phase_end_ns[kMaxPhases] = {};  // end of each of the plan's phases
    int phases_done = 0;
    int failed_step = -1;                   // index into the plan's steps; == steps().size(): exec
    int failed_errno = 0;
    int rootfs_fallback = 0;                // 1: read-only bind + tmpfs /tmp instead of overlay
    uint64_t ns_inode[kNamespaces] = {};    // the child's namespaces, kNamespaceNames order
    uint64_t user_ns_inode = 0;             // its user namespace (a rootless run's own)
    int64_t exec_start_ns = 0;
};

// The namespaces a container gets, as named under /proc/PID/ns/.
inline constexpr const char* kNamespaceNames[ChildReport::kNamespaces] = {"pid", "mnt", "uts", "ipc", "net", "cgroup"};

class ChildPlan {
public:
    enum class Op {
        MountPrivate,      // make every mount private, so nothing propagates back to the host
        Mount,             // mount(a, b, fstype, flags, data)
        MakeDir,           // mkdir(a, mode)
        MakeFile,          // an empty file as a bind-mount target
        Symlink,           // symlink(a -> b)
        RootfsOverlay,     // overlay (options in data) at c; else a read-only bind of a at c, tmpfs at b
        UnshareCgroupNs,   // after the parent attached us, so the namespace is rooted at our cgroup
        PivotRoot,         // into a, the old root detached
        SetHostname,       // a
        LoopbackUp,        // bring "lo" up in the new network namespace
        MaskPath,          // /dev/null over file a, an empty read-only tmpfs over directory a (missing: skipped)
        ReadOnlyPath,      // a bind-mounted read-only on itself (missing: skipped)
        ChrootInto,        // chroot(a) without pivot_root: the teaching contrast (--isolation chroot)
        PrepareExec,       // default signals, stdio onto 0-2, every other descriptor CLOEXEC
        DropCapabilities,  // bounding/effective/permitted to the mask in flags, inheritable/ambient empty
        NoNewPrivs,        // PR_SET_NO_NEW_PRIVS
        InstallSeccomp,    // the plan's seccomp program; the last step before execve()
        ChangeDir,         // mkdir -p a (inside the new root), then chdir(a): --workdir
        SetUser,           // setgroups({}), setresgid(mode), setresuid(flags): --user
        BindIfDirectory,   // recursive bind of a onto b when b is a directory (missing: skipped, nothing created)
        JoinCgroup,        // write "0" (this process) into the cgroup.procs file a: a spawned child attaches itself
    };
    struct Step {
        int phase;
        Op op;
        std::string a, b, c, fstype, data;
        unsigned long flags = 0;
        unsigned mode = 0;
        std::string description;  // "mount proc on /run/virtlab/x/root/proc", for error messages
    };

    ChildPlan() = default;
    // Moving keeps every string in place (a vector's buffer moves whole), so the argv/env
    // pointer arrays stay valid; a copy would leave them pointing into the original.
    ChildPlan(ChildPlan&&) = default;
    ChildPlan& operator=(ChildPlan&&) = default;
    ChildPlan(const ChildPlan&) = delete;
    ChildPlan& operator=(const ChildPlan&) = delete;

    // Starts a new phase; later steps belong to it. Phases must be at most kMaxPhases.
    void beginPhase(const std::string& name);
    void add(Op op, std::string description, std::string a = "", std::string b = "", std::string c = "",
             std::string fstype = "", unsigned long flags = 0, std::string data = "", unsigned mode = 0);

    // The command: argv, environment, and the absolute paths to try in order (a PATH search).
    void setCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const std::vector<std::string>& candidates);
    // --init: after the steps, this process stays as the namespace's pid 1 (an init that
    // forwards signals to the command and reaps every zombie) and a child execs the command.
    void setInit(bool init) { init_ = init; }
    bool init() const { return init_; }
    // The BPF program Op::InstallSeccomp loads (compiled by the parent with libseccomp).
    void setSeccompProgram(std::vector<sock_filter> program) { seccomp_ = std::move(program); }
    // Descriptors the child makes its 0, 1, 2 (-1: keep what it inherited).
    void setStdio(int in, int out, int err);
    // The pipe the parent writes one byte to when the child may go, and the parent's end
    // that the child must close (else a dead parent would never give EOF). Without
    // `wait_for_release` (a spawned child) the child does not wait: it only checks that the
    // parent still holds its end, i.e. did not die before PR_SET_PDEATHSIG took effect.
    void setSync(int read_fd, int parent_write_fd, bool wait_for_release = true);

    const std::vector<std::string>& phaseNames() const { return phases_; }
    const std::vector<Step>& steps() const { return steps_; }
    const std::vector<std::string>& argv() const { return argv_; }

    // The child's entry point for clone(): executes the plan, then execve()s. Returns (as the
    // child's exit status) only on failure: 125 parent gone, 126 a step failed, 127 exec failed.
    // Async-signal-safe: no allocation, no locks, no stdio.
    int execute(ChildReport* report) const;

private:
    int prepareExec(ChildReport* report) const;
    // execve() over the candidates; returns (127) only when every one failed, reported.
    int execCommand(ChildReport* report) const;
    [[noreturn]] void runInit(pid_t command) const;
    bool init_ = false;
    std::vector<sock_filter> seccomp_;
    std::vector<std::string> phases_;
    std::vector<Step> steps_;
    std::vector<std::string> argv_, env_, candidates_;
    std::vector<char*> argv_ptrs_, env_ptrs_;
    int stdio_[3] = {-1, -1, -1};
    int sync_read_ = -1, sync_parent_write_ = -1;
    bool wait_for_release_ = true;
};

}  // namespace vl::ct
