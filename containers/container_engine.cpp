#include "containers/container_engine.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "core/error.h"

namespace vl::ct {

namespace {

std::string formatMs(double ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f ms", ms);
    return buf;
}

// "clone 0.412 ms", "mounts 0.301 ms in the container": who ran it, for the timeline's colours.
std::string describePhase(const PhaseTiming& timing) {
    return timing.name + " " + formatMs(timing.ms) + (timing.in_container ? " in the container" : "");
}

}  // namespace

// Receives what the run reports and publishes it under the engine's mutex.
class ContainerEngine::Observer final : public RunObserver {
public:
    explicit Observer(ContainerEngine& engine) : engine_(engine) {}

    void phase(const PhaseTiming& timing) override {
        {
            std::lock_guard lock(engine_.mutex_);
            engine_.result_.phases.push_back(timing);
        }
        engine_.events().append("phase", describePhase(timing));
    }
    void output(int stream, std::string_view bytes) override {
        size_t kept = 0;
        {
            std::lock_guard lock(engine_.mutex_);
            std::string& sink = stream == 1 ? engine_.stdout_ : engine_.stderr_;
            const size_t room = sink.size() < kMaxCapturedBytes ? kMaxCapturedBytes - sink.size() : 0;
            kept = std::min(room, bytes.size());
            sink.append(bytes.substr(0, kept));
            engine_.dropped_output_ += bytes.size() - kept;
        }
        // The same bytes as events, as they arrive, so a pane can show a long-running command's
        // output line by line. Only what the buffer kept: the events never carry more output
        // than the bounded buffers hold.
        const char* kind = stream == 1 ? "stdout" : "stderr";
        for (size_t at = 0; at < kept; at += kOutputEventBytes)
            engine_.events().append(kind, std::string(bytes.substr(at, std::min(kOutputEventBytes, kept - at))));
    }
    void started(pid_t pid, int pidfd) override {
        std::lock_guard lock(engine_.mutex_);
        engine_.result_.host_pid = pid;
        engine_.live_pidfd_ = pidfd;
        // A stop that arrived while clone() was running found no process to signal.
        if (engine_.stop_requested_) ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    }
    void ended() override {
        std::lock_guard lock(engine_.mutex_);
        engine_.live_pidfd_ = -1;
    }
    bool stopRequested() const override {
        if (!engine_.stop_requested_ && engine_.stop_fd_ >= 0) {
            pollfd fd{engine_.stop_fd_, POLLIN, 0};
            if (::poll(&fd, 1, 0) == 1) engine_.stop_requested_ = true;
        }
        return engine_.stop_requested_;
    }
    int stopFd() const override { return engine_.stop_fd_; }
    void running() override {
        engine_.events().append("running", "the command runs");
        if (engine_.on_running_) engine_.on_running_();
    }

private:
    ContainerEngine& engine_;
};

ContainerEngine::ContainerEngine(ContainerConfig config) : config_(std::move(config)) {
    validateConfig(config_);
    id_ = newContainerId();
}

ContainerEngine::~ContainerEngine() = default;

void ContainerEngine::reset() {
    std::lock_guard lock(mutex_);
    id_ = newContainerId();
    state_ = RunState::Ready;
    result_ = RunResult{};
    failure_.clear();
    stdout_.clear();
    stderr_.clear();
    dropped_output_ = 0;
    stop_requested_ = false;
    events().clear();
}

RunState ContainerEngine::run(uint64_t /*budget*/) {
    std::string id;
    {
        std::lock_guard lock(mutex_);
        if (state_ == RunState::Finished || state_ == RunState::Failed) return state_;  // reset() first
        id = id_;
    }
    Observer observer(*this);
    RunResult result = runContainer(config_, id, observer);  // vl::Error(Input) passes through

    for (const auto& ns : result.namespaces)
        events().append("namespace", ns.name + " host " + std::to_string(ns.host_inode) + " container " +
                                         std::to_string(ns.container_inode));
    for (const auto& [name, value] : result.cgroup) events().append("cgroup", name + " " + std::to_string(value));
    if (!result.cleanup_problem.empty()) events().append("cleanup", result.cleanup_problem);

    std::lock_guard lock(mutex_);
    result_ = std::move(result);  // its phases are the ones already published, in order
    if (!result_.start_failure.empty()) {
        failure_ = result_.start_failure;
        state_ = RunState::Failed;
    } else {
        state_ = RunState::Finished;
        events().append("exit", "exit code " + std::to_string(result_.exit_code));
    }
    return state_;
}

void ContainerEngine::pause() {
    stop_requested_ = true;
    std::lock_guard lock(mutex_);
    if (live_pidfd_ >= 0) ::syscall(SYS_pidfd_send_signal, live_pidfd_, SIGKILL, nullptr, 0);
}

RunState ContainerEngine::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

int ContainerEngine::exitCode() const {
    std::lock_guard lock(mutex_);
    return result_.exit_code;
}

std::string ContainerEngine::failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
}

Counters ContainerEngine::counters() const {
    std::lock_guard lock(mutex_);
    Counters out;
    for (const auto& p : result_.phases) out["phase." + p.name + "_us"] = static_cast<uint64_t>(p.ms * 1000.0 + 0.5);
    for (const auto& [name, value] : result_.cgroup) out["cgroup." + name] = value;
    if (state_ == RunState::Finished) {
        out["exit_code"] = static_cast<uint64_t>(result_.exit_code);
        out["run_us"] = static_cast<uint64_t>(result_.run_ms * 1000.0 + 0.5);
    }
    out["namespaces"] = result_.namespaces.size();
    out["stdout_bytes"] = stdout_.size();
    out["stderr_bytes"] = stderr_.size();
    if (dropped_output_) out["output_bytes_dropped"] = dropped_output_;
    return out;
}

Snapshot ContainerEngine::snapshot() const {
    std::lock_guard lock(mutex_);
    Snapshot s;
    s.console = stdout_;
    s.registers.emplace_back("id", id_);
    s.registers.emplace_back("hostname", result_.hostname.empty() ? (config_.hostname.empty() ? id_ : config_.hostname)
                                                                  : result_.hostname);
    s.registers.emplace_back("pid (host)", result_.host_pid > 0 ? std::to_string(result_.host_pid) : "-");
    s.registers.emplace_back("pid (container)", result_.host_pid > 0 ? "1" : "-");
    s.registers.emplace_back("cgroup", result_.cgroup_path);
    s.registers.emplace_back("cgroup version", result_.cgroup_version);
    s.registers.emplace_back("rootfs", result_.rootfs);
    s.registers.emplace_back("rootfs mount", result_.rootfs_mode);
    for (const auto& ns : result_.namespaces)
        s.registers.emplace_back("ns " + ns.name,
                                 "host " + std::to_string(ns.host_inode) + " / container " + std::to_string(ns.container_inode));
    if (result_.rootless) {
        s.registers.emplace_back("rootless", "user namespace, " + result_.id_map_method + " id mapping");
        s.registers.emplace_back("uid_map", result_.uid_map);
        s.registers.emplace_back("gid_map", result_.gid_map);
    }
    if (!result_.cgroup_note.empty()) s.registers.emplace_back("cgroup note", result_.cgroup_note);
    s.registers.emplace_back("network", toString(config_.network));
    if (result_.network.attached()) {
        s.registers.emplace_back("address", result_.network.address + "/" + std::to_string(result_.network.prefix));
        s.registers.emplace_back("gateway", result_.network.gateway);
        s.registers.emplace_back("veth (host)", result_.network.host_veth + " in " + result_.network.bridge);
        s.registers.emplace_back("veth (container)", result_.network.container_veth);
    }
    for (const auto& p : result_.phases) s.listing.push_back(describePhase(p));
    return s;
}

std::string ContainerEngine::id() const {
    std::lock_guard lock(mutex_);
    return id_;
}

std::string ContainerEngine::hostname() const {
    std::lock_guard lock(mutex_);
    return config_.hostname.empty() ? id_ : config_.hostname;
}

std::vector<PhaseTiming> ContainerEngine::phases() const {
    std::lock_guard lock(mutex_);
    return result_.phases;
}

std::map<std::string, double> ContainerEngine::phasesMs() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, double> out;
    for (const auto& p : result_.phases) out[p.name] = p.ms;
    return out;
}

CgroupReadings ContainerEngine::cgroupReadings() const {
    std::lock_guard lock(mutex_);
    return result_.cgroup;
}

std::vector<NamespaceInfo> ContainerEngine::namespaces() const {
    std::lock_guard lock(mutex_);
    return result_.namespaces;
}

std::string ContainerEngine::stdoutText() const {
    std::lock_guard lock(mutex_);
    return stdout_;
}

std::string ContainerEngine::stderrText() const {
    std::lock_guard lock(mutex_);
    return stderr_;
}

std::string ContainerEngine::cgroupPath() const {
    std::lock_guard lock(mutex_);
    return result_.cgroup_path;
}

std::string ContainerEngine::cgroupVersion() const {
    std::lock_guard lock(mutex_);
    return result_.cgroup_version;
}

pid_t ContainerEngine::hostPid() const {
    std::lock_guard lock(mutex_);
    return result_.host_pid;
}

net::NetworkInfo ContainerEngine::network() const {
    std::lock_guard lock(mutex_);
    return result_.network;
}

RunResult ContainerEngine::result() const {
    std::lock_guard lock(mutex_);
    return result_;
}

std::string ContainerEngine::cleanupProblem() const {
    std::lock_guard lock(mutex_);
    return result_.cleanup_problem;
}

}  // namespace vl::ct
