// Containers on a cgroup-v2-only host, for real: every `virtlab` here runs under
// vlab_on_unified_cgroup, which mounts the kernel's unified hierarchy at /sys/fs/cgroup in a
// private mount namespace (this lab machine mounts the v1 controllers there; most users' machines
// mount only cgroup2). The runtime detects v2 by itself and works with the kernel's own files.
// Rootless runs meet systemd-style delegation: a subtree chowned to the user, as Delegate=yes does.
#include <gtest/gtest.h>

#include <QJsonDocument>
#include <QJsonObject>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/temp_dir.h"
#include "tests/support/cli_runner.h"

namespace vl::test {
namespace {

namespace fs = std::filesystem;
constexpr const char* kNobody = "65534";

QJsonObject parseObject(const std::string& text) { return QJsonDocument::fromJson(QByteArray::fromStdString(text)).object(); }

bool kernelHasCgroup2() {
    std::ifstream filesystems("/proc/filesystems");
    for (std::string line; std::getline(filesystems, line);)
        if (line.ends_with("\tcgroup2")) return true;
    return false;
}

CliResult onUnifiedHost(std::vector<std::string> argv, const std::vector<std::string>& tool_options = {}) {
    std::vector<std::string> full{VLAB_ON_UNIFIED_CGROUP};
    full.insert(full.end(), tool_options.begin(), tool_options.end());
    full.push_back("--");
    full.insert(full.end(), argv.begin(), argv.end());
    return runProgram(full);
}

CliResult virtlabOnUnifiedHost(const std::vector<std::string>& args) {
    std::vector<std::string> argv{VIRTLAB_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    return onUnifiedHost(argv);
}

// Every cgroup in the unified tree named like VirtLab's or like this test's delegated subtrees.
std::vector<std::string> leftoversInUnifiedTree() {
    const CliResult r = onUnifiedHost({"find", "/sys/fs/cgroup", "-mindepth", "1", "-type", "d", "(", "-name", "virtlab-*",
                                       "-o", "-name", "vlab-deleg-*", ")"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    std::vector<std::string> found;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) found.push_back(line);
    return found;
}

std::string controllersOfUnifiedRoot() { return onUnifiedHost({"cat", "/sys/fs/cgroup/cgroup.controllers"}).out; }

class UnifiedCgroupHost : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "mounting cgroup2 needs root";
        if (!kernelHasCgroup2()) GTEST_SKIP() << "this kernel has no cgroup2 file system";
        ASSERT_EQ(leftoversInUnifiedTree(), std::vector<std::string>{}) << "left by an earlier run";
    }
    void TearDown() override {
        if (::geteuid() == 0 && kernelHasCgroup2()) {
            EXPECT_EQ(leftoversInUnifiedTree(), std::vector<std::string>{});
        }
    }
};

TEST_F(UnifiedCgroupHost, ARunIsDetectedAsV2AndSitsInItsOwnCgroup) {
    const CliResult r = virtlabOnUnifiedHost({"container", "run", "--json", "--", "/bin/sh", "-c",
                                              "cat /proc/self/cgroup; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseObject(r.out);
    EXPECT_EQ(o["cgroup_version"].toString(), "v2");
    EXPECT_TRUE(o["cgroup_path"].toString().startsWith("/sys/fs/cgroup/virtlab-")) << r.out;
    // Its own cgroup namespace: the v2 line shows the container's cgroup as the root.
    EXPECT_TRUE(o["stdout"].toString().contains("\n0::/\n")) << r.out;
    EXPECT_GT(o["counters"].toObject()["cgroup.cpu_usage_us"].toDouble(), 0) << "read from the v2 cgroup's cpu.stat";
}

// A limit is written to the v2 file when the hierarchy has the controller; on a host whose
// controllers are all bound to v1 (this lab machine) the run stops with a reason, leaving nothing.
TEST_F(UnifiedCgroupHost, AMemoryLimitUsesMemoryMaxOrSaysTheControllerIsMissing) {
    const CliResult r = virtlabOnUnifiedHost({"container", "run", "--memory", "64m", "--", "cat", "/sys/fs/cgroup/memory.max"});
    std::istringstream words(controllersOfUnifiedRoot());
    bool has_memory = false;
    for (std::string w; words >> w;) has_memory = has_memory || w == "memory";
    if (has_memory) {
        EXPECT_EQ(r.exit_status, 0) << r.err;
        EXPECT_EQ(r.out, "67108864\n");
    } else {
        EXPECT_NE(r.exit_status, 0);
        EXPECT_NE(r.err.find("memory controller is not enabled"), std::string::npos) << r.err;
    }
}

TEST_F(UnifiedCgroupHost, ADetachedContainerIsInspectedStoppedAndRemovedFromLaterProcesses) {
    const CliResult started = virtlabOnUnifiedHost({"container", "run", "-d", "--", "sleep", "30"});
    ASSERT_EQ(started.exit_status, 0) << started.err;
    const std::string id = started.out.substr(0, started.out.find('\n'));
    ASSERT_FALSE(id.empty());

    const CliResult inspect = virtlabOnUnifiedHost({"container", "inspect", "--json", id});
    EXPECT_EQ(inspect.exit_status, 0) << inspect.err;
    const QJsonObject o = parseObject(inspect.out);
    EXPECT_EQ(o["status"].toString(), "running") << inspect.out;
    EXPECT_EQ(o["cgroup_version"].toString(), "v2") << inspect.out;
    EXPECT_EQ(leftoversInUnifiedTree().size(), 1u) << "the live container's cgroup";

    EXPECT_EQ(virtlabOnUnifiedHost({"container", "stop", "--time", "1", id}).exit_status, 0);
    const CliResult removed = virtlabOnUnifiedHost({"container", "rm", id});
    EXPECT_EQ(removed.exit_status, 0) << removed.err;
}

class RootlessOnUnifiedHost : public UnifiedCgroupHost {
protected:
    void SetUp() override {
        UnifiedCgroupHost::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        fs::permissions(work_.path(), fs::perms::owner_all | fs::perms::others_exec | fs::perms::group_exec);
        for (const std::string& dir : {runtime_, data_}) {
            fs::create_directory(dir);
            ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
        }
    }
    // `virtlab args...` as nobody; in a subtree delegated to nobody when `delegated`.
    CliResult asNobody(const std::vector<std::string>& args, bool delegated) {
        std::vector<std::string> argv{"env", "-i", "PATH=/usr/bin:/bin", "HOME=" + data_, "XDG_DATA_HOME=" + data_,
                                      "XDG_RUNTIME_DIR=" + runtime_, VIRTLAB_EXE};
        argv.insert(argv.end(), args.begin(), args.end());
        if (delegated) return onUnifiedHost(argv, {"--delegate", subtree_, "--uid", kNobody});
        argv.insert(argv.begin(), {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
        return onUnifiedHost(argv);
    }

    TempDir work_{"vltest-unified-rootless"};
    const std::string runtime_ = work_.path() + "/run";
    const std::string data_ = work_.path() + "/data";
    const std::string subtree_ = "vlab-deleg-" + std::to_string(std::random_device{}());
};

// The user's manager delegated a subtree: the rootless container gets a cgroup of its own in it.
TEST_F(RootlessOnUnifiedHost, ADelegatedSubtreeGivesTheContainerACgroup) {
    const CliResult r = asNobody({"container", "run", "--rootless", "--json", "--", "cat", "/proc/self/uid_map"}, true);
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseObject(r.out);
    EXPECT_EQ(o["cgroup_version"].toString(), "v2") << r.out;
    EXPECT_TRUE(o["cgroup_path"].toString().startsWith(QString::fromStdString("/sys/fs/cgroup/" + subtree_ + "/virtlab-"))) << r.out;
    EXPECT_EQ(o["cgroup_note"].toString(), "") << r.out;
    EXPECT_EQ(r.err.find("vlab_on_unified_cgroup"), std::string::npos) << "the subtree was empty again afterwards: " << r.err;
}

// Without delegation the cgroups belong to root: a rootless run goes on without a cgroup and
// says why, and a limit it cannot honour is refused as bad input.
TEST_F(RootlessOnUnifiedHost, WithoutDelegationNoCgroupAndLimitsAreRefused) {
    const CliResult r = asNobody({"container", "run", "--rootless", "--json", "--", "true"}, false);
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseObject(r.out);
    EXPECT_TRUE(o["cgroup_note"].toString().contains("running without cgroup limits")) << r.out;

    const CliResult limited = asNobody({"container", "run", "--rootless", "--pids", "20", "--", "true"}, false);
    EXPECT_EQ(limited.exit_status, 2) << limited.err;
    EXPECT_NE(limited.err.find("--pids"), std::string::npos) << limited.err;
}

}  // namespace
}  // namespace vl::test
