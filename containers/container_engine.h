// The containers world behind the common Engine shape (core/engine.h): one real container
// per run(), started by VirtLab's own runtime (container_run.h) on the host kernel.
//
//   vl::ct::ContainerConfig config;
//   config.argv = {"/bin/sh", "-c", "echo $$; hostname"};
//   vl::ct::ContainerEngine engine(config);      // throws vl::Error(Input) on a bad config
//   engine.run();                                 // Finished (see exitCode()) or Failed
//   engine.snapshot().console;                    // "1\n<hostname>\n"
//
// Events: "phase" (one per start-up phase as it ends, "clone 0.41 ms": the parent's phases one
// by one, the container's own ones together the moment its command starts), "running",
// "stdout"/"stderr" (captured output as it arrives, at most kOutputEventBytes per event; the
// detail is the raw bytes), "namespace", "cgroup" (one per reading after exit), "exit". Counters: "phase.<name>_us", "cgroup.<reading>", "exit_code",
// "run_us". Thread-safety: run() on a worker thread; snapshot(), counters(), the accessors
// and pause() from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "containers/cgroup.h"
#include "containers/container_config.h"
#include "containers/container_run.h"
#include "core/engine.h"

namespace vl::ct {

class ContainerEngine : public vl::Engine {
public:
    explicit ContainerEngine(ContainerConfig config);  // validates; throws vl::Error(Input)
    ~ContainerEngine() override;

    std::string world() const override { return "containers"; }
    // Forgets the last run; the next run() starts a new container with a new id.
    void reset() override;
    // Starts the container and waits for it to exit (the budget is ignored: a container is
    // not stepped). Finished: exitCode() is the command's (128+signal when killed). Failed:
    // it never reached its command (not root, cgroup refused, exec failed ...), see failure().
    // Bad input found only now (a --rootfs that vanished) is thrown as vl::Error(Input).
    RunState run(uint64_t budget = 0) override;
    // A container cannot be frozen half-way through a run() here, so pause() STOPS it: before
    // start-up finished, run() returns Failed ("stopped before the container started");
    // afterwards, the container's first process gets SIGKILL through its pidfd (only the
    // process this engine started; the kernel then ends its whole pid namespace) and run()
    // returns Finished with exit code 137. Safe from any thread, at any time, repeatedly.
    void pause() override;

    RunState state() const override;
    int exitCode() const override;
    std::string failure() const override;
    Counters counters() const override;
    // console: the command's stdout so far (captured mode; it grows while the command runs);
    // registers: id, hostname, pids on the host and inside, cgroup path and version, rootfs and
    // how it is mounted, and each namespace's inode on the host versus in the container;
    // listing: the start-up phases that have ended so far, with timings.
    Snapshot snapshot() const override;

    const ContainerConfig& config() const { return config_; }
    std::string id() const;
    std::string hostname() const;
    std::vector<PhaseTiming> phases() const;         // in execution order
    std::map<std::string, double> phasesMs() const;  // name -> milliseconds
    CgroupReadings cgroupReadings() const;           // taken after the container exited
    std::vector<NamespaceInfo> namespaces() const;
    std::string stdoutText() const;                  // captured mode only
    std::string stderrText() const;
    std::string cgroupPath() const;                  // removed again by the time run() returns
    std::string cgroupVersion() const;               // "v1", "v2" or "none" (rootless without delegation)
    RunResult result() const;                        // everything the run reported (rootless maps, cgroup note...)
    pid_t hostPid() const;                           // the container's pid 1 as the host sees it
    std::string cleanupProblem() const;              // "" when everything was removed
    // --net bridge: the address, gateway, bridge and both veth ends the container had (kept
    // after the run for display; the interfaces themselves are gone by then).
    net::NetworkInfo network() const;

    // While run() runs, `fd` becoming readable stops the container as pause() does. The CLI
    // passes its signalfd: Ctrl-C stops the container with no thread watching for it. The
    // engine never reads `fd`; its owner learns from it what arrived.
    void stopWhenReadable(int fd) { stop_fd_ = fd; }

    // Called on the running thread once the command runs (its execve() succeeded); set
    // before run(). The detached monitor of `container run -d` reports start-up with it.
    void onRunning(std::function<void()> callback) { on_running_ = std::move(callback); }

    // Captured output beyond this many bytes per stream is dropped (and counted).
    static constexpr size_t kMaxCapturedBytes = 8u << 20;
    // Live output events are at most this long (a pipe read is split).
    static constexpr size_t kOutputEventBytes = 4096;

private:
    class Observer;
    friend class Observer;

    ContainerConfig config_;
    mutable std::mutex mutex_;
    std::string id_;
    RunState state_ = RunState::Ready;
    RunResult result_;
    std::string failure_;
    std::string stdout_, stderr_;
    uint64_t dropped_output_ = 0;
    std::atomic<bool> stop_requested_{false};
    int stop_fd_ = -1;
    int live_pidfd_ = -1;  // valid between Observer::started() and ended(), under mutex_
    std::function<void()> on_running_;
};

}  // namespace vl::ct
