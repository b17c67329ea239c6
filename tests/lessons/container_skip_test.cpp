// Why a container world is skipped: the reason a lesson prints must name the real obstacle.
#include <gtest/gtest.h>

#include <chrono>

#include "lessons/scenario_runner.h"
#include "lessons/world_runs.h"

using vl::lessons::containerSkipReason;

namespace {

const char* kV1 =
    "30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid shared:12 - cgroup cgroup rw,memory\n"
    "31 25 0:27 / /sys/fs/cgroup/pids rw,nosuid shared:13 - cgroup cgroup rw,pids\n"
    "32 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:14 - cgroup cgroup rw,cpu,cpuacct\n";
const char* kV1NoPids = "30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid shared:12 - cgroup cgroup rw,memory\n";
const char* kV2 = "29 25 0:25 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw\n";

bool always(const std::string&) { return true; }
bool never(const std::string&) { return false; }

TEST(ContainerSkip, RootWithControllersRuns) {
    EXPECT_EQ(containerSkipReason(true, vl::ct::detectCgroupLayout(kV1, "5:memory:/\n4:pids:/\n3:cpu,cpuacct:/\n"), always), "");
    EXPECT_EQ(containerSkipReason(true, vl::ct::detectCgroupLayout(kV2, "0::/user.slice\n"), always), "");
}

TEST(ContainerSkip, SaysWhy) {
    EXPECT_EQ(containerSkipReason(false, vl::ct::detectCgroupLayout(kV1, ""), always),
              "containers with cgroup limits and a host network need root here "
              "(only a rootless container, lab.container({rootless: true}), runs without)");
    EXPECT_EQ(containerSkipReason(true, vl::ct::detectCgroupLayout("", ""), always),
              "no cgroup file system is mounted here, so no container can be limited or accounted");
    EXPECT_EQ(containerSkipReason(true, vl::ct::detectCgroupLayout(kV1NoPids, "5:memory:/\n"), always),
              "the cgroup v1 controller 'pids' is not mounted here");
    const QString v2 = containerSkipReason(true, vl::ct::detectCgroupLayout(kV2, "0::/user.slice/app\n"), never);
    EXPECT_TRUE(v2.startsWith("the cgroup v2 subtree /sys/fs/cgroup/user.slice/app is not delegated")) << v2.toStdString();
}

// Options are checked before anything starts (and before the root check), so these fail the
// same way for every user and never create a container.
TEST(ContainerOptions, BadOptionsAreErrorsNamingTheCall) {
    const vl::lessons::ScenarioRunner runner(std::chrono::seconds(10));
    const auto cpus = runner.runSource("lab.container({argv: ['/bin/true'], cpus: 'lots'});", "t.js");
    EXPECT_TRUE(cpus.error.startsWith("t.js:1: Error: lab.container: cpus")) << cpus.error.toStdString();
    const auto host = runner.runSource("lab.container({program: '/bin/sh'});", "t.js");
    EXPECT_NE(host.error.indexOf("lab.container: program '/bin/sh' must be the name of a built VirtLab program"), -1)
        << host.error.toStdString();
    const auto both = runner.runSource("lab.container({command: 'true', argv: ['true']});", "t.js");
    EXPECT_NE(both.error.indexOf("give only one of command"), -1) << both.error.toStdString();
}

}  // namespace
