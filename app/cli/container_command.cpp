// `virtlab container run`: one real container on the host kernel through VirtLab's own
// runtime (containers/). Text mode streams the command's output live and exits with the
// command's status; --json captures it and prints one object (DESIGN.md's contract).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/json.h"
#include "containers/container_engine.h"
#include "containers/limits.h"
#include "core/error.h"

namespace vl::cli {
namespace {

constexpr const char* kRunUsage = "virtlab container run [OPTIONS] -- CMD [ARG...]";

void printContainerHelp() {
    std::printf("Usage: virtlab container VERB ...\n\n"
                "Real Linux containers: new pid, mount, UTS, IPC, network and cgroup namespaces,\n"
                "pivot_root into a busybox root file system, cgroup v1 or v2 limits. Needs root.\n\n"
                "Verbs:\n"
                "  run [OPTIONS] -- CMD [ARG...]   run CMD in a fresh container and wait for it\n\n"
                "See virtlab container run --help for the options.\n");
}

ArgParser runParser() {
    ArgParser parser(kRunUsage,
                     "Runs CMD in a new container and waits for it. The exit status is the command's\n"
                     "(128+N when signal N killed it); 1 when the container could not start; 2 for bad\n"
                     "usage. The default root file system is built from /bin/busybox (busybox-static)\n"
                     "on first use and cached. Nothing is left behind: cgroup, mounts and state\n"
                     "directory are removed when the command ends.");
    parser.flag("--rm", "Remove the container when it exits (the default; the only behaviour for now)")
        .option("--name", "N", "A name for the container (letters, digits, '_', '.', '-')")
        .option("--rootfs", "DIR", "Root file system directory (default: the cached busybox rootfs)")
        .option("--memory", "SIZE", "Memory limit: bytes or with k, m, g, t (e.g. 64m); 4m at least")
        .option("--pids", "N", "Limit on processes and threads in the container (1..4194304)")
        .option("--hostname", "H", "Host name inside the container (default: the container id)")
        .flag("--json", "Capture the output and print one JSON object with phases and cgroup readings")
        .positional("CMD...", "The command and its arguments (after --)");
    return parser;
}

QJsonObject toJson(const ct::ContainerEngine& engine, RunState state) {
    QJsonObject out;
    out.insert("id", qs(engine.id()));
    if (!engine.config().name.empty()) out.insert("name", qs(engine.config().name));
    out.insert("hostname", qs(engine.hostname()));
    if (state == RunState::Finished) out.insert("exit_code", engine.exitCode());
    else out.insert("exit_code", QJsonValue::Null);
    if (state == RunState::Failed) out.insert("error", qs(engine.failure()));
    out.insert("stdout", qs(engine.stdoutText()));
    out.insert("stderr", qs(engine.stderrText()));

    QJsonObject phases;
    QJsonArray order;
    for (const auto& p : engine.phases()) {
        phases.insert(qs(p.name), p.ms);
        order.append(qs(p.name));
    }
    out.insert("phases", phases);
    out.insert("phase_order", order);

    QJsonObject cgroup;
    for (const auto& [name, value] : engine.cgroupReadings()) cgroup.insert(qs(name), static_cast<qint64>(value));
    out.insert("cgroup", cgroup);
    out.insert("cgroup_path", qs(engine.cgroupPath()));
    out.insert("cgroup_version", qs(engine.cgroupVersion()));

    QJsonObject namespaces;
    for (const auto& ns : engine.namespaces()) {
        QJsonObject pair;
        pair.insert("host", static_cast<qint64>(ns.host_inode));
        pair.insert("container", static_cast<qint64>(ns.container_inode));
        namespaces.insert(qs(ns.name), pair);
    }
    out.insert("namespaces", namespaces);
    out.insert("host_pid", static_cast<qint64>(engine.hostPid()));
    for (const auto& [name, value] : engine.snapshot().registers)
        if (name == "rootfs" || name == "rootfs mount") out.insert(name == "rootfs" ? "rootfs" : "rootfs_mount", qs(value));
    out.insert("counters", vl::cli::toJson(engine.counters()));
    return out;
}

// While a container runs, SIGINT/SIGTERM/SIGHUP/SIGQUIT (Ctrl-C, `kill`, a closed terminal)
// stop it instead of killing VirtLab: dying here would skip the cleanup and leave the cgroup
// and state directory behind, and the container's pid 1 would not even notice (a namespace's
// init ignores signals it has no handler for). The signals are blocked and collected by one
// thread with sigtimedwait(); the container itself starts with a clean mask (child_plan.cpp).
class StopOnSignals {
public:
    explicit StopOnSignals(ct::ContainerEngine& engine) {
        sigemptyset(&set_);
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set_, sig);
        pthread_sigmask(SIG_BLOCK, &set_, &previous_);
        watcher_ = std::thread([this, &engine] {
            const timespec tick{0, 50 * 1000 * 1000};
            while (!done_) {
                const int sig = sigtimedwait(&set_, nullptr, &tick);
                if (sig > 0 && !received_) {
                    received_ = sig;
                    engine.pause();  // SIGKILL to the container this engine started
                }
            }
        });
    }
    ~StopOnSignals() {
        done_ = true;
        watcher_.join();
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    int received() const { return received_; }

private:
    sigset_t set_{}, previous_{};
    std::atomic<bool> done_{false};
    std::atomic<int> received_{0};
    std::thread watcher_;
};

int runContainerVerb(const Args& args) {
    ArgParser parser = runParser();
    if (!parser.parse(args)) return 0;

    ct::ContainerConfig config;
    config.argv = parser.rest();
    config.name = parser.value("--name");
    config.hostname = parser.value("--hostname");
    config.rootfs = parser.value("--rootfs");
    if (parser.has("--rootfs") && config.rootfs.empty()) throwInput("--rootfs: empty path");
    if (auto memory = parser.optionalValue("--memory")) config.memory_bytes = ct::parseMemorySize(*memory);
    if (auto pids = parser.optionalValue("--pids")) config.pids_max = ct::parsePidsLimit(*pids);
    const bool json = parser.has("--json");
    config.capture_output = json;

    ct::ContainerEngine engine(config);  // bad input: vl::Error(Input), exit 2
    if (::geteuid() != 0)
        throw Error(Error::Kind::System,
                    "container run: needs root for now (rootless containers with user namespaces come later)");

    RunState state;
    int stop_signal = 0;
    {
        StopOnSignals stop(engine);
        state = engine.run();
        stop_signal = stop.received();
    }
    if (json) printJson(toJson(engine, state));
    std::fflush(stdout);
    if (const std::string problem = engine.cleanupProblem(); !problem.empty())
        std::fprintf(stderr, "virtlab: container run: warning: left behind: %s\n", problem.c_str());
    if (stop_signal) {
        std::fprintf(stderr, "virtlab: container run: stopped by signal %d\n", stop_signal);
        return 128 + stop_signal;  // as a shell reports a job the signal ended
    }
    if (state != RunState::Finished) {
        std::fprintf(stderr, "virtlab: container run: %s\n", engine.failure().c_str());
        return 1;
    }
    return engine.exitCode();
}

int containerCommand(const Args& args) {
    if (args.empty()) throwInput("container: missing verb (usage: " + std::string(kRunUsage) + ")");
    const std::string& verb = args[0];
    if (verb == "--help" || verb == "-h" || verb == "help") {
        printContainerHelp();
        return 0;
    }
    if (verb == "run") return runContainerVerb(Args(args.begin() + 1, args.end()));
    throwInput("container: unknown verb '" + verb + "' (valid verbs: run)");
}

}  // namespace

VIRTLAB_COMMAND(container, "container",
                "container run [--rm] [--name N] [--rootfs DIR] [--memory SIZE] [--pids N] [--hostname H] [--json] -- CMD [ARG...]",
                40, &containerCommand);

}  // namespace vl::cli
