// `virtlab container run`: one real container on the host kernel through VirtLab's own
// runtime (containers/). Text mode streams the command's output live and exits with the
// command's status; --json captures it and prints one object (DESIGN.md's contract).
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/plain_json.h"
#include "containers/container_engine.h"
#include "containers/container_lifecycle.h"
#include "containers/container_log.h"
#include "containers/container_state.h"
#include "containers/image/image_store.h"
#include "containers/limits.h"
#include "containers/rootfs.h"
#include "containers/unique_fd.h"
#include "core/error.h"

namespace vl::cli {
// The same plain JSON in both executables: this command also runs in the Qt-free front end.
using plain::JsonArray;
using plain::JsonObject;
using plain::JsonValue;
using plain::printJson;
namespace {

constexpr const char* kRunUsage = "virtlab container run [OPTIONS] [--image NAME] -- CMD [ARG...]";

void printContainerHelp() {
    std::printf("Usage: virtlab container VERB ...\n\n"
                "Real Linux containers: new pid, mount, UTS, IPC, network and cgroup namespaces,\n"
                "pivot_root into a busybox root file system, cgroup v1 or v2 limits, an optional\n"
                "veth pair on the vlab0 bridge (--net bridge). Without root (or with --rootless) in a\n"
                "user namespace as well, state under $XDG_RUNTIME_DIR/virtlab.\n\n"
                "Verbs:\n"
                "  run [OPTIONS] -- CMD [ARG...]   run CMD in a fresh container (-d: detached)\n"
                "  ps [--all] [--json]             list containers\n"
                "  inspect ID [--json]             config, state and live cgroup readings\n"
                "  exec ID -- CMD [ARG...]         run CMD inside a running container\n"
                "  logs ID [--follow]              the output of a detached (-d) container\n"
                "  stop ID [--time S]              SIGTERM, then SIGKILL after S seconds (10)\n"
                "  rm ID [--force]                 remove a stopped container (--force: running too)\n"
                "  gc [--json]                     remove what killed VirtLab processes left behind\n\n"
                "ID is a container id, a unique prefix of one, or its --name.\n"
                "See virtlab container VERB --help for the options.\n");
}

ArgParser runParser() {
    ArgParser parser(kRunUsage,
                     "Runs CMD in a new container and waits for it. The exit status is the command's\n"
                     "(128+N when signal N killed it); 1 when the container could not start; 2 for bad\n"
                     "usage. The default root file system is built from /bin/busybox (busybox-static)\n"
                     "on first use and cached. Nothing is left behind: cgroup, mounts and state\n"
                     "directory are removed when the command ends.");
    parser.flag("--rm", "Remove the container when it exits (always so without -d)")
        .flag("--detach", "(-d) Detached: print the id and return; a monitor process owns the container")
        .option("--name", "N", "A name for the container (letters, digits, '_', '.', '-')")
        .option("--rootfs", "DIR", "Root file system directory (default: the cached busybox rootfs)")
        .option("--image", "NAME", "Run a stored image (virtlab image ls): its layers as overlay lower dirs, its Env, WorkingDir and Cmd")
        .option("--memory", "SIZE", "Memory limit: bytes or with k, m, g, t (e.g. 64m); 4m at least")
        .option("--pids", "N", "Limit on processes and threads in the container (1..4194304)")
        .option("--cpus", "F", "CPU quota in CPUs (0.5 = half of one CPU per 100 ms period)")
        .option("--hostname", "H", "Host name inside the container (default: the container id)")
        .option("--isolation", "pivot|chroot",
                "Root switch: pivot (pivot_root, old root detached; default) or chroot (escapable, for teaching)")
        .option("--net", "none|bridge",
                "Network: none (loopback only; default) or bridge (eth0 on the vlab0 bridge, 10.88.0.0/16)")
        .option("--env", "K=V", "(-e) Set an environment variable; repeatable")
        .option("--workdir", "DIR", "Working directory of the command (created when missing)")
        .option("--user", "UID[:GID]", "Run the command as this numeric user and group (no capabilities then)")
        .flag("--init", "PID 1 is a small init that forwards signals and reaps zombies; the command is its child")
        .flag("--rootless", "A user namespace too, you mapped to root inside (always so when not root); "
                            "cgroups only where delegated, --net none only")
        .flag("--json", "Capture the output and print one JSON object with phases and cgroup readings")
        .positional("CMD...", "The command and its arguments (after --); with --image, the image's Cmd when left out", false);
    return parser;
}

JsonObject networkJson(const ct::net::NetworkInfo& n) {
    JsonObject o;
    o.insert("mode", n.mode);
    if (n.attached()) {
        o.insert("address", n.address);
        o.insert("prefix", n.prefix);
        o.insert("gateway", n.gateway);
        o.insert("bridge", n.bridge);
        o.insert("host_veth", n.host_veth);
        o.insert("container_veth", n.container_veth);
    }
    return o;
}

JsonObject toJson(const ct::ContainerEngine& engine, RunState state) {
    JsonObject out;
    out.insert("id", engine.id());
    if (!engine.config().name.empty()) out.insert("name", engine.config().name);
    out.insert("hostname", engine.hostname());
    if (state == RunState::Finished) out.insert("exit_code", engine.exitCode());
    else out.insert("exit_code", JsonValue::Null);
    if (state == RunState::Failed) out.insert("error", engine.failure());
    out.insert("stdout", engine.stdoutText());
    out.insert("stderr", engine.stderrText());

    JsonObject phases;
    JsonArray order;
    for (const auto& p : engine.phases()) {
        phases.insert(p.name, p.ms);
        order.append(p.name);
    }
    out.insert("phases", phases);
    out.insert("phase_order", order);

    JsonObject cgroup;
    for (const auto& [name, value] : engine.cgroupReadings()) cgroup.insert(name, static_cast<std::int64_t>(value));
    out.insert("cgroup", cgroup);
    out.insert("cgroup_path", engine.cgroupPath());
    out.insert("cgroup_version", engine.cgroupVersion());

    JsonObject namespaces;
    for (const auto& ns : engine.namespaces()) {
        JsonObject pair;
        pair.insert("host", static_cast<std::int64_t>(ns.host_inode));
        pair.insert("container", static_cast<std::int64_t>(ns.container_inode));
        namespaces.insert(ns.name, pair);
    }
    out.insert("namespaces", namespaces);
    out.insert("host_pid", static_cast<std::int64_t>(engine.hostPid()));
    ct::net::NetworkInfo network = engine.network();
    network.mode = ct::net::toString(engine.config().network);
    out.insert("network", networkJson(network));
    const ct::RunResult result = engine.result();
    out.insert("rootless", result.rootless);
    if (result.rootless) {
        JsonObject maps;
        maps.insert("method", result.id_map_method);
        maps.insert("uid_map", result.uid_map);
        maps.insert("gid_map", result.gid_map);
        out.insert("user_namespace", maps);
    }
    if (!result.cgroup_note.empty()) out.insert("cgroup_note", result.cgroup_note);
    for (const auto& [name, value] : engine.snapshot().registers)
        if (name == "rootfs" || name == "rootfs mount") out.insert(name == "rootfs" ? "rootfs" : "rootfs_mount", value);
    out.insert("counters", plain::toJson(engine.counters()));
    return out;
}

// While a container runs, SIGINT/SIGTERM/SIGHUP/SIGQUIT (Ctrl-C, `kill`, a closed terminal)
// stop it instead of killing VirtLab: dying here would skip the cleanup and leave the cgroup
// and state directory behind, and the container's pid 1 would not even notice (a namespace's
// init ignores signals it has no handler for). The signals are blocked and queue in a
// signalfd that the engine polls beside the container's own descriptors; the container itself
// starts with a clean mask (child_plan.cpp). No watcher thread: starting and joining one cost
// about 0.5 ms of the 11 a `container run -- /bin/true` took then (200 interleaved rounds).
class StopOnSignals {
public:
    explicit StopOnSignals(ct::ContainerEngine& engine) {
        sigemptyset(&set_);
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set_, sig);
        pthread_sigmask(SIG_BLOCK, &set_, &previous_);
        signals_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
        if (!signals_) {
            pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
            throwErrno("container run: signalfd");
        }
        engine.stopWhenReadable(signals_.get());
    }
    ~StopOnSignals() {
        received();  // nothing stays pending to kill VirtLab once the mask is restored
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    // The first of the signals that came (0: none); reads every one queued.
    int received() {
        signalfd_siginfo info{};
        while (::read(signals_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info))
            if (!first_) first_ = static_cast<int>(info.ssi_signo);
        return first_;
    }

private:
    sigset_t set_{}, previous_{};
    ct::UniqueFd signals_;
    int first_ = 0;
};

// `run -d`: a monitor process (forked, in its own session, stdio on /dev/null) runs the
// container exactly as the foreground run does and owns its cleanup; this process waits
// only until the command runs (or fails to start) and prints the id.
// The image's settings under the command line's: --env wins over the image's Env, --workdir
// over its WorkingDir, and a command after -- over its Cmd (as `docker run` does).
void applyImageDefaults(const ct::image::ResolvedImage& image, ct::ContainerConfig& config) {
    config.env.insert(config.env.begin(), image.env.begin(), image.env.end());
    if (config.workdir.empty()) config.workdir = image.workdir;
    if (config.argv.empty()) config.argv = image.argv;
}

// Mounts the image's layer stack as the container's root file system. The mount is made in a
// private mount namespace of this process, so it disappears with the process even when
// VirtLab is killed; the returned owner unmounts it on every other path.
std::unique_ptr<ct::LayerStackMount> mountImage(const std::optional<ct::image::ResolvedImage>& image, ct::ContainerConfig& config) {
    if (!image) return nullptr;
    ct::enterPrivateMountNamespace();
    auto root = std::make_unique<ct::LayerStackMount>(image->lower_dirs);
    config.rootfs = root->path();
    return root;
}

int runDetached(ct::ContainerConfig config, const std::optional<ct::image::ResolvedImage>& image, bool json) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) throwErrno("container run -d: pipe");
    std::fflush(nullptr);
    const pid_t monitor = ::fork();
    if (monitor < 0) throwErrno("container run -d: fork");
    if (monitor == 0) {
        ::close(report[0]);
        ::setsid();  // no terminal: a closed shell's SIGHUP must not reach the monitor
        const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int fd = 0; fd < 3; ++fd) ::dup2(devnull, fd);
        int status = 0;
        {
            const auto image_root = mountImage(image, config);  // the monitor owns the image's mount
            ct::ContainerEngine engine(config);
            int write_end = report[1];
            engine.onRunning([&] {
                const std::string line = engine.id() + "\n";
                if (::write(write_end, line.data(), line.size()) < 0) {}
                ::close(write_end);
                write_end = -1;
            });
            RunState state;
            {
                StopOnSignals stop(engine);  // `kill MONITOR` stops the container and cleans up
                state = engine.run();
            }
            if (write_end >= 0) {
                const std::string line = "!" + (state == RunState::Failed ? engine.failure() : std::string("exited at once")) + "\n";
                if (::write(write_end, line.data(), line.size()) < 0) {}
                ::close(write_end);
            }
            status = state == RunState::Finished ? 0 : 1;
        }
        std::_Exit(status);  // no atexit handlers of the parent's (Qt, stdio) run twice
    }
    ::close(report[1]);
    std::string answer;
    char buf[512];
    for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        answer.append(buf, static_cast<size_t>(n));
    }
    ::close(report[0]);
    while (!answer.empty() && answer.back() == '\n') answer.pop_back();
    if (answer.empty() || answer[0] == '!') {
        std::fprintf(stderr, "virtlab: container run: %s\n", answer.empty() ? "the monitor died" : answer.c_str() + 1);
        return 1;
    }
    if (json) {
        JsonObject out;
        out.insert("id", answer);
        out.insert("monitor_pid", static_cast<std::int64_t>(monitor));
        printJson(out);
    } else {
        std::printf("%s\n", answer.c_str());
    }
    return 0;
}

JsonObject recordJson(const ct::ContainerRecord& r) {
    JsonObject o;
    o.insert("id", r.id);
    o.insert("name", r.name);
    o.insert("hostname", r.hostname);
    o.insert("status", r.liveStatus());
    JsonArray argv;
    for (const auto& a : r.argv) argv.append(a);
    o.insert("command", argv);
    o.insert("pid", static_cast<std::int64_t>(r.pid));
    o.insert("owner_pid", static_cast<std::int64_t>(r.owner_pid));
    o.insert("created", static_cast<std::int64_t>(r.created_unix));
    o.insert("detached", r.detached);
    if (r.exit_code) o.insert("exit_code", *r.exit_code);
    else o.insert("exit_code", JsonValue::Null);
    return o;
}

std::string joinArgv(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
    return out;
}

int psVerb(const Args& args) {
    ArgParser parser("virtlab container ps [--all] [--json]", "Lists running containers (--all: stopped ones too).");
    parser.flag("--all", "Also containers that exited (kept until rm) and dead ones (gc removes those)")
        .flag("--json", "One JSON object: {\"containers\": [...]}");
    if (!parser.parse(args)) return 0;
    JsonArray list;
    if (!parser.has("--json")) std::printf("%-12s  %-12s  %-8s  %-8s  %s\n", "ID", "NAME", "STATUS", "PID", "COMMAND");
    for (const auto& dir : ct::listStateDirs()) {
        const auto r = ct::readRecord(dir);
        if (!r) continue;
        const std::string status = r->liveStatus();
        if (status != "running" && status != "starting" && !parser.has("--all")) continue;
        if (parser.has("--json")) list.append(recordJson(*r));
        else std::printf("%-12s  %-12s  %-8s  %-8d  %s\n", r->id.c_str(), r->name.c_str(), status.c_str(), r->pid,
                         joinArgv(r->argv).c_str());
    }
    if (parser.has("--json")) {
        JsonObject out;
        out.insert("containers", list);
        printJson(out);
    }
    return 0;
}

int inspectVerb(const Args& args) {
    ArgParser parser("virtlab container inspect ID [--json]", "Shows a container's config, state and live cgroup readings.");
    parser.flag("--json", "One JSON object").positional("ID", "Container id, unique id prefix, or name");
    if (!parser.parse(args)) return 0;
    const std::string dir = ct::findStateDir(parser.positionalValue("ID"));
    const auto r = ct::readRecord(dir);
    if (!r) throw Error(Error::Kind::System, "inspect: no readable state in " + dir);
    const ct::CgroupReadings readings =
        r->liveStatus() == "running"
            ? ct::readCgroupReadings(r->cgroup_version == "v1" ? ct::CgroupVersion::V1 : ct::CgroupVersion::V2, r->cgroup_dirs)
            : ct::CgroupReadings{};
    JsonObject o = recordJson(*r);
    JsonObject config;
    config.insert("rootfs", r->rootfs);
    config.insert("isolation", r->isolation);
    config.insert("limits", r->limits);
    JsonArray env;
    for (const auto& e : r->env) env.append(e);
    config.insert("env", env);
    config.insert("workdir", r->workdir);
    config.insert("user", r->user);
    config.insert("init", r->init);
    o.insert("config", config);
    o.insert("network", networkJson(r->network));
    o.insert("state_dir", dir);
    o.insert("cgroup_version", r->cgroup_version);
    JsonObject dirs, cgroup;
    for (const auto& [controller, d] : r->cgroup_dirs) dirs.insert(controller, d);
    for (const auto& [name, value] : readings) cgroup.insert(name, static_cast<std::int64_t>(value));
    o.insert("cgroup_dirs", dirs);
    o.insert("cgroup", cgroup);
    o.insert("rootless", r->rootless);
    if (r->rootless) {
        JsonObject maps;
        maps.insert("method", r->id_map_method);
        maps.insert("uid_map", r->uid_map);
        maps.insert("gid_map", r->gid_map);
        o.insert("user_namespace", maps);
    }
    if (!r->cgroup_note.empty()) o.insert("cgroup_note", r->cgroup_note);
    if (parser.has("--json")) {
        printJson(o);
        return 0;
    }
    std::printf("id        %s\nname      %s\nstatus    %s\npid       %d\ncommand   %s\nrootfs    %s\nisolation %s\nlimits    %s\n",
                r->id.c_str(), r->name.c_str(), r->liveStatus().c_str(), r->pid, joinArgv(r->argv).c_str(), r->rootfs.c_str(),
                r->isolation.c_str(), r->limits.c_str());
    std::printf("network   %s", r->network.mode.c_str());
    if (r->network.attached())
        std::printf(" %s/%d via %s, %s (host, in %s) <-> %s (container)", r->network.address.c_str(), r->network.prefix,
                    r->network.gateway.c_str(), r->network.host_veth.c_str(), r->network.bridge.c_str(),
                    r->network.container_veth.c_str());
    std::printf("\n");
    if (r->rootless) {
        std::printf("rootless  user namespace, %s id mapping\n", r->id_map_method.c_str());
        std::printf("uid_map   %s", r->uid_map.c_str());
        std::printf("gid_map   %s", r->gid_map.c_str());
    }
    if (!r->cgroup_note.empty()) std::printf("cgroup    none: %s\n", r->cgroup_note.c_str());
    for (const auto& [name, value] : readings) std::printf("cgroup    %s = %llu\n", name.c_str(), static_cast<unsigned long long>(value));
    return 0;
}

int execVerb(const Args& args) {
    ArgParser parser("virtlab container exec ID -- CMD [ARG...]",
                     "Runs CMD inside a running container: its namespaces, cgroup, capabilities and seccomp filter.");
    parser.positional("ID", "Container id, unique id prefix, or name").positional("CMD...", "The command (after --)");
    if (!parser.parse(args)) return 0;
    if (parser.rest().empty()) throwInput("container exec: missing command (usage: virtlab container exec ID -- CMD [ARG...])");
    const std::string dir = ct::findStateDir(parser.positionalValue("ID"));
    std::fflush(nullptr);
    return ct::execInContainer(dir, parser.rest());
}

int logsVerb(const Args& args) {
    ArgParser parser("virtlab container logs ID [--follow]",
                     "Prints what a detached container (run -d) wrote to stdout and stderr, in the order it came.\n"
                     "Kept in its state directory, the latest 1 to 2 MiB (older output is rotated away);\n"
                     "removed with the container (rm, gc, or at exit with --rm).");
    parser.flag("--follow", "Keep printing what the container writes until it exits")
        .positional("ID", "Container id, unique id prefix, or name");
    if (!parser.parse(args)) return 0;
    const std::string dir = ct::findStateDir(parser.positionalValue("ID"));
    std::fflush(stdout);
    if (!ct::copyContainerLog(dir, STDOUT_FILENO, parser.has("--follow"))) {
        const auto r = ct::readRecord(dir);
        throw Error(Error::Kind::System, "logs: container " + (r ? r->id : dir) +
                                             " keeps no log: only detached containers (run -d) do; a foreground run's "
                                             "output goes to the terminal that started it");
    }
    return 0;
}

int stopVerb(const Args& args) {
    ArgParser parser("virtlab container stop ID [--time S]", "Stops a container: SIGTERM, then SIGKILL after S seconds.");
    parser.option("--time", "S", "Grace period in seconds before SIGKILL", "10")
        .positional("ID", "Container id, unique id prefix, or name");
    if (!parser.parse(args)) return 0;
    const double grace = parser.doubleValue("--time", 10);
    if (grace < 0 || grace > 3600) throwInput("--time: not between 0 and 3600 seconds");
    const std::string dir = ct::findStateDir(parser.positionalValue("ID"));
    std::printf("%s\n", ct::stopContainer(dir, grace).c_str());
    return 0;
}

int rmVerb(const Args& args) {
    ArgParser parser("virtlab container rm ID [--force]", "Removes a stopped container; --force stops a running one first.");
    parser.flag("--force", "Kill the container if it runs").positional("ID", "Container id, unique id prefix, or name");
    if (!parser.parse(args)) return 0;
    ct::removeContainer(ct::findStateDir(parser.positionalValue("ID")), parser.has("--force"));
    return 0;
}

int gcVerb(const Args& args) {
    ArgParser parser("virtlab container gc [--json]",
                     "Removes what a killed VirtLab or monitor left: processes, cgroups, state directories of\n"
                     "containers whose owner (checked by pid and start time) is gone, their veths, the\n"
                     "vlab0 bridge once no live container uses it, and image overlays (/tmp/virtlab-layers-*)\n"
                     "a killed GUI or lesson run left mounted.");
    parser.flag("--json", "One JSON object: {\"removed\": [...], \"problems\": [...]}");
    if (!parser.parse(args)) return 0;
    const ct::GcReport report = ct::collectGarbage();
    if (parser.has("--json")) {
        JsonArray removed, problems;
        for (const auto& r : report.removed) removed.append(r);
        for (const auto& p : report.problems) problems.append(p);
        JsonObject out;
        out.insert("removed", removed);
        out.insert("problems", problems);
        printJson(out);
    } else {
        for (const auto& r : report.removed) std::printf("removed %s\n", r.c_str());
        for (const auto& p : report.problems) std::fprintf(stderr, "virtlab: container gc: %s\n", p.c_str());
    }
    return report.problems.empty() ? 0 : 1;
}

int runContainerVerb(const Args& given) {
    // docker's short -d; the shared parser knows only long options, so it is spelled out
    // here (before "--" only: after it, -d belongs to the command).
    // --env repeats, which the shared parser does not keep: collected (before "--") and
    // taken out here; the parser only lists it in --help. A trailing --env without a value
    // is left for the parser to refuse.
    Args args;
    std::vector<std::string> env;
    for (size_t i = 0; i < given.size(); ++i) {
        const std::string& a = given[i];
        if (a == "--") {
            args.insert(args.end(), given.begin() + static_cast<std::ptrdiff_t>(i), given.end());
            break;
        }
        if (a == "-d") {
            args.push_back("--detach");
        } else if ((a == "--env" || a == "-e") && i + 1 < given.size()) {
            env.push_back(given[++i]);
        } else if (a.rfind("--env=", 0) == 0) {
            env.push_back(a.substr(6));
        } else {
            args.push_back(a);
        }
    }
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
    if (auto isolation = parser.optionalValue("--isolation")) config.isolation = ct::parseIsolation(*isolation);
    if (auto cpus = parser.optionalValue("--cpus")) config.cpu_quota_us = ct::parseCpuQuota(*cpus);
    if (auto net = parser.optionalValue("--net")) config.network = ct::net::parseNetworkMode(*net);
    if (auto user = parser.optionalValue("--user")) config.user = ct::parseUser(*user);
    config.env = env;
    config.workdir = parser.value("--workdir");
    if (parser.has("--workdir") && config.workdir.empty()) throwInput("--workdir: empty path");
    config.init = parser.has("--init");
    config.rootless = parser.has("--rootless");
    std::optional<ct::image::ResolvedImage> image;
    if (parser.has("--image")) {
        if (::geteuid() != 0)
            throwInput("--image: needs root for now (the image's layers are stacked by an overlay mount made before "
                       "the container's user namespace exists); use --rootfs DIR");
        if (parser.has("--rootfs")) throwInput("container run: --rootfs and --image exclude each other");
        image = ct::image::resolveImage(parser.value("--image"));  // unknown image: exit 2
        config.image = image->name;
        applyImageDefaults(*image, config);
    }
    if (parser.has("--detach")) {
        config.detached = true;
        config.keep_after_exit = !parser.has("--rm");
        config.capture_output = true;  // into the state directory's log, for `container logs`
        config.log_to_state_dir = true;
        ct::validateConfig(config);  // bad input: exit 2 here, before anything forks
        if (ct::runsRootless(config)) ct::stateBase();  // no XDG_RUNTIME_DIR: exit 2 here, not in the monitor
        return runDetached(config, image, parser.has("--json"));
    }
    const bool json = parser.has("--json");
    config.capture_output = json;

    ct::validateConfig(config);  // bad input: vl::Error(Input), exit 2, before any mount
    const auto image_root = mountImage(image, config);  // must outlive the engine
    ct::ContainerEngine engine(config);

    RunState state;
    int stop_signal = 0;
    {
        StopOnSignals stop(engine);
        state = engine.run();
        stop_signal = stop.received();
    }
    if (json) printJson(toJson(engine, state));
    std::fflush(stdout);
    // A rootless run without a delegated cgroup has no limits and no readings: said, not hidden.
    if (const std::string note = engine.result().cgroup_note; !note.empty() && !json)
        std::fprintf(stderr, "virtlab: container run: note: %s\n", note.c_str());
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
    const Args rest(args.begin() + 1, args.end());
    if (verb == "run") return runContainerVerb(rest);
    if (verb == "ps") return psVerb(rest);
    if (verb == "inspect") return inspectVerb(rest);
    if (verb == "exec") return execVerb(rest);
    if (verb == "logs") return logsVerb(rest);
    if (verb == "stop") return stopVerb(rest);
    if (verb == "rm") return rmVerb(rest);
    if (verb == "gc") return gcVerb(rest);
    throwInput("container: unknown verb '" + verb + "' (valid verbs: run, ps, inspect, exec, logs, stop, rm, gc)");
}

}  // namespace

VIRTLAB_COMMAND(container, "container",
                "container run|ps|inspect|exec|logs|stop|rm|gc ...  real Linux containers on this kernel "
                "(see virtlab container --help)",
                40, &containerCommand);

}  // namespace vl::cli
