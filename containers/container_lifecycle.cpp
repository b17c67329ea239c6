#include "containers/container_lifecycle.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "containers/cgroup_backends.h"
#include "containers/container_plan.h"
#include "containers/file_io.h"
#include "containers/hardening.h"
#include "containers/layer_mount_record.h"
#include "containers/net/bridge_network.h"
#include "containers/unique_fd.h"
#include "core/error.h"
#include "core/remove_tree.h"

namespace vl::ct {

namespace {

bool waitForExit(int pidfd, double seconds) {
    pollfd p{pidfd, POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        const int rc = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
        if (rc > 0) return true;
        if (rc == 0) return false;
        if (errno != EINTR) return false;
    }
}

bool pidfdSignal(int pidfd, int sig) { return ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0; }

// The owner records the exit (or removes the directory) moments after the process is gone.
void waitForOwner(const std::string& state_dir, double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto r = readRecord(state_dir);
        if (!r || r->status == "exited" || !r->ownerAlive()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace

std::string stopContainer(const std::string& state_dir, double grace_seconds) {
    const auto record = readRecord(state_dir);
    if (!record) throwSystem("stop: no readable state in " + state_dir, ENOENT);
    UniqueFd pidfd(openVerifiedPidfd(record->pid, record->pid_start));
    if (!pidfd) return "not running";
    // A pid namespace's init ignores SIGTERM unless it installed a handler (busybox sh does
    // not): then only the SIGKILL after the grace period ends it, as with docker stop.
    std::string how = "terminated";
    if (grace_seconds > 0) pidfdSignal(pidfd.get(), SIGTERM);
    if (grace_seconds <= 0 || !waitForExit(pidfd.get(), grace_seconds)) {
        pidfdSignal(pidfd.get(), SIGKILL);
        waitForExit(pidfd.get(), 5);
        how = "killed";
    }
    waitForOwner(state_dir, 5);
    return how;
}

void removeContainer(const std::string& state_dir, bool force) {
    auto record = readRecord(state_dir);
    if (record && record->liveStatus() != "exited" && record->liveStatus() != "dead") {
        if (!force)
            throw Error(Error::Kind::System, "rm: container " + record->id + " is " + record->liveStatus() +
                                                 " (stop it first, or rm --force)");
        stopContainer(state_dir, 0);
    }
    // A dead owner's leftovers go the way gc removes them; then the directory.
    record = readRecord(state_dir);
    if (record && record->ownerAlive() && record->status != "exited")
        throw Error(Error::Kind::System, "rm: container " + record->id + " is still being stopped by its owner");
    if (record) {
        for (std::set<std::string> dirs = [&] {
                 std::set<std::string> s;
                 for (const auto& [c, d] : record->cgroup_dirs) s.insert(d);
                 return s;
             }();
             const auto& dir : dirs)
            if (std::string why = removeCgroupDirectory(dir); !why.empty()) throw Error(Error::Kind::System, "rm: " + why);
    }
    if (const std::string why = removeTreeOnOneFileSystem(state_dir); !why.empty())
        throw Error(Error::Kind::System, "rm: " + why);
}

GcReport collectGarbage(const std::string& base) {
    GcReport report;
    for (const auto& dir : listStateDirs(base)) {
        const auto record = readRecord(dir);
        if (record && (record->ownerAlive() || record->status == "exited")) continue;
        if (!record) {
            // No record: a run killed between mkdir and its first write, or a record this
            // version cannot read. Only take it when it is old enough not to be a run just
            // starting (it writes the record right after the mkdir).
            std::error_code ec;
            const auto age = std::filesystem::file_time_type::clock::now() - std::filesystem::last_write_time(dir, ec);
            if (ec || age < std::chrono::seconds(10)) continue;
        }
        if (record) {
            // The container's first process outlives a SIGKILLed owner only when PDEATHSIG
            // could not fire (it is set in the child); check anyway, by pid and start time.
            if (UniqueFd pidfd(openVerifiedPidfd(record->pid, record->pid_start)); pidfd) {
                pidfdSignal(pidfd.get(), SIGKILL);
                waitForExit(pidfd.get(), 5);
                report.removed.push_back("process " + std::to_string(record->pid));
            }
            std::set<std::string> dirs;
            for (const auto& [controller, d] : record->cgroup_dirs) dirs.insert(d);
            for (const auto& d : dirs) {
                if (::access(d.c_str(), F_OK) != 0) continue;
                if (std::string why = removeCgroupDirectory(d); why.empty()) report.removed.push_back("cgroup " + d);
                else report.problems.push_back(why);
            }
        }
        if (const std::string why = removeTreeOnOneFileSystem(dir); !why.empty()) report.problems.push_back(why);
        else report.removed.push_back("state " + dir);
    }
    // Image overlays a killed GUI or lesson run left mounted in the host's table.
    LayerMountGarbage layers = collectLayerMountGarbage(base);
    report.removed.insert(report.removed.end(), layers.removed.begin(), layers.removed.end());
    report.problems.insert(report.problems.end(), layers.problems.begin(), layers.problems.end());
    // After the records: a veth or a bridge is only garbage once no live record claims it.
    try {
        net::NetworkGarbage network = net::collectNetworkGarbage();
        report.removed.insert(report.removed.end(), network.removed.begin(), network.removed.end());
        report.problems.insert(report.problems.end(), network.problems.begin(), network.problems.end());
    } catch (const Error& e) {
        report.problems.push_back(e.what());
    }
    return report;
}

std::vector<std::string> containersUsingImage(const std::string& image_name, bool running_only, const std::string& base) {
    std::vector<std::string> out;
    for (const auto& dir : listStateDirs(base)) {
        const auto record = readRecord(dir);
        if (!record || record->image != image_name) continue;
        const std::string status = record->liveStatus();
        if (status == "dead") continue;  // gc's to remove; it holds no mount of the layers
        if (running_only && status == "exited") continue;
        out.push_back(record->id + " (" + status + ")");
    }
    return out;
}

int execInContainer(const std::string& state_dir, const std::vector<std::string>& argv) {
    if (argv.empty()) throwInput("exec: missing command");
    const auto record = readRecord(state_dir);
    if (!record || record->liveStatus() != "running") throw Error(Error::Kind::System, "exec: the container is not running");
    UniqueFd pidfd(openVerifiedPidfd(record->pid, record->pid_start));
    if (!pidfd) throw Error(Error::Kind::System, "exec: the container is not running");
    // Its root as a directory fd: after setns the mount namespace's root is right for
    // pivot_root containers, but a chroot one has its root below it.
    UniqueFd root(::open(("/proc/" + std::to_string(record->pid) + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) throwErrno("exec: open the container's root");

    // Everything the child needs, prepared while allocating is still fine.
    const std::vector<sock_filter>& filter = defaultSeccompFilter();
    // The same user, environment and directory as the container's command (docker exec too).
    std::optional<UserSpec> user;
    if (!record->user.empty()) user = parseUser(record->user);
    const char* term = std::getenv("TERM");
    std::vector<std::string> env = containerEnvironment(record->hostname, term ? term : "", user, record->env);
    std::vector<char*> argv_ptrs, env_ptrs;
    std::vector<std::string> args = argv;
    for (auto& a : args) argv_ptrs.push_back(a.data());
    argv_ptrs.push_back(nullptr);
    for (auto& e : env) env_ptrs.push_back(e.data());
    env_ptrs.push_back(nullptr);
    const std::vector<std::string> candidates = execCandidates(argv.front(), environmentValue(env, "PATH"));
    const std::string workdir = record->workdir.empty() ? "/" : record->workdir;
    std::set<std::string> cgroup_dirs;
    for (const auto& [c, d] : record->cgroup_dirs) cgroup_dirs.insert(d + "/cgroup.procs");

    const pid_t joiner = ::fork();
    if (joiner < 0) throwErrno("exec: fork");
    if (joiner == 0) {
        // Into the cgroup first (through the host's cgroupfs, still visible here), so the
        // command counts against the container's limits from its first instruction.
        const std::string self = std::to_string(::getpid());
        for (const auto& procs : cgroup_dirs) {
            const int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd < 0 || ::write(fd, self.data(), self.size()) < 0) _exit(126);
            ::close(fd);
        }
        // A rootless container's user namespace too: setns() with a pidfd joins it first, so
        // the rest are joined with the capabilities it gives (and only those).
        const int all = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP |
                        (record->rootless ? CLONE_NEWUSER : 0);
        if (::setns(pidfd.get(), all) != 0) {
            std::fprintf(stderr, "virtlab: exec: setns: %s\n", std::strerror(errno));
            _exit(126);
        }
        if (::fchdir(root.get()) != 0 || ::chroot(".") != 0 || ::chdir(workdir.c_str()) != 0) _exit(126);
        // setns(CLONE_NEWPID) only places our children in the namespace.
        const pid_t child = ::fork();
        if (child < 0) _exit(126);
        if (child == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);
            int err = dropCapabilities(defaultCapabilityMask());
            // With a single mapping setgroups is denied and --user can only be 0:0, which we are.
            if (!err && user && !(record->rootless && record->id_map_method == "single")) err = setUserIds(user->uid, user->gid);
            if (!err) err = setNoNewPrivs();
            if (!err) err = installSeccomp(filter);
            if (err) _exit(126);
            for (const auto& c : candidates) ::execve(c.c_str(), argv_ptrs.data(), env_ptrs.data());
            std::fprintf(stderr, "virtlab: exec: %s: %s\n", argv.front().c_str(), std::strerror(errno));
            _exit(127);
        }
        int status = 0;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    int status = 0;
    while (::waitpid(joiner, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace vl::ct
