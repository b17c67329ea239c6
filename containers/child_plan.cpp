#include "containers/child_plan.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "containers/fault_injection.h"
#include "containers/hardening.h"
#include "core/error.h"

namespace vl::ct {

namespace {

int64_t monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Each returns 0 or an errno value; the child never throws.
int mountOrErrno(const char* source, const char* target, const char* fstype, unsigned long flags, const char* data) {
    return ::mount(source, target, fstype, flags, data) == 0 ? 0 : errno;
}

int bringLoopbackUp() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    ifreq request{};
    std::memcpy(request.ifr_name, "lo", 3);
    int err = 0;
    if (::ioctl(fd, SIOCGIFFLAGS, &request) != 0) {
        err = errno;
    } else {
        request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
        if (::ioctl(fd, SIOCSIFFLAGS, &request) != 0) err = errno;
    }
    ::close(fd);
    return err;
}

int pivotInto(const char* new_root) {
    // pivot_root(".", "."): the old root ends up stacked on the new one, and the detach below
    // removes it, so no put_old directory is ever created inside the container's tree (runc
    // does the same). Detaching matters: with the old root still reachable a process could
    // walk back to the host's file system, which is exactly the chroot escape.
    if (::chdir(new_root) != 0) return errno;
    if (::syscall(SYS_pivot_root, ".", ".") != 0) return errno;
    if (::umount2(".", MNT_DETACH) != 0) return errno;
    if (::chdir("/") != 0) return errno;
    return 0;
}

// The mask a runtime puts over a kernel interface the container must not read: a file gets
// /dev/null bound over it (reads return nothing), a directory an empty read-only tmpfs.
// A path this kernel does not have (no /proc/acpi in a VM) needs no mask.
int maskPath(const char* path) {
    struct stat st {};
    if (::lstat(path, &st) != 0) return errno == ENOENT ? 0 : errno;
    if (S_ISDIR(st.st_mode)) return mountOrErrno("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0");
    return mountOrErrno("/dev/null", path, nullptr, MS_BIND, nullptr);
}

int makeReadOnly(const char* path) {
    struct stat st {};
    if (::lstat(path, &st) != 0) return errno == ENOENT ? 0 : errno;
    if (int err = mountOrErrno(path, path, nullptr, MS_BIND | MS_REC, nullptr)) return err;
    return mountOrErrno(nullptr, path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
}

// mkdir -p, then chdir: docker creates a missing --workdir too. Runs inside the new root,
// where a symlink in the path can only lead to somewhere else in the container.
int changeDir(const char* dir) {
    char path[4096];
    const size_t length = std::strlen(dir);
    if (length == 0 || length >= sizeof path) return ENAMETOOLONG;
    std::memcpy(path, dir, length + 1);
    for (size_t i = 1; i <= length; ++i) {
        if (path[i] != '/' && path[i] != '\0') continue;
        const char saved = path[i];
        path[i] = '\0';
        if (::mkdir(path, 0755) != 0 && errno != EEXIST) return errno;
        path[i] = saved;
    }
    return ::chdir(dir) == 0 ? 0 : errno;
}

// "0" is the writer itself: the same move as the parent writing our pid, made before any
// other step so nothing runs outside the limits.
int joinCgroup(const char* procs_file) {
    const int fd = ::open(procs_file, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    const int err = ::write(fd, "0", 1) == 1 ? 0 : errno;
    ::close(fd);
    return err;
}

int chrootInto(const char* new_root) {
    // chroot(2) only changes where "/" resolves for this process; the host's mounts stay in
    // the namespace and a process with CAP_SYS_CHROOT can walk out (chroot into a
    // subdirectory, then ".." past the old root: tests/containers/chroot_escape.cpp).
    // Deliberately weak: this is the mode that shows why pivot_root exists.
    if (::chdir(new_root) != 0) return errno;
    if (::chroot(".") != 0) return errno;
    if (::chdir("/") != 0) return errno;
    return 0;
}

}  // namespace

void ChildPlan::beginPhase(const std::string& name) {
    if (phases_.size() >= static_cast<size_t>(ChildReport::kMaxPhases))
        throwSystem("child plan: more than " + std::to_string(ChildReport::kMaxPhases) + " phases", E2BIG);
    phases_.push_back(name);
}

void ChildPlan::add(Op op, std::string description, std::string a, std::string b, std::string c, std::string fstype,
                    unsigned long flags, std::string data, unsigned mode) {
    if (phases_.empty()) beginPhase("setup");
    steps_.push_back(Step{static_cast<int>(phases_.size()) - 1, op, std::move(a), std::move(b), std::move(c),
                          std::move(fstype), std::move(data), flags, mode, std::move(description)});
}

void ChildPlan::setCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                           const std::vector<std::string>& candidates) {
    argv_ = argv;
    env_ = env;
    candidates_ = candidates;
    argv_ptrs_.clear();
    env_ptrs_.clear();
    for (auto& a : argv_) argv_ptrs_.push_back(a.data());
    argv_ptrs_.push_back(nullptr);
    for (auto& e : env_) env_ptrs_.push_back(e.data());
    env_ptrs_.push_back(nullptr);
}

void ChildPlan::setStdio(int in, int out, int err) {
    stdio_[0] = in;
    stdio_[1] = out;
    stdio_[2] = err;
}

void ChildPlan::setSync(int read_fd, int parent_write_fd, bool wait_for_release) {
    sync_read_ = read_fd;
    sync_parent_write_ = parent_write_fd;
    wait_for_release_ = wait_for_release;
}

int ChildPlan::execute(ChildReport* report) const {
    // Should VirtLab die, the container dies with it instead of running on unsupervised.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (sync_parent_write_ >= 0) ::close(sync_parent_write_);
    if (wait_for_release_) {
        // Wait until the parent has done its part (the cgroup first: nothing may run outside
        // the limits). EOF: the parent died, perhaps before the prctl above took effect.
        char go = 0;
        ssize_t got;
        do {
            got = ::read(sync_read_, &go, 1);
        } while (got < 0 && errno == EINTR);
        if (got != 1) return 125;
    } else {
        // Nothing to wait for, but the same question: is the parent still there?
        pollfd parent{sync_read_, POLLIN, 0};
        if (::poll(&parent, 1, 0) != 0) return 125;  // POLLHUP: its end closed with it
    }
    ::close(sync_read_);
    report->released_ns = monotonicNs();

    for (size_t i = 0; i < steps_.size(); ++i) {
        const Step& s = steps_[i];
        while (report->phases_done < s.phase) report->phase_end_ns[report->phases_done++] = monotonicNs();
        fault::afterChildPhases(phases_, report->phases_done);  // VIRTLAB_FAULT (tests only; fault_injection.h)
        int err = 0;
        switch (s.op) {
        case Op::MountPrivate:
            err = mountOrErrno(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
            break;
        case Op::Mount:
            err = mountOrErrno(s.a.empty() ? nullptr : s.a.c_str(), s.b.c_str(), s.fstype.empty() ? nullptr : s.fstype.c_str(),
                               s.flags, s.data.empty() ? nullptr : s.data.c_str());
            break;
        case Op::MakeDir:
            err = ::mkdir(s.a.c_str(), s.mode) == 0 || errno == EEXIST ? 0 : errno;
            break;
        case Op::MakeFile: {
            const int fd = ::open(s.a.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            err = fd < 0 ? errno : 0;
            if (fd >= 0) ::close(fd);
            break;
        }
        case Op::Symlink:
            err = ::symlink(s.a.c_str(), s.b.c_str()) == 0 ? 0 : errno;
            break;
        case Op::RootfsOverlay:
            // Overlay: the container writes into a per-run tmpfs upper layer and the cached
            // rootfs (the lower layer) is never modified. Where the file system under the
            // rootfs cannot be an overlay lower layer, a read-only bind with a writable /tmp
            // keeps the same promise.
            err = mountOrErrno("overlay", s.c.c_str(), "overlay", 0, s.data.c_str());
            if (err != 0) {
                report->rootfs_fallback = 1;
                err = mountOrErrno(s.a.c_str(), s.c.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
                if (err == 0) err = mountOrErrno(nullptr, s.c.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr);
                if (err == 0) err = mountOrErrno("tmpfs", s.b.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
            }
            break;
        case Op::UnshareCgroupNs:
            // EINVAL: a kernel without cgroup namespaces (before 4.6); the container then
            // sees its cgroup path in /proc/self/cgroup, which is a leak of names, not power.
            err = ::unshare(CLONE_NEWCGROUP) == 0 || errno == EINVAL ? 0 : errno;
            break;
        case Op::PivotRoot:
            err = pivotInto(s.a.c_str());
            break;
        case Op::SetHostname:
            err = ::sethostname(s.a.c_str(), s.a.size()) == 0 ? 0 : errno;
            break;
        case Op::LoopbackUp:
            err = bringLoopbackUp();
            break;
        case Op::MaskPath:
            err = maskPath(s.a.c_str());
            break;
        case Op::ReadOnlyPath:
            err = makeReadOnly(s.a.c_str());
            break;
        case Op::ChrootInto:
            err = chrootInto(s.a.c_str());
            break;
        case Op::PrepareExec:
            err = prepareExec(report);
            break;
        case Op::DropCapabilities:
            err = dropCapabilities(s.flags);
            break;
        case Op::NoNewPrivs:
            err = setNoNewPrivs();
            break;
        case Op::InstallSeccomp:
            err = seccomp_.empty() ? EINVAL : installSeccomp(seccomp_);
            break;
        case Op::ChangeDir:
            err = changeDir(s.a.c_str());
            break;
        case Op::SetUser:
            err = setUserIds(static_cast<uint32_t>(s.flags), s.mode);
            break;
        case Op::JoinCgroup:
            err = joinCgroup(s.a.c_str());
            break;
        case Op::BindIfDirectory: {
            // Nothing is created: the target may be a layer being built, whose diff must stay
            // exactly what the command wrote.
            struct stat st {};
            if (::lstat(s.b.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
                err = mountOrErrno(s.a.c_str(), s.b.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
            break;
        }
        }
        if (err != 0) {
            report->failed_step = static_cast<int>(i);
            report->failed_errno = err;
            return 126;
        }
    }
    while (report->phases_done < static_cast<int>(phases_.size()))
        report->phase_end_ns[report->phases_done++] = monotonicNs();
    fault::afterChildPhases(phases_, report->phases_done);  // VIRTLAB_FAULT (tests only; fault_injection.h)

    report->exec_start_ns = monotonicNs();
    if (init_) {
        // Every signal blocked before the fork, so none sent meanwhile is lost: the init takes
        // them with sigwaitinfo(), the command unblocks them. A raw clone, not fork(): glibc's
        // fork() takes malloc's locks, which a thread of the parent may have held at clone time.
        sigset_t all, none;
        sigfillset(&all);
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &all, nullptr);
        const long command = ::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
        if (command < 0) {
            report->failed_step = static_cast<int>(steps_.size());
            report->failed_errno = errno;
            return 127;
        }
        if (command > 0) runInit(static_cast<pid_t>(command));
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
    }
    return execCommand(report);
}

int ChildPlan::execCommand(ChildReport* report) const {
    int exec_errno = ENOENT;
    for (const auto& candidate : candidates_) {
        ::execve(candidate.c_str(), argv_ptrs_.data(), env_ptrs_.data());
        // Keep the most telling error: EACCES from one PATH entry beats ENOENT from the next.
        if (errno != ENOENT || exec_errno == ENOENT) exec_errno = errno;
    }
    report->failed_step = static_cast<int>(steps_.size());
    report->failed_errno = exec_errno;
    return 127;
}

void ChildPlan::runInit(pid_t command) const {
    // What tini does for `docker run --init`, in the process that built the container. It
    // holds no host descriptor (the exec pipe included: the parent must see it close when the
    // command execs), and is not dumpable: its memory is a copy of VirtLab's, and /proc/1/exe
    // points at the host's virtlab binary (runc's CVE-2019-5736 went through /proc/PID/exe).
    ::syscall(SYS_close_range, 3u, ~0u, 0u);
    ::prctl(PR_SET_DUMPABLE, 0);
    ::prctl(PR_SET_NAME, "vlab-init");
    sigset_t all;
    sigfillset(&all);
    for (;;) {
        siginfo_t info{};
        const int sig = ::sigwaitinfo(&all, &info);
        if (sig < 0) continue;
        if (sig != SIGCHLD) {
            // SIGTERM from `container stop`, SIGINT, SIGHUP...: to the command, which (unlike
            // pid 1) gets the default action for signals it does not handle.
            ::kill(command, sig);
            continue;
        }
        // Orphans are re-parented to pid 1: reap them all, not only the command.
        for (;;) {
            int status = 0;
            const pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid <= 0) break;
            if (pid == command) {
                // Leaving ends the namespace: the kernel kills whatever the command left.
                ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            }
        }
    }
}

int ChildPlan::prepareExec(ChildReport* report) const {
    for (int n = 0; n < ChildReport::kNamespaces; ++n) {
        char path[64] = "/proc/self/ns/";
        std::strncat(path, kNamespaceNames[n], sizeof path - std::strlen(path) - 1);
        struct stat st {};
        if (::stat(path, &st) == 0) report->ns_inode[n] = st.st_ino;
    }
    struct stat user_ns {};
    if (::stat("/proc/self/ns/user", &user_ns) == 0) report->user_ns_inode = user_ns.st_ino;
    // The command starts with default signal handling whatever VirtLab's thread had: a GUI
    // worker or the CLI (which blocks SIGINT/SIGTERM to forward them) would otherwise pass on
    // a blocked mask, and ignored signals stay ignored across execve().
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &default_action, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    for (int fd = 0; fd < 3; ++fd)
        if (stdio_[fd] >= 0 && ::dup2(stdio_[fd], fd) < 0) return errno;
    // No host descriptor may survive into the container: a leaked directory fd is a way out
    // of the new root (runc CVE-2024-21626 was exactly that, via /sys/fs/cgroup).
    ::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);
    return 0;
}

}  // namespace vl::ct
