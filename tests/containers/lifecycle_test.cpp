// Root tests of the container lifecycle through the real `virtlab` binary: run -d, ps,
// inspect (live cgroup readings), exec (same namespaces and hardening), stop, rm, --cpus in
// the cgroup files, and gc after SIGKILL of the owner (a monitor, or a foreground run), each
// ending with no residue.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "containers/container_state.h"
#include "containers/file_io.h"
#include "residue.h"
#include "tests/support/cli_runner.h"

namespace vl::test {
namespace {

class ContainerLifecycle : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "containers need root";
    }
    void TearDown() override {
        for (const auto& id : started_) runVirtlab({"container", "rm", "--force", id});
    }
    // Starts a detached container; returns its id.
    std::string detached(std::vector<std::string> options, std::vector<std::string> command) {
        std::vector<std::string> args{"container", "run", "-d"};
        args.insert(args.end(), options.begin(), options.end());
        args.push_back("--");
        args.insert(args.end(), command.begin(), command.end());
        const CliResult r = runVirtlab(args);
        EXPECT_EQ(r.exit_status, 0) << r.err;
        std::string id = r.out.substr(0, r.out.find('\n'));
        EXPECT_EQ(id.size(), 12u) << r.out;
        started_.push_back(id);
        return id;
    }
    std::vector<std::string> started_;
};

QJsonObject json(const CliResult& r) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(r.out), &error);
    EXPECT_EQ(error.error, QJsonParseError::NoError) << r.out << r.err;
    return doc.object();
}

QJsonObject psEntry(const std::string& id) {
    const QJsonObject ps = json(runVirtlab({"container", "ps", "--all", "--json"}));
    for (const auto& c : ps["containers"].toArray())
        if (c.toObject()["id"].toString().toStdString() == id) return c.toObject();
    return {};
}

template <typename Pred>
bool eventually(Pred pred, int ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

TEST_F(ContainerLifecycle, RunDetachedPsInspectExecStopRm) {
    const std::string id = detached({"--name", "vlab-life", "--memory", "64m", "--pids", "20"}, {"sleep", "60"});
    EXPECT_EQ(psEntry(id)["status"].toString(), "running");
    EXPECT_EQ(psEntry(id)["name"].toString(), "vlab-life");

    const QJsonObject inspect = json(runVirtlab({"container", "inspect", "vlab-life", "--json"}));
    EXPECT_EQ(inspect["id"].toString().toStdString(), id);
    EXPECT_EQ(inspect["status"].toString(), "running");
    EXPECT_GT(inspect["pid"].toInteger(), 1);
    const QJsonObject cgroup = inspect["cgroup"].toObject();
    EXPECT_EQ(cgroup["pids_current"].toInteger(), 1) << "only sleep runs";
    EXPECT_EQ(cgroup["memory_limit_bytes"].toInteger(), 64ll << 20);
    EXPECT_GT(cgroup["memory_current_bytes"].toInteger(), 0);
    EXPECT_TRUE(cgroup.contains("cpu_usage_us"));
    EXPECT_EQ(inspect["config"].toObject()["limits"].toString(), "memory=67108864 pids=20");

    // exec: a second process in the same pid namespace (not pid 1), same hostname, same fences.
    const CliResult exec = runVirtlab({"container", "exec", id.substr(0, 6), "--", "/bin/sh", "-c",
                                       "echo $$; hostname; cat /proc/1/comm; grep -E '^(CapEff|Seccomp):' /proc/self/status"});
    ASSERT_EQ(exec.exit_status, 0) << exec.err;
    EXPECT_EQ(exec.out, "2\n" + id + "\nsleep\nCapEff:\t00000000a80425fb\nSeccomp:\t2\n");
    EXPECT_EQ(runVirtlab({"container", "exec", id, "--", "/bin/sh", "-c", "exit 7"}).exit_status, 7);

    const CliResult refused = runVirtlab({"container", "rm", id});
    EXPECT_EQ(refused.exit_status, 1);
    EXPECT_NE(refused.err.find("running"), std::string::npos) << refused.err;

    // sleep as pid 1 ignores SIGTERM (no handler), so the grace period ends in SIGKILL.
    const CliResult stop = runVirtlab({"container", "stop", "--time", "0.3", id});
    EXPECT_EQ(stop.exit_status, 0) << stop.err;
    EXPECT_EQ(stop.out, "killed\n");
    EXPECT_EQ(psEntry(id)["status"].toString(), "exited");
    EXPECT_EQ(psEntry(id)["exit_code"].toInt(), 137);
    EXPECT_EQ(runVirtlab({"container", "exec", id, "--", "true"}).exit_status, 1) << "not running any more";

    EXPECT_EQ(runVirtlab({"container", "rm", id}).exit_status, 0);
    EXPECT_TRUE(psEntry(id).isEmpty());
    EXPECT_TRUE(residueOf(id).empty());
}

TEST_F(ContainerLifecycle, StopEndsAShellThatHandlesSigtermWithinTheGracePeriod) {
    const std::string id = detached({}, {"/bin/sh", "-c", "trap 'exit 3' TERM; while true; do sleep 0.05; done"});
    const CliResult stop = runVirtlab({"container", "stop", "--time", "5", id});
    EXPECT_EQ(stop.out, "terminated\n") << stop.err;
    EXPECT_EQ(psEntry(id)["exit_code"].toInt(), 3);
}

TEST_F(ContainerLifecycle, RmForceAndRunDetachedWithRmLeaveNothing) {
    const std::string id = detached({}, {"sleep", "60"});
    EXPECT_EQ(runVirtlab({"container", "rm", "--force", id}).exit_status, 0);
    EXPECT_TRUE(residueOf(id).empty());

    const std::string gone = detached({"--rm"}, {"true"});
    EXPECT_TRUE(eventually([&] { return psEntry(gone).isEmpty(); }));
    EXPECT_TRUE(residueOf(gone).empty());
}

TEST_F(ContainerLifecycle, CpusIsWrittenToTheCgroup) {
    const std::string id = detached({"--cpus", "0.5"}, {"sleep", "60"});
    const QJsonObject dirs = json(runVirtlab({"container", "inspect", id, "--json"}))["cgroup_dirs"].toObject();
    const std::string cpu = dirs["cpu"].toString().toStdString();
    ASSERT_FALSE(cpu.empty());
    if (auto max = ct::readTextFile(cpu + "/cpu.max")) {
        EXPECT_EQ(*max, "50000 100000\n");
    } else {
        EXPECT_EQ(ct::readTextFile(cpu + "/cpu.cfs_quota_us").value_or("?"), "50000\n");
        EXPECT_EQ(ct::readTextFile(cpu + "/cpu.cfs_period_us").value_or("?"), "100000\n");
    }
    EXPECT_EQ(runVirtlab({"container", "run", "--cpus", "0.001", "--", "true"}).exit_status, 2);
    EXPECT_EQ(runVirtlab({"container", "run", "--cpus", "half", "--", "true"}).exit_status, 2);
}

TEST_F(ContainerLifecycle, GcAfterSigkillOfTheMonitorLeavesNothing) {
    const std::string id = detached({"--memory", "32m"}, {"sleep", "60"});
    const QJsonObject inspect = json(runVirtlab({"container", "inspect", id, "--json"}));
    const pid_t monitor = static_cast<pid_t>(inspect["owner_pid"].toInteger());
    ASSERT_GT(monitor, 1);
    ASSERT_EQ(::kill(monitor, SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return psEntry(id)["status"].toString() == "dead"; }));
    EXPECT_FALSE(residueOf(id).empty()) << "the cgroup and state stay until gc";

    // gc leaves a live container alone.
    const std::string live = detached({}, {"sleep", "60"});
    const QJsonObject gc = json(runVirtlab({"container", "gc", "--json"}));
    EXPECT_TRUE(gc["problems"].toArray().isEmpty());
    bool removed_state = false;
    for (const auto& r : gc["removed"].toArray()) removed_state |= r.toString().contains(QString::fromStdString(id));
    EXPECT_TRUE(removed_state);
    EXPECT_EQ(psEntry(live)["status"].toString(), "running");
    EXPECT_TRUE(psEntry(id).isEmpty());
    // The live container's cgroup would count as residue of any run: remove it first.
    EXPECT_EQ(runVirtlab({"container", "rm", "--force", live}).exit_status, 0);
    const auto residue = residueOf(id);
    EXPECT_TRUE(residue.empty()) << residue.front();
}

TEST_F(ContainerLifecycle, GcAfterSigkillOfAForegroundRun) {
    auto run = std::async(std::launch::async, [] { return runVirtlab({"container", "run", "--name", "vlab-fg", "--", "sleep", "60"}, 30); });
    std::string id;
    ASSERT_TRUE(eventually([&] {
        for (const auto& dir : ct::listStateDirs()) {
            const auto r = ct::readRecord(dir);
            if (r && r->name == "vlab-fg" && r->status == "running") id = r->id;
        }
        return !id.empty();
    }));
    const auto record = ct::readRecord(ct::stateBase() + "/" + id);
    ASSERT_TRUE(record);
    ASSERT_EQ(::kill(record->owner_pid, SIGKILL), 0);
    run.get();
    ASSERT_TRUE(eventually([&] { return psEntry(id)["status"].toString() == "dead"; }));
    EXPECT_EQ(runVirtlab({"container", "gc"}).exit_status, 0);
    EXPECT_TRUE(residueOf(id).empty());
}

// `logs` of a detached container: both streams in the order written; --follow returns when
// the container exits; the log goes with `rm`.
TEST_F(ContainerLifecycle, LogsOfADetachedContainerFollowUntilItExitsAndGoWithRm) {
    const std::string id = detached({}, {"/bin/sh", "-c", "echo out-1; echo err-1 >&2; sleep 0.5; echo out-2"});
    const CliResult follow = runVirtlab({"container", "logs", "--follow", id}, 20);
    EXPECT_EQ(follow.exit_status, 0) << follow.err;
    EXPECT_EQ(follow.out, "out-1\nerr-1\nout-2\n");
    EXPECT_EQ(psEntry(id)["status"].toString(), "exited") << "--follow returned before the container exited";

    const CliResult logs = runVirtlab({"container", "logs", id});
    EXPECT_EQ(logs.exit_status, 0) << logs.err;
    EXPECT_EQ(logs.out, follow.out);
    const std::string log_file = ct::stateBase() + "/" + id + "/log";
    EXPECT_TRUE(std::filesystem::exists(log_file));

    EXPECT_EQ(runVirtlab({"container", "rm", id}).exit_status, 0);
    EXPECT_FALSE(std::filesystem::exists(log_file));
    const CliResult gone = runVirtlab({"container", "logs", id});
    EXPECT_EQ(gone.exit_status, 2) << gone.err;
    EXPECT_TRUE(residueOf(id).empty());
}

TEST_F(ContainerLifecycle, LogsFollowsARunningContainerAndGcRemovesADeadOnesLog) {
    const std::string id = detached({}, {"/bin/sh", "-c", "echo started; exec sleep 60"});
    // Without --follow: what is there now, at once, while the container runs on.
    ASSERT_TRUE(eventually([&] { return runVirtlab({"container", "logs", id}).out == "started\n"; }));
    const QJsonObject inspect = json(runVirtlab({"container", "inspect", id, "--json"}));
    ASSERT_EQ(::kill(static_cast<pid_t>(inspect["owner_pid"].toInteger()), SIGKILL), 0);
    // The monitor is gone: --follow must not wait for an exit nobody will record.
    const CliResult follow = runVirtlab({"container", "logs", "--follow", id}, 20);
    EXPECT_EQ(follow.out, "started\n");
    EXPECT_EQ(runVirtlab({"container", "gc"}).exit_status, 0);
    EXPECT_FALSE(std::filesystem::exists(ct::stateBase() + "/" + id));
    EXPECT_TRUE(residueOf(id).empty());
}

TEST_F(ContainerLifecycle, UnknownIdsAreUsageErrors) {
    EXPECT_EQ(runVirtlab({"container", "inspect", "vlab-no-such"}).exit_status, 2);
    EXPECT_EQ(runVirtlab({"container", "stop", "vlab-no-such"}).exit_status, 2);
    EXPECT_EQ(runVirtlab({"container", "exec", "vlab-no-such", "--", "true"}).exit_status, 2);
}

}  // namespace
}  // namespace vl::test
