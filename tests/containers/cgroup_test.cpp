// Unit tests of cgroup detection and of the v1/v2 tables, on /proc text captured from real
// machines: this hybrid one (v1 controllers plus an empty cgroup2 at .../unified) and a
// systemd machine with cgroup v2 only.
#include <gtest/gtest.h>

#include <map>

#include "containers/cgroup.h"

namespace vl::ct {
namespace {

// /proc/self/mountinfo and /proc/self/cgroup of this Debian 12 machine (trimmed).
constexpr const char* kHybridMountinfo =
    "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
constexpr const char* kHybridSelfCgroup =
    "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/17d6\n1:cpu:/\n0::/\n";

// A cgroup v2-only systemd machine: one unified hierarchy, the shell in a session scope.
constexpr const char* kUnifiedMountinfo =
    "24 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n"
    "30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
constexpr const char* kUnifiedSelfCgroup = "0::/user.slice/user-1000.slice/session-2.scope\n";

TEST(CgroupDetect, HybridMachineUsesV1ForMemoryAndPids) {
    const CgroupLayout layout = detectCgroupLayout(kHybridMountinfo, kHybridSelfCgroup);
    ASSERT_TRUE(layout.version.has_value());
    EXPECT_EQ(*layout.version, CgroupVersion::V1);
    ASSERT_EQ(layout.v1.size(), 3u) << "only the controllers VirtLab uses are kept (memory, pids, cpu; no cpuacct here)";
    EXPECT_EQ(layout.v1.at("cpu").mount_point, "/sys/fs/cgroup/cpu");
    EXPECT_EQ(layout.v1.at("memory").mount_point, "/sys/fs/cgroup/memory");
    EXPECT_EQ(layout.v1.at("memory").own_path, "/process_api/17d6");
    EXPECT_EQ(layout.v1.at("pids").mount_point, "/sys/fs/cgroup/pids");
    EXPECT_EQ(layout.v1.at("pids").own_path, "/");
    ASSERT_TRUE(layout.v2.has_value()) << "the empty unified hierarchy is still seen";
    EXPECT_EQ(layout.v2->mount_point, "/sys/fs/cgroup/unified");
}

TEST(CgroupDetect, UnifiedOnlyMachineUsesV2) {
    const CgroupLayout layout = detectCgroupLayout(kUnifiedMountinfo, kUnifiedSelfCgroup);
    ASSERT_TRUE(layout.version.has_value());
    EXPECT_EQ(*layout.version, CgroupVersion::V2);
    EXPECT_TRUE(layout.v1.empty());
    ASSERT_TRUE(layout.v2.has_value());
    EXPECT_EQ(layout.v2->mount_point, "/sys/fs/cgroup");
    EXPECT_EQ(layout.v2->own_path, "/user.slice/user-1000.slice/session-2.scope");
}

TEST(CgroupDetect, NoCgroupFileSystemMeansNoVersion) {
    const CgroupLayout layout = detectCgroupLayout("24 1 8:2 / / rw - ext4 /dev/sda2 rw\n", "0::/\n");
    EXPECT_FALSE(layout.version.has_value());
}

TEST(CgroupDetect, CoMountedAndEscapedAndSubtreeMounts) {
    // memory and pids co-mounted in one hierarchy whose mount point holds a space (\040), and
    // a mount of a sub-tree ("/outer") whose processes read "/outer/inner" in /proc/self/cgroup.
    const CgroupLayout layout = detectCgroupLayout(
        "50 31 0:40 /outer /cg\\040root rw - cgroup cgroup rw,memory,pids\n", "3:memory,pids:/outer/inner\n");
    ASSERT_EQ(layout.v1.size(), 2u);
    EXPECT_EQ(layout.v1.at("memory").mount_point, "/cg root");
    EXPECT_EQ(layout.v1.at("memory").own_path, "/inner");
    EXPECT_EQ(layout.v1.at("pids").mount_point, "/cg root");
}

TEST(CgroupDetect, IgnoresMalformedLines) {
    const CgroupLayout layout = detectCgroupLayout("garbage\n\n1 2 3\n- cgroup\n", "nonsense\n");
    EXPECT_FALSE(layout.version.has_value());
}

TEST(CgroupTables, LimitFilesDifferByVersion) {
    const CgroupLimits limits{64ull << 20, 32, std::nullopt};
    const auto v1 = limitWrites(CgroupVersion::V1, limits);
    ASSERT_EQ(v1.size(), 2u);
    EXPECT_EQ(v1[0].file, "memory.limit_in_bytes");
    EXPECT_EQ(v1[0].value, "67108864");
    EXPECT_EQ(v1[1].file, "pids.max");
    EXPECT_EQ(v1[1].value, "32");
    const auto v2 = limitWrites(CgroupVersion::V2, limits);
    ASSERT_EQ(v2.size(), 2u);
    EXPECT_EQ(v2[0].file, "memory.max");
    EXPECT_EQ(v2[1].file, "pids.max");
    EXPECT_TRUE(limitWrites(CgroupVersion::V2, CgroupLimits{}).empty());
}

TEST(CgroupTables, ReadingsParseWholeFilesAndKeyedLines) {
    EXPECT_EQ(parseReading("1236992\n", ""), 1236992u);
    EXPECT_EQ(parseReading("max\n", ""), std::nullopt);
    const char* events = "low 0\nhigh 0\nmax 17\noom 1\noom_kill 1\noom_group_kill 0\n";
    EXPECT_EQ(parseReading(events, "max"), 17u);
    EXPECT_EQ(parseReading(events, "oom_kill"), 1u);
    EXPECT_EQ(parseReading("oom_kill 5\noom 2\n", "oom"), 2u) << "a key must match whole, not as a prefix";
    EXPECT_EQ(parseReading(events, "missing"), std::nullopt);
    EXPECT_EQ(parseReading("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill"), 3u);
}

TEST(CgroupTables, BothVersionsOfferTheSameReadings) {
    std::vector<std::string> v1, v2;
    for (const auto& s : readingSpecs(CgroupVersion::V1)) v1.push_back(s.name);
    for (const auto& s : readingSpecs(CgroupVersion::V2)) v2.push_back(s.name);
    EXPECT_EQ(v1, v2);
}

TEST(CgroupV2Parent, RootProcessCreatesAtTheRoot) {
    EXPECT_EQ(chooseV2Parent("/", {"memory", "pids"}, [](const std::string&) { return std::string(); }), "/");
}

TEST(CgroupV2Parent, NearestAncestorWithTheControllersEnabled) {
    const std::map<std::string, std::string> subtree{
        {"/user.slice", "cpu memory pids\n"},
        {"/user.slice/user-1000.slice", "memory pids\n"},
        {"/user.slice/user-1000.slice/session-2.scope", "memory pids\n"},  // our own: never a parent
    };
    const auto read = [&](const std::string& path) {
        auto it = subtree.find(path);
        return it == subtree.end() ? std::string() : it->second;
    };
    EXPECT_EQ(chooseV2Parent("/user.slice/user-1000.slice/session-2.scope", {"memory", "pids"}, read),
              "/user.slice/user-1000.slice");
    EXPECT_EQ(chooseV2Parent("/user.slice/user-1000.slice/session-2.scope", {"memory", "pids", "cpu"}, read),
              "/user.slice");
    EXPECT_EQ(chooseV2Parent("/user.slice/user-1000.slice/session-2.scope", {"io"}, read), "/");
    EXPECT_EQ(chooseV2Parent("/lonely", {"memory"}, read), "/");
}

}  // namespace
}  // namespace vl::ct
