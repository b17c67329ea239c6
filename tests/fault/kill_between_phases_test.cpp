// VirtLab SIGKILLed at every boundary between two start-up phases (VIRTLAB_FAULT=kill-after:
// <phase>, containers/fault_injection.h), the parent's and the container child's, with and
// without --net bridge. After each: the container's first process did not outlive VirtLab,
// `virtlab container gc` leaves zero residue (cgroups, mounts, state directories, veths, the
// bridge), and the next `container run` works.
#include <gtest/gtest.h>

#include <unistd.h>

#include <string>
#include <vector>

#include "containers/container_plan.h"
#include "tests/containers/residue.h"
#include "tests/fault/fault_support.h"

namespace vl::test {
namespace {

struct KillPoint {
    std::string phase;
    bool bridge = false;
    bool chroot = false;
};

std::string nameOf(const testing::TestParamInfo<KillPoint>& info) {
    std::string name = info.param.phase + (info.param.bridge ? "_bridge" : "") + (info.param.chroot ? "_chroot" : "");
    for (auto& c : name)
        if (c == '-') c = '_';
    return name;
}

// The parent's phases in container_run.cpp's order; "network" exists only with --net bridge.
const std::vector<std::string> kParentPhases{"rootfs-check", "state-dir", "cgroup-create", "plan", "clone", "cgroup-attach"};

std::vector<KillPoint> everyBoundary() {
    std::vector<KillPoint> points;
    for (const auto& phase : kParentPhases) points.push_back({phase});
    for (const auto& phase : ct::childPhaseNames(ct::Isolation::Pivot)) points.push_back({phase});
    // With --net bridge: from the moment a veth exists (the network phase) to the last phase.
    points.push_back({"network", true});
    for (const auto& phase : ct::childPhaseNames(ct::Isolation::Pivot)) points.push_back({phase, true});
    // The chroot mode's own root-switch phase.
    points.push_back({"chroot", false, true});
    return points;
}

class KillBetweenPhases : public testing::TestWithParam<KillPoint> {};

// Kills a `container run` after `point`'s phase, then runs `container gc` (its output in gc_said).
void killThenGc(const KillPoint& point, std::string& gc_said) {
    std::vector<std::string> args{"container", "run", "--rm"};
    if (point.bridge) args.insert(args.end(), {"--net", "bridge"});
    if (point.chroot) args.insert(args.end(), {"--isolation", "chroot"});
    // A command that would run for a long time: the container's stdout is this test's pipe,
    // so the call below returns only once the first process is gone too. Had it outlived
    // VirtLab (no PDEATHSIG), the call would time out here instead.
    args.insert(args.end(), {"--", "/bin/sleep", "60"});
    const CliResult killed = runVirtlabWithFault("kill-after:" + point.phase, args, 20);
    // Not fatal: gc below must still run, and it kills a first process that outlived its owner.
    EXPECT_NE(killed.exit_status, -1) << "the container outlived the killed VirtLab (its output pipe stayed open)";
    EXPECT_EQ(killed.exit_status, 128 + 9) << killed.err;
    EXPECT_NE(killed.err.find("VIRTLAB_FAULT: killed after phase " + point.phase), std::string::npos) << killed.err;

    const CliResult gc = runVirtlab({"container", "gc"});
    EXPECT_EQ(gc.exit_status, 0) << gc.out << gc.err;
    gc_said = gc.out;
}

void expectTheNextRunWorks(const KillPoint& point) {
    std::vector<std::string> next{"container", "run", "--rm"};
    if (point.bridge) next.insert(next.end(), {"--net", "bridge"});
    next.insert(next.end(), {"--", "/bin/echo", "after the fault"});
    const CliResult after = runVirtlab(next);
    EXPECT_EQ(after.exit_status, 0) << after.err;
    EXPECT_EQ(after.out, "after the fault\n");
    EXPECT_EQ(residueOf(""), std::vector<std::string>{});
}

TEST_P(KillBetweenPhases, GcLeavesNothingAndTheNextRunWorks) {
    const KillPoint& point = GetParam();
    const std::vector<std::string> state_before = stateBaseEntries();
    std::string gc_said;
    killThenGc(point, gc_said);
    EXPECT_EQ(residueOf(""), std::vector<std::string>{}) << "after kill-after:" << point.phase << " and gc; gc said:\n" << gc_said;
    EXPECT_EQ(stateDirsLeftSince(state_before), std::vector<std::string>{}) << "a state directory was left in /run/virtlab";
    expectTheNextRunWorks(point);
}

INSTANTIATE_TEST_SUITE_P(EveryStartupPhase, KillBetweenPhases, testing::ValuesIn(everyBoundary()), nameOf);

// A misspelt fault must not silently test nothing.
TEST(FaultVariable, AnUnknownFaultIsRefused) {
    const CliResult result = runVirtlabWithFault("kill-before:clone", {"container", "run", "--rm", "--", "/bin/true"});
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_NE(result.err.find("VIRTLAB_FAULT='kill-before:clone': expected kill-after:PHASE"), std::string::npos) << result.err;
    EXPECT_EQ(residueOf(""), std::vector<std::string>{});
}

}  // namespace
}  // namespace vl::test
