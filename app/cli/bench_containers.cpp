// `virtlab bench containers [--runs N] [--json]`: start-to-exit of /bin/true in a fresh
// container, VirtLab beside the real runtimes on the same machine in the same run:
//
//   virtlab   the runtime: ContainerEngine::run in this process (as the GUI, the tour and the
//             lessons start containers): virtlab_ms. And `virtlab container run --rm -- /bin/true`
//             as a whole process: virtlab_cli_ms, which adds loading the front end
//             (app/main.cpp: statically linked; no Qt, libarchive, libcrypto or libseccomp) and its
//             own start; virtlab_qt_cli_ms is the same command served by virtlab-qt, which
//             loads Qt first.
//   crun      `crun run` on an OCI bundle written here (the same namespaces, the same rootfs)
//   runc      `runc run` on the same bundle
//   unshare   util-linux `unshare` with the same namespaces and a chroot: the floor (no
//             cgroup, no mounts, no hardening)
//
// Runs are interleaved (one of each per round) so a busy moment of the shared machine hits
// every runtime alike, in a new order each round: what one run leaves the next (the kernel
// tearing its namespaces down, caches and, in a VM, shadow page tables filled with its pages)
// then falls on every runtime alike too. In a fixed order the front end always came right
// after runc and unshare; medians are reported. DESIGN.md's target: virtlab_ms at most half of
// crun_ms (crun's README reports crun about twice as fast as runc at the same job).
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QJsonDocument>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <random>

#include "app/cli/args.h"
#include "app/cli/bench_targets.h"
#include "app/cli/json.h"
#include "containers/container_engine.h"
#include "containers/hardening.h"
#include "containers/rootfs.h"
#include "core/error.h"
#include "core/temp_dir.h"

extern char** environ;

namespace vl::cli {
namespace {

// crun refuses a hybrid host whose cgroup2 hierarchy has controllers enabled ("cgroups in
// hybrid mode not supported, drop all controllers from cgroupv2"), as this lab machine is
// (hugetlb). Run there, it gets a mount namespace without /sys/fs/cgroup/unified, so it sees
// the plain v1 layout VirtLab uses for its limits too. Costs crun a fork, an unshare and an
// umount (well under a millisecond), which the figure includes.
bool hybridWithV2Controllers() {
    std::ifstream controllers("/sys/fs/cgroup/unified/cgroup.controllers");
    std::string word;
    return static_cast<bool>(controllers >> word);
}

std::optional<double> timedRunWithoutUnifiedCgroup(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid < 0) return std::nullopt;
    if (pid == 0) {
        const int devnull = ::open("/dev/null", O_RDWR);
        for (int fd = 0; fd < 3; ++fd) ::dup2(devnull, fd);
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0 ||
            ::umount2("/sys/fs/cgroup/unified", MNT_DETACH) != 0)
            ::_exit(120);
        ::execve(args[0], args.data(), environ);
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
    return ms;
}

// Runs argv with stdio on /dev/null; the milliseconds it took, or nullopt when it failed.
std::optional<double> timedRun(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int fd = 0; fd < 3; ++fd) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
    const auto t0 = std::chrono::steady_clock::now();
    pid_t pid = -1;
    const int err = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) return std::nullopt;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
    return ms;
}

std::string findProgram(const std::string& name) {
    for (const char* dir : {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
        const std::string path = std::string(dir) + "/" + name;
        if (::access(path.c_str(), X_OK) == 0) return path;
    }
    return "";
}

// The `virtlab` a user types: the Qt-free front end, which names itself in VIRTLAB_FRONT_END
// when it hands a command (this one) to virtlab-qt; else this program, which serves
// `container run` too.
std::string frontEndProgram() {
    if (const char* path = std::getenv("VIRTLAB_FRONT_END"); path && *path) return path;
    return std::filesystem::read_symlink("/proc/self/exe").string();
}

QJsonArray strings(const std::vector<std::string>& list) {
    QJsonArray out;
    for (const auto& s : list) out.append(qs(s));
    return out;
}

// An OCI runtime bundle config (runtime-spec 1.0) for /bin/true in the busybox rootfs, with the
// namespaces VirtLab gives a container and the same hardening: default capabilities, masked
// and read-only paths, no_new_privs. The root is read-only (VirtLab puts an overlay on it).
QJsonObject bundleConfig(const std::string& rootfs) {
    QJsonObject process;
    process.insert("terminal", false);
    process.insert("user", QJsonObject{{"uid", 0}, {"gid", 0}});
    process.insert("args", strings({"/bin/true"}));
    process.insert("env", strings({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}));
    process.insert("cwd", "/");
    const QJsonArray caps = strings(ct::capabilityNames(ct::defaultCapabilityMask()));
    process.insert("capabilities", QJsonObject{{"bounding", caps}, {"effective", caps}, {"permitted", caps}});
    process.insert("noNewPrivileges", true);

    QJsonArray mounts;
    mounts.append(QJsonObject{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"},
                              {"options", strings({"nosuid", "noexec", "nodev"})}});
    mounts.append(QJsonObject{{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                              {"options", strings({"nosuid", "strictatime", "mode=755", "size=65536k"})}});
    mounts.append(QJsonObject{{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"},
                              {"options", strings({"nosuid", "noexec", "nodev", "ro"})}});
    QJsonArray namespaces;
    for (const char* ns : {"pid", "mount", "uts", "ipc", "network", "cgroup"}) namespaces.append(QJsonObject{{"type", ns}});
    QJsonObject linux;
    linux.insert("namespaces", namespaces);
    linux.insert("maskedPaths", strings(ct::maskedPaths()));
    linux.insert("readonlyPaths", strings(ct::readOnlyPaths()));

    QJsonObject config;
    config.insert("ociVersion", "1.0.2");
    config.insert("process", process);
    config.insert("root", QJsonObject{{"path", qs(rootfs)}, {"readonly", true}});
    config.insert("hostname", "bench");
    config.insert("mounts", mounts);
    config.insert("linux", linux);
    return config;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Contender {
    std::string key;  // "crun_ms"
    std::function<std::optional<double>(int run)> once;
    std::vector<double> samples;
    std::string problem;
};

int benchContainers(const Args& args) {
    ArgParser parser("virtlab bench containers [--runs N] [--json]",
                     "Start-to-exit of /bin/true in a fresh container: VirtLab, crun, runc and unshare, medians.");
    parser.option("--runs", "N", "Containers per runtime (1..1000)", "20").flag("--json", "One JSON object (DESIGN.md)");
    if (!parser.parse(args)) return 0;
    const uint64_t runs = parser.unsignedValue("--runs", 20);
    if (runs < 1 || runs > 1000) throwInput("--runs: not between 1 and 1000");
    if (::geteuid() != 0) throw Error(Error::Kind::System, "bench containers: needs root (every runtime here does)");

    ct::BusyboxRootfs rootfs;
    rootfs.ensure();
    TempDir work("vlab-bench");
    const std::string bundle = work.path() + "/bundle";
    std::filesystem::create_directories(bundle);
    {
        std::ofstream out(bundle + "/config.json");
        out << QJsonDocument(bundleConfig(rootfs.path())).toJson().toStdString();
        if (!out) throwSystem("bench containers: write " + bundle + "/config.json", EIO);
    }
    const std::string front_end = frontEndProgram();
    const std::string prefix = "vlab-bench-" + std::to_string(::getpid()) + "-";

    std::vector<Contender> contenders;
    contenders.push_back({"virtlab_cli_ms", [&](int) { return timedRun({front_end, "container", "run", "--rm", "--", "/bin/true"}); }, {}, ""});
    // The same command served by virtlab-qt (this program): what the Qt-free front end saves.
    const std::string qt_program = std::filesystem::read_symlink("/proc/self/exe").string();
    contenders.push_back({"virtlab_qt_cli_ms", [&](int) { return timedRun({qt_program, "container", "run", "--rm", "--", "/bin/true"}); }, {}, ""});
    contenders.push_back({"virtlab_ms", [](int) -> std::optional<double> {
                              ct::ContainerConfig config;
                              config.argv = {"/bin/true"};
                              ct::ContainerEngine engine(config);
                              const auto t0 = std::chrono::steady_clock::now();
                              if (engine.run() != RunState::Finished || engine.exitCode() != 0) return std::nullopt;
                              return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                          }, {}, ""});
    const bool hide_unified = hybridWithV2Controllers();
    for (const char* runtime : {"crun", "runc"}) {
        const std::string program = findProgram(runtime);
        const bool workaround = hide_unified && std::string(runtime) == "crun";
        const std::string state = work.path() + "/" + runtime + "-state";
        Contender c{std::string(runtime) + "_ms", nullptr, {}, ""};
        if (program.empty()) c.problem = std::string(runtime) + " is not installed";
        else
            c.once = [=](int run) {
                const std::string id = prefix + runtime + "-" + std::to_string(run);
                const std::vector<std::string> argv{program, "--root", state, "run", "--bundle", bundle, id};
                auto ms = workaround ? timedRunWithoutUnifiedCgroup(argv) : timedRun(argv);
                // `run` deletes the container when it exits; this is for a run that failed half-way.
                if (!ms) timedRun({program, "--root", state, "delete", "--force", id});
                return ms;
            };
        contenders.push_back(std::move(c));
    }
    {
        const std::string program = findProgram("unshare");
        Contender c{"unshare_ms", nullptr, {}, program.empty() ? "unshare is not installed" : ""};
        if (!program.empty())
            c.once = [=, root = rootfs.path()](int) {
                return timedRun({program, "--pid", "--fork", "--mount", "--uts", "--ipc", "--net", "--cgroup", "--root=" + root,
                                 "/bin/true"});
            };
        contenders.push_back(std::move(c));
    }

    std::vector<size_t> order(contenders.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::mt19937 shuffler(20261207);  // fixed: the same orders in every bench
    for (int run = 0; run < static_cast<int>(runs); ++run) {
        std::shuffle(order.begin(), order.end(), shuffler);
        for (const size_t i : order) {
            Contender& c = contenders[i];
            if (!c.once || !c.problem.empty()) continue;
            if (auto ms = c.once(run)) c.samples.push_back(*ms);
            else c.problem = c.key.substr(0, c.key.size() - 3) + ": run " + std::to_string(run) + " failed";
        }
    }

    QJsonObject out;
    std::map<std::string, double> medians;
    QJsonArray problems;
    for (const auto& c : contenders) {
        if (c.problem.empty() && !c.samples.empty()) {
            medians[c.key] = median(c.samples);
            out.insert(qs(c.key), medians[c.key]);
        } else {
            out.insert(qs(c.key), QJsonValue::Null);
            problems.append(qs(c.problem));
        }
    }
    const bool have_ratio = medians.count("virtlab_ms") && medians.count("crun_ms") && medians["crun_ms"] > 0;
    if (have_ratio) out.insert("ratio_vs_crun", medians["virtlab_ms"] / medians["crun_ms"]);
    else out.insert("ratio_vs_crun", QJsonValue::Null);
    if (medians.count("virtlab_cli_ms") && medians.count("crun_ms") && medians["crun_ms"] > 0)
        out.insert("cli_ratio_vs_crun", medians["virtlab_cli_ms"] / medians["crun_ms"]);
    out.insert("crun_without_unified_cgroup", hide_unified);
    out.insert("runs", static_cast<qint64>(runs));
    out.insert("target_ratio_vs_crun", 0.5);
    out.insert("problems", problems);

    if (parser.has("--json")) {
        printJson(out);
    } else {
        std::printf("start-to-exit of /bin/true in a fresh container, median of %llu runs\n",
                    static_cast<unsigned long long>(runs));
        for (const auto& c : contenders) {
            if (medians.count(c.key)) std::printf("  %-18s %8.2f ms\n", c.key.c_str(), medians[c.key]);
            else std::printf("  %-18s   (%s)\n", c.key.c_str(), c.problem.c_str());
        }
        if (have_ratio)
            std::printf("  virtlab / crun     %8.2f   (target: at most 0.5)\n", medians["virtlab_ms"] / medians["crun_ms"]);
    }
    return problems.isEmpty() ? 0 : 1;
}

}  // namespace

VIRTLAB_BENCH(containers, "containers", "start-to-exit of /bin/true: VirtLab vs crun, runc and unshare (medians, ms)",
              &benchContainers);

}  // namespace vl::cli
