// Unit tests of the busybox rootfs builder, in a private temp directory (never the real cache).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "containers/rootfs.h"
#include "core/error.h"
#include "core/temp_dir.h"

namespace vl::ct {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Everything in `dir` other than the rootfs itself and its lock: leftovers of a build.
std::vector<std::string> strays(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name != "busybox" && name != ".busybox.lock") out.push_back(name);
    }
    return out;
}

class RootfsTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
    }
    TempDir temp_{"virtlab-rootfs-test"};
    fs::path target_ = fs::path(temp_.path()) / "busybox";
};

TEST_F(RootfsTest, BuildsACompleteTreeOnce) {
    BusyboxRootfs rootfs(target_.string());
    EXPECT_FALSE(rootfs.isCurrent());
    EXPECT_TRUE(rootfs.ensure()) << "first use builds";
    EXPECT_TRUE(rootfs.isCurrent());

    EXPECT_EQ(fs::file_size(target_ / "bin/busybox"), fs::file_size("/bin/busybox"));
    EXPECT_EQ(fs::read_symlink(target_ / "bin/sh"), "/bin/busybox");
    EXPECT_TRUE(fs::is_symlink(target_ / "usr/bin/awk")) << "--list-full places applets in their FHS directories";
    EXPECT_NE(slurp(target_ / "etc/passwd").find("root:x:0:0:"), std::string::npos);
    EXPECT_NE(slurp(target_ / "etc/group").find("root:x:0:"), std::string::npos);
    EXPECT_FALSE(slurp(target_ / "etc/hostname").empty());
    for (const char* dir : {"proc", "dev", "sys", "tmp"}) {
        EXPECT_TRUE(fs::is_directory(target_ / dir)) << dir;
        EXPECT_TRUE(fs::is_empty(target_ / dir)) << dir;
    }
    struct stat st {};
    ASSERT_EQ(::stat((target_ / "tmp").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 01777u) << "/tmp is world-writable and sticky";

    EXPECT_FALSE(rootfs.ensure()) << "second use finds the cache";
    EXPECT_TRUE(strays(temp_.path()).empty());
}

TEST_F(RootfsTest, RebuildsWhenIncomplete) {
    BusyboxRootfs rootfs(target_.string());
    rootfs.ensure();
    fs::remove(target_ / "bin/sh");
    EXPECT_FALSE(rootfs.isCurrent());
    EXPECT_TRUE(rootfs.ensure());
    EXPECT_TRUE(fs::is_symlink(target_ / "bin/sh"));
    EXPECT_TRUE(strays(temp_.path()).empty()) << "the stale tree and the staging dir are gone";
}

TEST_F(RootfsTest, RebuildsWhenMadeFromAnotherBusybox) {
    BusyboxRootfs rootfs(target_.string());
    rootfs.ensure();
    std::ofstream(target_ / BusyboxRootfs::kStampFile) << "virtlab busybox rootfs layout 0\nbusybox /bin/busybox size 1 mtime 0.0\n";
    EXPECT_FALSE(rootfs.isCurrent());
    EXPECT_TRUE(rootfs.ensure());
    EXPECT_EQ(slurp(target_ / BusyboxRootfs::kStampFile), rootfs.expectedStamp());
}

TEST_F(RootfsTest, MissingBusyboxFailsWithoutLeavingAnything) {
    BusyboxRootfs rootfs(target_.string(), temp_.path() + "/no-such-busybox");
    try {
        rootfs.ensure();
        FAIL() << "built a rootfs without busybox";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::System);
        EXPECT_NE(std::string(e.what()).find("no-such-busybox"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(target_));
    EXPECT_TRUE(strays(temp_.path()).empty());
}

TEST(RootfsLocation, RootUsesVarLib) {
    if (::geteuid() != 0) GTEST_SKIP() << "the root location applies to root";
    EXPECT_EQ(defaultRootfsCacheDir(), "/var/lib/virtlab/rootfs/busybox");
}

}  // namespace
}  // namespace vl::ct
