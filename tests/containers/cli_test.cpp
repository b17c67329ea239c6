// Root tests of `virtlab container run`, driving the real binary as a user or a grader would:
// isolation (pid 1, hostname, /proc, rootfs untouched), limits written to the cgroup and
// enforced, the JSON contract, exit statuses, bad input, and no residue on any exit path.
#include <gtest/gtest.h>

#include <QJsonDocument>
#include <QJsonObject>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "containers/cgroup.h"
#include "containers/container_state.h"
#include "containers/file_io.h"
#include "containers/rootfs.h"
#include "core/temp_dir.h"
#include "residue.h"
#include "tests/support/cli_runner.h"

namespace vl::test {
namespace {

namespace fs = std::filesystem;

const std::string kRootfs = "/var/lib/virtlab/rootfs/busybox";

class ContainerCli : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "containers need root (rootless comes with issue 5)";
    }
};

QJsonObject parseJson(const CliResult& r) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(r.out), &error);
    EXPECT_EQ(error.error, QJsonParseError::NoError) << error.errorString().toStdString() << "\n" << r.out;
    return doc.object();
}

std::string hostHostname() {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    return name;
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST_F(ContainerCli, EchoesPidOneAndItsOwnHostname) {
    const CliResult r = runVirtlab({"container", "run", "--rm", "--", "/bin/sh", "-c", "echo $$; hostname"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    std::istringstream lines(r.out);
    std::string pid, hostname, extra;
    std::getline(lines, pid);
    std::getline(lines, hostname);
    EXPECT_EQ(pid, "1");
    EXPECT_EQ(hostname.size(), 12u) << "the container id: " << hostname;
    EXPECT_NE(hostname, hostHostname());
    EXPECT_FALSE(std::getline(lines, extra)) << "nothing else on stdout: " << r.out;
}

TEST_F(ContainerCli, HostnameOption) {
    const CliResult r = runVirtlab({"container", "run", "--hostname", "lab-1", "--", "hostname"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "lab-1\n");
}

TEST_F(ContainerCli, ProcShowsOnlyTheContainersProcesses) {
    // The glob is expanded by the shell itself (no fork), so pid 1 is the only process.
    const CliResult r = runVirtlab({"container", "run", "--", "/bin/sh", "-c", "echo /proc/[0-9]*"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "/proc/1\n");
}

TEST_F(ContainerCli, RootfsIsUnchangedAfterARunThatWritesToIt) {
    // Make sure the cache exists, then snapshot what the container will try to change.
    ASSERT_EQ(runVirtlab({"container", "run", "--", "true"}).exit_status, 0);
    const std::string passwd = slurp(kRootfs + "/etc/passwd");
    ASSERT_FALSE(passwd.empty());
    const CliResult r = runVirtlab({"container", "run", "--", "/bin/sh", "-c",
                                    "echo scribble > /etc/passwd && rm /bin/ls && touch /newfile && cat /etc/passwd"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "scribble\n") << "inside, the writes succeed";
    EXPECT_EQ(slurp(kRootfs + "/etc/passwd"), passwd);
    EXPECT_TRUE(fs::is_symlink(kRootfs + "/bin/ls"));
    EXPECT_FALSE(fs::exists(kRootfs + "/newfile"));
    // And the next container starts from the pristine tree.
    const CliResult next = runVirtlab({"container", "run", "--", "/bin/sh", "-c", "ls /newfile 2>&1; head -1 /etc/passwd"});
    EXPECT_NE(next.out.find("root:x:0:0"), std::string::npos) << next.out;
    EXPECT_NE(next.out.find("No such file"), std::string::npos) << next.out;
}

TEST_F(ContainerCli, RunsInAGivenRootfs) {
    TempDir temp("virtlab-rootfs-cli");
    const std::string rootfs = temp.path() + "/mine";
    ct::BusyboxRootfs(rootfs).ensure();
    std::ofstream(rootfs + "/etc/marker") << "my own rootfs\n";
    const CliResult r = runVirtlab({"container", "run", "--json", "--rootfs", rootfs, "--", "cat", "/etc/marker"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseJson(r);
    EXPECT_EQ(o["stdout"].toString(), "my own rootfs\n");
    EXPECT_EQ(o["rootfs"].toString().toStdString(), rootfs);
    EXPECT_EQ(o["rootfs_mount"].toString(), "overlay");
}

TEST_F(ContainerCli, ReadOnlyBindWhenTheRootfsCannotBeAnOverlayLayer) {
    // overlayfs cannot take a ',' in a layer path, so this rootfs gets the fallback: the tree
    // bind-mounted read-only with a private tmpfs on /tmp.
    TempDir temp("virtlab-rootfs-cli");
    const std::string rootfs = temp.path() + "/odd,name";
    ct::BusyboxRootfs(rootfs).ensure();
    const CliResult r = runVirtlab({"container", "run", "--json", "--rootfs", rootfs, "--", "/bin/sh", "-c",
                                    "echo ok > /tmp/t && cat /tmp/t; echo no > /etc/x || echo refused"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseJson(r);
    EXPECT_EQ(o["rootfs_mount"].toString(), "read-only bind");
    EXPECT_EQ(o["stdout"].toString(), "ok\nrefused\n");
    EXPECT_FALSE(fs::exists(rootfs + "/etc/x"));
    EXPECT_FALSE(fs::exists(rootfs + "/tmp/t"));
}

TEST_F(ContainerCli, JsonCarriesThePhasesCgroupAndNamespaces) {
    const CliResult r = runVirtlab({"container", "run", "--json", "--memory", "64m", "--pids", "32", "--name", "demo", "--",
                                    "/bin/sh", "-c", "echo hi; echo oops >&2; exit 5"});
    EXPECT_EQ(r.exit_status, 5) << r.err;
    const QJsonObject o = parseJson(r);
    EXPECT_EQ(o["exit_code"].toInt(-1), 5);
    EXPECT_EQ(o["stdout"].toString(), "hi\n");
    EXPECT_EQ(o["stderr"].toString(), "oops\n");
    EXPECT_EQ(o["name"].toString(), "demo");
    EXPECT_EQ(o["hostname"].toString(), o["id"].toString());

    const QJsonObject phases = o["phases"].toObject();
    for (const char* phase : {"rootfs-check", "cgroup-create", "clone", "cgroup-attach", "mounts", "proc", "dev",
                              "pivot_root", "hostname", "exec"}) {
        ASSERT_TRUE(phases.contains(phase)) << phase;
        EXPECT_TRUE(phases[phase].isDouble()) << phase;
        EXPECT_GE(phases[phase].toDouble(), 0.0) << phase;
    }
    const QJsonObject cgroup = o["cgroup"].toObject();
    EXPECT_EQ(cgroup["memory_limit_bytes"].toInteger(), 64ll << 20);
    EXPECT_EQ(cgroup["pids_max"].toInteger(), 32);
    EXPECT_GT(cgroup["memory_peak_bytes"].toInteger(), 0);
    EXPECT_NE(o["cgroup_path"].toString().indexOf("virtlab-" + o["id"].toString()), -1);

    const QJsonObject namespaces = o["namespaces"].toObject();
    for (const char* ns : {"pid", "mnt", "uts", "ipc", "net", "cgroup"}) {
        const QJsonObject pair = namespaces[ns].toObject();
        EXPECT_NE(pair["host"].toInteger(), pair["container"].toInteger()) << ns;
    }
    EXPECT_TRUE(residueOf(o["id"].toString().toStdString()).empty());
}

TEST_F(ContainerCli, LimitsAreInTheCgroupWhileItRuns) {
    auto run = std::async(std::launch::async,
                          [] { return runVirtlab({"container", "run", "--memory", "48m", "--pids", "16", "--", "sleep", "2"}); });
    // The run's cgroup appears below ours in the memory and pids hierarchies.
    const ct::CgroupLayout layout = ct::detectHostCgroupLayout();
    std::string memory_limit, pids_max, procs;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1800);
    while (std::chrono::steady_clock::now() < deadline && (memory_limit.empty() || pids_max.empty() || procs.empty())) {
        // Only this run's cgroup (tests in parallel may run containers of their own): the
        // directories its state record lists.
        std::vector<std::string> dirs;
        for (const auto& state : ct::listStateDirs())
            if (auto r = ct::readRecord(state); r && r->argv == std::vector<std::string>{"sleep", "2"} &&
                                                r->limits == "memory=50331648 pids=16")
                for (const auto& [controller, dir] : r->cgroup_dirs) dirs.push_back(dir);
        for (const auto& dir : dirs) {
            if (auto v = ct::readTextFile(dir + "/memory.limit_in_bytes")) memory_limit = *v;
            if (auto v = ct::readTextFile(dir + "/memory.max")) memory_limit = *v;
            if (auto v = ct::readTextFile(dir + "/pids.max")) pids_max = *v;
            if (auto v = ct::readTextFile(dir + "/cgroup.procs"); v && !v->empty()) procs = *v;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(memory_limit, std::to_string(48ll << 20) + "\n");
    EXPECT_EQ(pids_max, "16\n");
    EXPECT_FALSE(procs.empty()) << "the container's first process is in the cgroup";
    const CliResult r = run.get();
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_TRUE(residueOf("").empty());
}

TEST_F(ContainerCli, PidsLimitStopsAForkLoop) {
    // Bounded: at most 20 forks; with --pids 8 the 8th process cannot be made.
    const CliResult r = runVirtlab({"container", "run", "--json", "--pids", "8", "--", "/bin/sh", "-c",
                                    "for i in $(seq 20); do sleep 30 & done; echo all-started"},
                                   30);
    const QJsonObject o = parseJson(r);
    EXPECT_EQ(o["stdout"].toString().indexOf("all-started"), -1) << "the loop did not get all its processes";
    EXPECT_NE(o["stderr"].toString().indexOf("can't fork"), -1) << o["stderr"].toString().toStdString();
    const QJsonObject cgroup = o["cgroup"].toObject();
    EXPECT_GE(cgroup["pids_limit_hits"].toInteger(), 1);
    if (cgroup.contains("pids_peak")) {
        EXPECT_LE(cgroup["pids_peak"].toInteger(), 8);
    }
    EXPECT_NE(r.exit_status, 0);
    EXPECT_TRUE(residueOf(o["id"].toString().toStdString()).empty());
}

TEST_F(ContainerCli, MemoryHogIsKilledInsideItsCgroup) {
    const CliResult r = runVirtlab({"container", "run", "--json", "--memory", "16m", "--", "/bin/sh", "-c",
                                    "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived ${#x}"},
                                   60);
    EXPECT_EQ(r.exit_status, 137) << r.err;
    const QJsonObject o = parseJson(r);
    EXPECT_EQ(o["exit_code"].toInt(), 137);
    EXPECT_EQ(o["stdout"].toString().indexOf("survived"), -1);
    EXPECT_GE(o["cgroup"].toObject()["oom_kills"].toInteger(), 1);
    EXPECT_TRUE(residueOf(o["id"].toString().toStdString()).empty());
}

TEST_F(ContainerCli, TextModePassesTheExitStatusThrough) {
    EXPECT_EQ(runVirtlab({"container", "run", "--", "/bin/sh", "-c", "exit 7"}).exit_status, 7);
    EXPECT_EQ(runVirtlab({"container", "run", "--", "false"}).exit_status, 1);
    const CliResult r = runVirtlab({"container", "run", "--", "/bin/sh", "-c", "echo out; echo err >&2"});
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
}

// No cgroup, mount or state directory after: a normal run, a failing command, a command that
// signals itself, an OOM kill, and an exec that fails.
TEST_F(ContainerCli, LeavesNothingBehindOnAnyExitPath) {
    struct Case {
        const char* what;
        std::vector<std::string> command;
        int status;
    };
    const std::vector<Case> cases{
        {"normal exit", {"/bin/sh", "-c", "echo fine"}, 0},
        {"failing command", {"/bin/sh", "-c", "exit 3"}, 3},
        // The shell is pid 1 of its namespace, and the kernel drops signals a namespace's init
        // sends itself without a handler: `kill -9 $$` returns and the shell exits 0.
        {"kill -9 $$ from pid 1", {"/bin/sh", "-c", "kill -9 $$; exit 0"}, 0},
        // A child that kills itself really dies of the signal; the shell reports 128+9.
        {"a process killed by SIGKILL", {"/bin/sh", "-c", "/bin/sh -c 'kill -9 $$'; exit $?"}, 137},
        {"exec failure", {"/no/such/program"}, 1},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args{"container", "run", "--json", "--memory", "32m", "--pids", "16", "--"};
        args.insert(args.end(), c.command.begin(), c.command.end());
        const CliResult r = runVirtlab(args);
        EXPECT_EQ(r.exit_status, c.status) << c.what << ": " << r.err;
        const std::string id = parseJson(r)["id"].toString().toStdString();
        EXPECT_EQ(id.size(), 12u) << c.what;
        const auto left = residueOf(id);
        EXPECT_TRUE(left.empty()) << c.what << ": " << (left.empty() ? "" : left.front());
    }
    // Text mode too (the id is not printed; the scan below our own cgroups covers it).
    EXPECT_EQ(runVirtlab({"container", "run", "--", "/bin/sh", "-c", "exit 3"}).exit_status, 3);
    EXPECT_TRUE(residueOf("").empty());
    // No state directory remains but those of containers a live process owns (another
    // test's detached container, when tests run in parallel).
    // A run that just started has its directory a moment before its record: settle first.
    std::vector<std::string> left;
    for (int attempt = 0; attempt < 50; ++attempt) {
        left.clear();
        for (const auto& dir : ct::listStateDirs())
            if (const auto record = ct::readRecord(dir); !record || !record->ownerAlive()) left.push_back(dir);
        if (left.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(left.empty()) << "left behind: " << left.front();
}

TEST_F(ContainerCli, SigtermToVirtlabStopsTheContainerAndCleansUp) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
        ::execl(VIRTLAB_EXE, VIRTLAB_EXE, "container", "run", "--", "sleep", "30", static_cast<char*>(nullptr));
        ::_exit(98);
    }
    // Wait until its container runs (the state record this virtlab owns says so; other
    // tests' containers may be running too), then signal VirtLab itself.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool running = false;
    std::string id;
    while (!running && std::chrono::steady_clock::now() < deadline) {
        for (const auto& dir : ct::listStateDirs())
            if (auto r = ct::readRecord(dir); r && r->owner_pid == pid && r->status == "running") {
                running = true;
                id = r->id;
            }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(running);
    ::kill(pid, SIGTERM);  // the virtlab this test started
    int status = 0;
    const auto stop_at = std::chrono::steady_clock::now();
    ::waitpid(pid, &status, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - stop_at, std::chrono::seconds(3));
    ASSERT_TRUE(WIFEXITED(status)) << "virtlab died of the signal instead of cleaning up";
    EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
    EXPECT_TRUE(residueOf(id).empty());
}

TEST_F(ContainerCli, BadInputExitsTwoWithAReason) {
    struct Case {
        std::vector<std::string> args;
        const char* needle;
    };
    const std::vector<Case> cases{
        {{"container", "run", "--memory", "lots", "--", "true"}, "--memory"},
        {{"container", "run", "--memory", "1k", "--", "true"}, "--memory"},
        {{"container", "run", "--pids", "-1", "--", "true"}, "--pids"},
        {{"container", "run", "--pids", "0", "--", "true"}, "--pids"},
        {{"container", "run", "--rootfs", "/nonexistent/rootfs", "--", "true"}, "/nonexistent/rootfs"},
        {{"container", "run", "--hostname", "no spaces", "--", "true"}, "--hostname"},
        {{"container", "run"}, "missing"},
        {{"container", "run", "--"}, "missing"},
        {{"container", "run", "--frobnicate", "--", "true"}, "--frobnicate"},
        {{"container"}, "missing verb"},
        {{"container", "frobnicate"}, "unknown verb"},
    };
    for (const auto& c : cases) {
        const CliResult r = runVirtlab(c.args);
        EXPECT_EQ(r.exit_status, 2) << c.args.back() << ": " << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
    EXPECT_TRUE(residueOf("").empty());
}

TEST_F(ContainerCli, HelpListsOnlyWhatWorks) {
    const CliResult r = runVirtlab({"container", "run", "--help"});
    EXPECT_EQ(r.exit_status, 0);
    for (const char* option : {"--rm", "--name", "--rootfs", "--memory", "--pids", "--hostname", "--json", "--cpus",
                               "--detach", "--isolation", "--net", "--env", "--workdir", "--user", "--init", "--rootless"})
        EXPECT_NE(r.out.find(option), std::string::npos) << option;
}

TEST_F(ContainerCli, WithoutRootOrARuntimeDirItSaysWhereStateWouldGo) {
    // Run the CLI as nobody (uid 65534) with no environment: rootless, but with nowhere for
    // its state (tests/containers/rootless_test.cpp runs real rootless containers).
    int out_pipe[2];
    ASSERT_EQ(::pipe(out_pipe), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::dup2(out_pipe[1], 2);
        ::close(out_pipe[0]);
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(99);
        char* const no_environment[] = {nullptr};
        ::execle(VIRTLAB_EXE, VIRTLAB_EXE, "container", "run", "--", "true", static_cast<char*>(nullptr), no_environment);
        ::_exit(98);
    }
    ::close(out_pipe[1]);
    std::string err;
    char buf[4096];
    for (ssize_t n; (n = ::read(out_pipe[0], buf, sizeof buf)) > 0;) err.append(buf, static_cast<size_t>(n));
    ::close(out_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 98) GTEST_SKIP() << "nobody cannot execute " << VIRTLAB_EXE;
    EXPECT_EQ(WEXITSTATUS(status), 2) << err;
    EXPECT_NE(err.find("XDG_RUNTIME_DIR is not set"), std::string::npos) << err;
}

}  // namespace
}  // namespace vl::test
