// Root tests that the limits hold, measured from the container's own cgroup (behaviour, not
// speed: wide bands, nothing timed against a budget):
//   --cpus 0.5  a busy loop gets about half a core (CPU usage over wall time)
//   --pids N    a real fork bomb stays at N processes, and VirtLab stays in charge of it
// (the memory hog's OOM kill is in cli_test.cpp).
#include <gtest/gtest.h>

#include <QJsonDocument>
#include <QJsonObject>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "detached_containers.h"
#include "residue.h"
#include "tests/support/cli_runner.h"

namespace vl::test {
namespace {

using ContainerLimits = DetachedContainers;

// Idle CPU time of the whole host so far, in microseconds (/proc/stat: idle + iowait, in
// USER_HZ ticks of 10 ms).
double hostIdleUs() {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait;
    return static_cast<double>(idle + iowait) * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

QJsonObject cgroupOf(const std::string& id) {
    const CliResult r = runVirtlab({"container", "inspect", id, "--json"});
    return QJsonDocument::fromJson(QByteArray::fromStdString(r.out)).object()["cgroup"].toObject();
}

TEST_F(ContainerLimits, HalfACpuHoldsABusyLoopNearHalfACore) {
    const std::string id = detached({"--cpus", "0.5", "--", "/bin/sh", "-c", "while :; do :; done"});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past the first period
    const auto t0 = std::chrono::steady_clock::now();
    const QJsonObject before = cgroupOf(id);
    const double idle_before = hostIdleUs();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const QJsonObject after = cgroupOf(id);
    const double idle_us = hostIdleUs() - idle_before;
    const double wall_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(before.contains("cpu_usage_us")) << "no CPU reading";
    const double used_us = static_cast<double>(after["cpu_usage_us"].toInteger() - before["cpu_usage_us"].toInteger());
    const double cores = used_us / wall_us;
    // CFS bandwidth: 50 ms per 100 ms period. Unlimited, the loop would take a whole core.
    EXPECT_LT(cores, 0.7) << "the quota held";
    // The lower bound needs a machine that had the CPU to give: on a shared host busy with
    // other work the loop gets less than its quota, through no fault of the limit.
    const double available = (used_us + idle_us) / wall_us;
    if (available >= 0.7) {
        EXPECT_GT(cores, 0.3) << "the loop ran while " << available << " cores were free to it";
        EXPECT_GT(after["cpu_throttled_periods"].toInteger(), before["cpu_throttled_periods"].toInteger())
            << "the kernel throttled the cgroup";
    } else {
        std::printf("[   INFO   ] host busy (%.2f cores free to the loop): only the upper bound checked; %.2f cores used\n",
                    available, cores);
    }
}

TEST_F(ContainerLimits, ForkBombStopsAtThePidsLimit) {
    // The classic bomb, each function call piping into another in the background, forever.
    const std::string id = detached({"--pids", "24", "--", "/bin/sh", "-c", "bomb() { bomb | bomb & }; bomb; exec sleep 60"});
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const QJsonObject cgroup = cgroupOf(id);
    EXPECT_LE(cgroup["pids_current"].toInteger(), 24);
    EXPECT_GE(cgroup["pids_limit_hits"].toInteger(), 1) << "fork() was refused at the limit";
    // VirtLab is still in charge: the container stops and leaves nothing.
    EXPECT_EQ(removeNow(id).exit_status, 0);
    const auto left = residueOf(id);
    EXPECT_TRUE(left.empty()) << left.front();
}

}  // namespace
}  // namespace vl::test
