#include "containers/container_run.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include "containers/container_log.h"
#include "containers/container_plan.h"
#include "containers/container_state.h"
#include "containers/fault_injection.h"
#include "containers/hardening.h"
#include "containers/net/bridge_network.h"
#include "containers/rootfs.h"
#include "containers/state_dir.h"
#include "containers/user_namespace.h"
#include "core/error.h"

namespace vl::ct {

namespace {

// CLONE_NEWCGROUP is not here: the child unshares it after the parent attached it to the
// container's cgroup, so the namespace is rooted there and not in VirtLab's own cgroup.
constexpr int kNamespaceFlags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;

// Once the first process is reaped, the kernel has killed the rest of its pid namespace;
// their pipe ends close within moments. This bounds the wait for that.
constexpr int kDrainAfterExitMs = 2000;

int64_t monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

uint64_t namespaceInode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::string limitsText(const ContainerConfig& c) {
    std::string out;
    if (c.memory_bytes) out += "memory=" + std::to_string(*c.memory_bytes) + " ";
    if (c.pids_max) out += "pids=" + std::to_string(*c.pids_max) + " ";
    if (c.cpu_quota_us) out += "cpu_quota_us=" + std::to_string(*c.cpu_quota_us) + " ";
    if (!out.empty()) out.pop_back();
    return out;
}

// What the run owns, declared so that destruction runs in the safe order: the process is
// killed and reaped first, then the (now empty) cgroup goes, and the state directory last:
// it is the record `gc` finds everything else by, so it must outlive what it lists.
struct Owned {
    ContainerRecord record;  // first, so it outlives everything that writes into it
    std::optional<StateDir> state;
    std::optional<ContainerLogWriter> log;  // run -d: the output, in the state directory
    // Unplugged after the process is gone (its namespace takes eth0 along) and before the
    // state directory goes: the record holds the lease other runs allocate around.
    std::optional<net::BridgeAttachment> network;
    std::unique_ptr<Cgroup> cgroup;
    ContainerProcess process;
    void save() { if (state) state->write("state", record.serialize()); }
};

class Run {
public:
    Run(const ContainerConfig& config, const std::string& id, RunObserver& observer, RunResult& result, Owned& owned)
        : config_(config), id_(id), observer_(observer), result_(result), owned_(owned) {}

    void startAndWait();

private:
    template <typename Step>
    void timed(const char* name, Step&& step) {
        const auto t0 = std::chrono::steady_clock::now();
        step();
        parentPhaseEnded(name, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    void parentPhaseEnded(const char* name, double ms) {
        addPhase({name, ms});
        fault::afterParentPhase(name);  // VIRTLAB_FAULT=kill-after:<phase> (tests only; fault_injection.h)
        if (observer_.stopRequested() && owned_.process.reaped()) throwGuest("stopped before the container started");
    }
    void addPhase(PhaseTiming timing) {
        result_.phases.push_back(std::move(timing));
        observer_.phase(result_.phases.back());
    }
    int pump(UniqueFd& exec_status, std::optional<Pipe>& out, std::optional<Pipe>& err, int64_t& exec_seen_ns);
    void publishChildPhases(int64_t exec_seen_ns);
    void collectChildReport(const ChildPlan& plan, const ChildReport& report);

    const ContainerConfig& config_;
    const std::string& id_;
    RunObserver& observer_;
    RunResult& result_;
    Owned& owned_;
    const ChildReport* report_ = nullptr;
    const ChildPlan* plan_ = nullptr;
    bool child_phases_published_ = false;
    const bool rootless_ = runsRootless(config_);
    // Spawned unless the parent has work to do on the child before it may go on (a rootless
    // run's uid/gid maps, --net bridge's veth) or the child never execs (--init's pid 1).
    const bool spawned_ = !rootless_ && config_.network != net::NetworkMode::Bridge && !config_.init;
    UserNamespaceMaps maps_;
};

// A rootless run's ids: which maps, and whether --user fits in them. Input errors: the
// command line asked for what this user cannot have.
UserNamespaceMaps rootlessMaps(const ContainerConfig& config) {
    if (::geteuid() != 0) {
        if (const std::string refusal = unprivilegedUserNamespacesRefusal(); !refusal.empty())
            throwSystem("rootless container: " + refusal, EPERM);
    }
    UserNamespaceMaps maps = userNamespaceMapsForCaller();
    if (config.user && (config.user->uid > maps.highestUid() || config.user->gid > maps.highestGid()))
        throwInput("--user " + config.user->text() + ": not mapped in this rootless container (" + maps.method +
                   " mapping: uids 0.." + std::to_string(maps.highestUid()) + ", gids 0.." + std::to_string(maps.highestGid()) +
                   "; more need the caller's ranges in /etc/subuid and /etc/subgid and newuidmap from uidmap)");
    return maps;
}

void Run::startAndWait() {
    result_.id = id_;
    result_.hostname = config_.hostname.empty() ? id_ : config_.hostname;

    timed("rootfs-check", [&] {
        if (config_.rootfs.empty()) {
            BusyboxRootfs rootfs;
            rootfs.ensure();
            result_.rootfs = rootfs.path();
        } else {
            std::error_code ec;
            result_.rootfs = std::filesystem::canonical(config_.rootfs, ec).string();
            if (ec) throwInputAt(config_.rootfs, 0, "--rootfs: " + ec.message());
        }
        checkBindTargets(result_.rootfs, config_.binds);
    });
    if (rootless_) {
        maps_ = rootlessMaps(config_);
        result_.rootless = true;
        result_.id_map_method = maps_.method;
    }
    timed("state-dir", [&] {
        owned_.state.emplace(id_);
        ContainerRecord& r = owned_.record;
        r.id = id_;
        r.name = config_.name;
        r.hostname = result_.hostname;
        r.status = "starting";
        r.argv = config_.argv;
        r.rootfs = result_.rootfs;
        r.isolation = toString(config_.isolation);
        r.rootless = rootless_;
        r.image = config_.image;
        r.id_map_method = maps_.method;
        r.owner_pid = ::getpid();
        r.owner_start = processStartTime(::getpid()).value_or(0);
        r.created_unix = static_cast<int64_t>(::time(nullptr));
        r.detached = config_.detached;
        r.limits = limitsText(config_);
        r.network.mode = net::toString(config_.network);
        r.env = config_.env;
        r.workdir = config_.workdir;
        r.user = config_.user ? config_.user->text() : "";
        r.init = config_.init;
        owned_.save();
    });
    // The record exists before the cgroup does and names it in the same phase, so a VirtLab
    // killed at any phase boundary leaves nothing that gc cannot find through a record.
    timed("cgroup-create", [&] {
        const CgroupLimits limits{config_.memory_bytes, config_.pids_max, config_.cpu_quota_us};
        if (rootless_) {
            RootlessCgroup made = createRootlessCgroup(detectHostCgroupLayout(), "virtlab-" + id_, limits);
            owned_.cgroup = std::move(made.cgroup);
            result_.cgroup_note = made.note;
        } else {
            owned_.cgroup = createCgroup(detectHostCgroupLayout(), "virtlab-" + id_);
            owned_.cgroup->applyLimits(limits);
        }
        result_.cgroup_path = owned_.cgroup ? owned_.cgroup->displayPath() : "";
        result_.cgroup_version = owned_.cgroup ? toString(owned_.cgroup->version()) : "none";
        ContainerRecord& r = owned_.record;
        r.cgroup_version = result_.cgroup_version;
        if (owned_.cgroup) r.cgroup_dirs = owned_.cgroup->controllerDirectories();
        r.cgroup_note = result_.cgroup_note;
        owned_.save();
    });

    Pipe sync = makePipe();
    Pipe exec_status = makePipe();  // CLOEXEC: reads EOF the moment execve() succeeds
    std::optional<Pipe> out, err;
    UniqueFd devnull;
    ChildPlan plan;
    timed("plan", [&] {
        PlanInputs in;
        in.rootfs = result_.rootfs;
        in.scratch = owned_.state->path();
        in.hostname = result_.hostname;
        in.argv = config_.argv;
        in.binds = config_.binds;
        in.isolation = config_.isolation;
        in.env = config_.env;
        in.workdir = config_.workdir;
        in.user = config_.user;
        in.init = config_.init;
        in.setgroups_denied = rootless_ && maps_.method == "single";
        in.nested_root = config_.nested_root;
        in.seccomp = defaultSeccompFilter();
        if (const char* term = std::getenv("TERM")) in.term = term;
        if (config_.capture_output) {
            out = makePipe();
            err = makePipe();
            devnull.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
            if (!devnull) throwErrno("open /dev/null");
            in.stdin_fd = devnull.get();
            in.stdout_fd = out->write_end.get();
            in.stderr_fd = err->write_end.get();
            if (config_.log_to_state_dir) owned_.log.emplace(owned_.state->path());
        }
        in.sync_read_fd = sync.read_end.get();
        in.sync_parent_write_fd = sync.write_end.get();
        in.spawned = spawned_;
        if (spawned_ && owned_.cgroup) in.join_cgroup_files = owned_.cgroup->procsFiles();
        plan = planContainerStart(in);
    });

    SharedReport report;
    // In text mode the container writes to our stdout descriptor directly: whatever VirtLab
    // still holds in its stdio buffers must get there first.
    std::fflush(nullptr);
    // CLONE_NEWUSER with the others: the kernel creates the user namespace first and makes it
    // the owner of the rest, so root inside holds its capabilities over those only.
    const int clone_flags = kNamespaceFlags | (rootless_ ? CLONE_NEWUSER : 0);
    if (spawned_) {
        // This thread waits in clone() until the child has exec'd or failed, its phases
        // (cgroup-attach first) done meanwhile: clone is the time until the child began.
        const int64_t t0 = monotonicNs();
        owned_.process = ContainerProcess::start(plan, report.get(), clone_flags, StartMode::Spawned);
        const int64_t began = report.get()->released_ns > 0 ? report.get()->released_ns : monotonicNs();
        parentPhaseEnded("clone", static_cast<double>(began - t0) / 1e6);
    } else {
        timed("clone", [&] { owned_.process = ContainerProcess::start(plan, report.get(), clone_flags, StartMode::Forked); });
    }
    sync.read_end.reset();  // the child's ends, closed here so EOF means what it should
    exec_status.write_end.reset();
    if (out) out->write_end.reset();
    if (err) err->write_end.reset();
    devnull.reset();
    result_.host_pid = owned_.process.pid();
    observer_.started(owned_.process.pid(), owned_.process.pidfd());
    owned_.record.pid = owned_.process.pid();
    owned_.record.pid_start = processStartTime(owned_.process.pid()).value_or(0);

    if (rootless_) {
        // Before the release: the child's first step already needs to be root inside.
        timed("uid-gid-maps", [&] {
            writeUserNamespaceMaps(owned_.process.pid(), maps_);
            result_.uid_map = mapText(maps_.uids);
            result_.gid_map = mapText(maps_.gids);
            owned_.record.uid_map = result_.uid_map;
            owned_.record.gid_map = result_.gid_map;
        });
    }
    if (!spawned_) {
        timed("cgroup-attach", [&] {
            if (owned_.cgroup) owned_.cgroup->attach(owned_.process.pid());
            owned_.save();
        });
    }
    // Spawned, the pid reaches the record with status "running" below, a moment later; a
    // VirtLab killed in between takes the container along (PR_SET_PDEATHSIG).

    if (config_.network == net::NetworkMode::Bridge) {
        // Before the release: the command must find eth0 configured when it starts.
        timed("network", [&] {
            owned_.network.emplace(id_, owned_.process.pid(), [&owned = owned_](const net::NetworkInfo& info) {
                owned.record.network = info;
                owned.save();
            });
        });
        result_.network = owned_.network->info();
    }

    if (!spawned_ && ::write(sync.write_end.get(), "g", 1) != 1) throwErrno("release the container's first process");
    sync.write_end.reset();

    int64_t exec_seen_ns = 0;
    report_ = report.get();
    plan_ = &plan;
    const int status = pump(exec_status.read_end, out, err, exec_seen_ns);
    publishChildPhases(exec_seen_ns);  // when the exec pipe never closed (no-op otherwise)
    collectChildReport(plan, *report.get());
    if (result_.start_failure.empty()) result_.exit_code = status;
    if (owned_.cgroup) result_.cgroup = owned_.cgroup->readings();
}

// Forwards captured output while the container runs; returns its exit status once reaped.
int Run::pump(UniqueFd& exec_status, std::optional<Pipe>& out, std::optional<Pipe>& err, int64_t& exec_seen_ns) {
    enum { kExec, kOut, kErr, kProcess, kStop, kCount };
    pollfd fds[kCount] = {{exec_status.get(), POLLIN, 0},
                          {out ? out->read_end.get() : -1, POLLIN, 0},
                          {err ? err->read_end.get() : -1, POLLIN, 0},
                          {owned_.process.pidfd(), POLLIN, 0},
                          {observer_.stopFd(), POLLIN, 0}};
    std::optional<int> status;
    int64_t reaped_ns = 0;
    for (;;) {
        const bool pipes_open = fds[kExec].fd >= 0 || fds[kOut].fd >= 0 || fds[kErr].fd >= 0;
        if (status && !pipes_open) break;
        int timeout = -1;
        if (status) {
            timeout = static_cast<int>(kDrainAfterExitMs - (monotonicNs() - reaped_ns) / 1000000);
            if (timeout <= 0) break;
        }
        if (::poll(fds, kCount, timeout) < 0) {
            if (errno == EINTR) continue;
            throwErrno("poll container output");
        }
        for (int i : {kExec, kOut, kErr}) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[16384];
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n > 0 && i != kExec) {
                const std::string_view bytes(buf, static_cast<size_t>(n));
                if (owned_.log) owned_.log->append(bytes);
                else observer_.output(i == kOut ? 1 : 2, bytes);
            } else if (n <= 0) {
                if (i == kExec) {
                    exec_seen_ns = monotonicNs();
                    // The child's phases are over (exec'd or failed): shown now, while the
                    // command runs, not when it has exited.
                    publishChildPhases(exec_seen_ns);
                    if (report_->failed_step < 0) {
                        owned_.record.status = "running";
                        owned_.save();
                        observer_.running();
                    }
                }
                fds[i].fd = -1;
            }
        }
        if (fds[kStop].fd >= 0 && fds[kStop].revents) {
            owned_.process.signal(SIGKILL);  // as ContainerEngine::pause(); the pidfd then reports the exit
            fds[kStop].fd = -1;
        }
        if (fds[kProcess].fd >= 0 && (fds[kProcess].revents & (POLLIN | POLLHUP))) {
            status = owned_.process.tryWait();
            if (status) {
                reaped_ns = monotonicNs();
                fds[kProcess].fd = -1;
            }
        }
    }
    if (exec_seen_ns > 0) result_.run_ms = static_cast<double>(reaped_ns - exec_seen_ns) / 1e6;
    return *status;
}

// The child wrote its timings into the shared page before it exec'd (or failed and exited),
// and the exec pipe closed after that: they are complete once the pipe reads EOF.
void Run::publishChildPhases(int64_t exec_seen_ns) {
    if (child_phases_published_) return;
    child_phases_published_ = true;
    const ChildReport& report = *report_;
    const auto& names = plan_->phaseNames();
    for (int i = 0; i < report.phases_done && i < static_cast<int>(names.size()); ++i) {
        const int64_t start = i == 0 ? report.released_ns : report.phase_end_ns[i - 1];
        addPhase({names[static_cast<size_t>(i)], static_cast<double>(report.phase_end_ns[i] - start) / 1e6, true});
    }
    if (report.failed_step < 0 && report.exec_start_ns > 0 && exec_seen_ns > 0)
        addPhase({"exec", static_cast<double>(exec_seen_ns - report.exec_start_ns) / 1e6, true});
}

void Run::collectChildReport(const ChildPlan& plan, const ChildReport& report) {
    const auto& names = plan.phaseNames();
    result_.rootfs_mode = report.rootfs_fallback ? "read-only bind" : "overlay";
    for (int n = 0; n < ChildReport::kNamespaces; ++n)
        result_.namespaces.push_back({kNamespaceNames[n], namespaceInode(std::string("/proc/self/ns/") + kNamespaceNames[n]),
                                      report.ns_inode[n]});
    if (rootless_) result_.namespaces.push_back({"user", namespaceInode("/proc/self/ns/user"), report.user_ns_inode});

    const auto& steps = plan.steps();
    if (report.failed_step >= 0) {
        const std::string reason = std::strerror(report.failed_errno);
        if (report.failed_step < static_cast<int>(steps.size())) {
            const auto& step = steps[static_cast<size_t>(report.failed_step)];
            result_.start_failure = "container start-up failed in phase " + names[static_cast<size_t>(step.phase)] + ": " +
                                    step.description + ": " + reason;
        } else {
            result_.start_failure = "exec " + plan.argv().front() + " in the container: " + reason;
        }
        return;
    }
}

}  // namespace

RunResult runContainer(const ContainerConfig& config, const std::string& id, RunObserver& observer) {
    RunResult result;
    Owned owned;
    try {
        Run(config, id, observer, result, owned).startAndWait();
    } catch (const Error& e) {
        if (e.kind() == Error::Kind::Input) {
            observer.ended();
            throw;
        }
        result.start_failure = e.what();
    }
    // Tear down explicitly (the destructors would too, silently) to report what stayed.
    if (!owned.process.reaped()) {
        owned.process.signal(SIGKILL);
        owned.process.wait();
    }
    observer.ended();
    if (owned.network) {
        if (std::string problem = owned.network->detach(); !problem.empty()) result.cleanup_problem = problem;
    }
    if (owned.cgroup) {
        const std::string problem = owned.cgroup->remove();
        if (!problem.empty()) result.cleanup_problem += (result.cleanup_problem.empty() ? "" : "; ") + problem;
    }
    const std::string state_path = owned.state ? owned.state->path() : "";
    if (owned.state && config.keep_after_exit && result.start_failure.empty() && result.cleanup_problem.empty()) {
        // A stopped detached container stays listed (status exited) until `container rm`.
        owned.record.status = "exited";
        owned.record.exit_code = result.exit_code;
        owned.record.cgroup_dirs.clear();
        try {
            owned.save();
            owned.state->keep();
        } catch (const Error&) {
            // Could not record the exit: remove the directory rather than keep a wrong record.
        }
    }
    bool kept = config.keep_after_exit && owned.state && result.start_failure.empty() && result.cleanup_problem.empty();
    if (owned.state && !result.cleanup_problem.empty()) {
        // A cgroup that would not go: keep the record that lists it, so `container gc` can
        // retry once this process is gone, instead of leaving a cgroup nothing points to.
        owned.state->keep();
        kept = true;
    }
    owned.state.reset();
    if (!kept && !state_path.empty() && ::access(state_path.c_str(), F_OK) == 0)
        result.cleanup_problem += (result.cleanup_problem.empty() ? "" : "; ") + std::string("state directory ") + state_path +
                                  " could not be removed";
    return result;
}

}  // namespace vl::ct
