// Unit tests of the container state record (what ps/inspect/gc read), the --cpus parser and
// the CPU rows of the cgroup tables.
#include <gtest/gtest.h>

#include <unistd.h>

#include "containers/cgroup.h"
#include "containers/container_state.h"
#include "containers/limits.h"
#include "core/error.h"

namespace vl::ct {
namespace {

TEST(ContainerRecord, RoundTripsThroughItsText) {
    ContainerRecord r;
    r.id = "0123456789ab";
    r.name = "web";
    r.hostname = "box";
    r.status = "running";
    r.argv = {"/bin/sh", "-c", "echo a\\b\nc"};
    r.rootfs = "/var/lib/virtlab/rootfs/busybox";
    r.isolation = "pivot";
    r.cgroup_version = "v1";
    r.cgroup_dirs = {{"memory", "/sys/fs/cgroup/memory/virtlab-0123456789ab"}, {"pids", "/sys/fs/cgroup/pids/virtlab-0123456789ab"}};
    r.owner_pid = 42;
    r.owner_start = 123456;
    r.pid = 43;
    r.pid_start = 123460;
    r.created_unix = 1764300000;
    r.exit_code = 137;
    r.detached = true;
    r.limits = "memory=67108864";
    const ContainerRecord back = ContainerRecord::parse(r.serialize(), "state");
    EXPECT_EQ(back.serialize(), r.serialize());
    EXPECT_EQ(back.argv, r.argv);
    EXPECT_EQ(back.cgroup_dirs, r.cgroup_dirs);
    EXPECT_EQ(back.exit_code, 137);
}

TEST(ContainerRecord, MalformedRecordsNameTheLine) {
    try {
        ContainerRecord::parse("id abc\nowner 12 x\n", "/run/virtlab/abc/state");
        FAIL() << "accepted a bad owner line";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::Input);
        EXPECT_NE(std::string(e.what()).find("/run/virtlab/abc/state"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("2"), std::string::npos) << e.what();
    }
    EXPECT_THROW(ContainerRecord::parse("status running\n", "s"), Error) << "no id";
    EXPECT_THROW(ContainerRecord::parse("id a\nfrobnicate 1\n", "s"), Error);
}

TEST(ContainerRecord, OwnerIsCheckedByPidAndStartTime) {
    const auto start = processStartTime(::getpid());
    ASSERT_TRUE(start);
    EXPECT_TRUE(sameProcessAlive(::getpid(), *start));
    EXPECT_FALSE(sameProcessAlive(::getpid(), *start + 1)) << "a reused pid is not the owner";
    ContainerRecord r;
    r.owner_pid = ::getpid();
    r.owner_start = *start + 1;
    r.status = "running";
    EXPECT_EQ(r.liveStatus(), "dead");
    r.owner_start = *start;
    EXPECT_EQ(r.liveStatus(), "running");
}

TEST(CpuQuota, ParsesLikeDockerCpus) {
    EXPECT_EQ(parseCpuQuota("0.5"), 50000u);
    EXPECT_EQ(parseCpuQuota("1"), 100000u);
    EXPECT_EQ(parseCpuQuota("1.25"), 125000u);
    EXPECT_EQ(parseCpuQuota(".01"), 1000u);
    for (const char* bad : {"", ".", "0", "0.001", "1e3", "-1", "2000", "0.5x", "1.2345", "inf"})
        EXPECT_THROW(parseCpuQuota(bad), Error) << bad;
}

TEST(CpuQuota, CgroupFilesPerVersion) {
    const CgroupLimits limits{std::nullopt, std::nullopt, 50000};
    const auto v1 = limitWrites(CgroupVersion::V1, limits);
    ASSERT_EQ(v1.size(), 2u);
    EXPECT_EQ(v1[0].file, "cpu.cfs_period_us");
    EXPECT_EQ(v1[0].value, "100000");
    EXPECT_EQ(v1[1].file, "cpu.cfs_quota_us");
    EXPECT_EQ(v1[1].value, "50000");
    const auto v2 = limitWrites(CgroupVersion::V2, limits);
    ASSERT_EQ(v2.size(), 1u);
    EXPECT_EQ(v2[0].file, "cpu.max");
    EXPECT_EQ(v2[0].value, "50000 100000");
}

}  // namespace
}  // namespace vl::ct
