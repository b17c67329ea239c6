// The kernel refuses what container start-up needs: cgroup creation (a read-only cgroupfs, as
// inside a Docker container) and mount(2) (a seccomp filter, as under a restrictive profile).
// Each gives one clear error, exit status 1 (DESIGN.md: the container could not start), zero
// residue, and the next run works. Both faults come from vlab_fault_exec, so the runtime meets
// the real errno at the real call.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "containers/cgroup.h"
#include "tests/containers/residue.h"
#include "tests/fault/fault_support.h"

namespace vl::test {
namespace {

// The v1 hierarchies VirtLab makes a directory in, by controller, or the v2 mount point.
std::vector<std::pair<std::string, std::string>> cgroupMounts() {
    const ct::CgroupLayout layout = ct::detectHostCgroupLayout();
    std::vector<std::pair<std::string, std::string>> out;
    if (layout.version == ct::CgroupVersion::V1) {
        for (const auto& [controller, hierarchy] : layout.v1) out.emplace_back(controller, hierarchy.mount_point);
    } else if (layout.v2) {
        out.emplace_back("unified", layout.v2->mount_point);
    }
    return out;
}

void expectCleanAndNextRunWorks(const std::vector<std::string>& state_before) {
    EXPECT_EQ(residueOf(""), std::vector<std::string>{});
    EXPECT_EQ(stateDirsLeftSince(state_before), std::vector<std::string>{}) << "a state directory was left in /run/virtlab";
    const CliResult gc = runVirtlab({"container", "gc"});
    EXPECT_EQ(gc.exit_status, 0) << gc.err;
    const CliResult next = runVirtlab({"container", "run", "--rm", "--", "/bin/echo", "next"});
    EXPECT_EQ(next.exit_status, 0) << next.err;
    EXPECT_EQ(next.out, "next\n");
}

TEST(CgroupCreationRefused, EveryHierarchyReadOnly) {
    const auto mounts = cgroupMounts();
    ASSERT_FALSE(mounts.empty());
    std::vector<std::string> options;
    for (const auto& [controller, mount_point] : mounts) options.insert(options.end(), {"--read-only", mount_point});
    const std::vector<std::string> state_before = stateBaseEntries();

    const CliResult result = runVirtlabUnder(options, {"container", "run", "--rm", "--", "/bin/true"});
    EXPECT_EQ(result.exit_status, 1) << result.err;
    EXPECT_NE(result.err.find("mkdir " + mounts.front().second), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("Read-only file system"), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one line: " << result.err;
    expectCleanAndNextRunWorks(state_before);
}

// Only the hierarchy created last refuses, so the ones before it were made: they must go.
TEST(CgroupCreationRefused, TheLastHierarchyOnlyUndoesTheOthers) {
    const auto mounts = cgroupMounts();
    if (mounts.size() < 2) GTEST_SKIP() << "a single cgroup hierarchy (v2): there is no partial creation to undo";
    // CgroupV1 creates in the order of its controller map, that is by name: the last one last.
    const std::string refused = mounts.back().second;
    const std::vector<std::string> state_before = stateBaseEntries();

    const CliResult result = runVirtlabUnder({"--read-only", refused}, {"container", "run", "--rm", "--", "/bin/true"});
    EXPECT_EQ(result.exit_status, 1) << result.err;
    EXPECT_NE(result.err.find("mkdir " + refused), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("Read-only file system"), std::string::npos) << result.err;
    expectCleanAndNextRunWorks(state_before);
}

TEST(MountRefused, TheFirstMountFailsTheStartCleanly) {
    const std::vector<std::string> state_before = stateBaseEntries();
    const CliResult result = runVirtlabUnder({"--deny-mount"}, {"container", "run", "--rm", "--", "/bin/echo", "never"});
    EXPECT_EQ(result.exit_status, 1) << result.err;
    EXPECT_EQ(result.out, "") << "the command must not have run";
    EXPECT_NE(result.err.find("container start-up failed in phase mounts"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("Operation not permitted"), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one line: " << result.err;
    expectCleanAndNextRunWorks(state_before);
}

TEST(MountRefused, WithABridgeTheVethGoesToo) {
    const std::vector<std::string> state_before = stateBaseEntries();
    const CliResult result =
        runVirtlabUnder({"--deny-mount"}, {"container", "run", "--rm", "--net", "bridge", "--", "/bin/echo", "never"});
    EXPECT_EQ(result.exit_status, 1) << result.err;
    EXPECT_NE(result.err.find("container start-up failed in phase mounts"), std::string::npos) << result.err;
    EXPECT_EQ(stateDirsLeftSince(state_before), std::vector<std::string>{});
    EXPECT_EQ(residueOf(""), std::vector<std::string>{});
}

}  // namespace
}  // namespace vl::test
