// A GUI-style image run (the layer stack mounted in the host's mount table, which a threaded
// process cannot avoid) SIGKILLed mid-start-up, in the parent's phases and in the container's:
// the overlay stays mounted at /tmp/virtlab-layers-*, and `container gc` must unmount it and
// remove its directory and record, leaving no residue at all.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "containers/rootfs.h"
#include "tests/containers/residue.h"
#include "tests/fault/fault_support.h"

namespace vl::test {
namespace {

class KillDuringAGuiStyleImageRun : public testing::TestWithParam<std::string> {};

TEST_P(KillDuringAGuiStyleImageRun, GcUnmountsTheOverlayAndLeavesNothing) {
    if (::geteuid() != 0) GTEST_SKIP() << "overlay mounts and containers need root";
    ct::BusyboxRootfs rootfs;
    rootfs.ensure();
    const auto before = stateBaseEntries();

    ::setenv("VIRTLAB_FAULT", ("kill-after:" + GetParam()).c_str(), 1);
    const CliResult killed = runProgram({VLAB_LAYER_RUN_EXEC, rootfs.path()}, 20);
    ::unsetenv("VIRTLAB_FAULT");
    EXPECT_EQ(killed.exit_status, 128 + 9) << killed.err;
    const std::string mount_point = killed.out.substr(0, killed.out.find('\n'));
    ASSERT_TRUE(mount_point.starts_with("/tmp/virtlab-layers-")) << killed.out << killed.err;
    const std::string holder = std::filesystem::path(mount_point).parent_path().string();
    EXPECT_FALSE(hostMountsMentioning(mount_point).empty()) << "the killed run's overlay should still be mounted";

    const CliResult gc = runVirtlab({"container", "gc"});
    EXPECT_EQ(gc.exit_status, 0) << gc.out << gc.err;
    EXPECT_NE(gc.out.find("removed mount " + mount_point), std::string::npos) << gc.out;
    EXPECT_NE(gc.out.find("removed layers " + holder), std::string::npos) << gc.out;
    EXPECT_TRUE(hostMountsMentioning(mount_point).empty());
    EXPECT_FALSE(std::filesystem::exists(holder));
    EXPECT_EQ(stateDirsLeftSince(before), std::vector<std::string>{});
    EXPECT_EQ(residueOf(""), std::vector<std::string>{});
}

std::string phaseTestName(const testing::TestParamInfo<std::string>& param) {
    std::string name = param.param;
    for (auto& c : name)
        if (c == '-') c = '_';
    return name;
}

// A parent phase (the container exists, not yet released) and a child one (the container's
// root is the overlay: pivot_root into it has happened).
INSTANTIATE_TEST_SUITE_P(Phases, KillDuringAGuiStyleImageRun, testing::Values("cgroup-attach", "pivot_root"), phaseTestName);

}  // namespace
}  // namespace vl::test
