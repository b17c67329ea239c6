// Hostile and well-formed layer archives through the safe unpacker (safe_unpack.h), each
// crafted here with libarchive, and the same archives through `virtlab image import` (exit 2,
// no image recorded). For every escape the test checks the error names the entry and reason
// and that nothing appeared outside the target.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "containers/image/safe_unpack.h"
#include "core/error.h"
#include "core/temp_dir.h"
#include "tests/containers/image_tar_writer.h"
#include "tests/support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using vl::ct::image::UnpackOptions;
using vl::test::TarWriter;

// Every path below `dir`, for "nothing else appeared" comparisons.
std::vector<std::string> listing(const std::string& dir) {
    std::vector<std::string> out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it)
        out.push_back(it->path().string());
    std::sort(out.begin(), out.end());
    return out;
}

struct Hostile {
    const char* name;
    std::function<void(TarWriter&, const std::string& outside)> write;
    const char* reason;  // a piece of the expected message
};

class HostileArchive : public ::testing::TestWithParam<Hostile> {};

TEST_P(HostileArchive, IsRefusedAndNothingLandsOutside) {
    const Hostile& h = GetParam();
    vl::TempDir work("vltest-unpack");
    const std::string outside = work.path() + "/outside";
    fs::create_directories(outside);
    std::ofstream(outside + "/secret") << "host file\n";
    const std::string archive = work.path() + "/evil.tar";
    {
        TarWriter tar(archive);
        h.write(tar, outside);
    }
    const std::string target = work.path() + "/target";
    fs::create_directories(target);
    const auto before = listing(outside);

    UnpackOptions options;
    options.allow_devices = false;
    try {
        vl::ct::image::unpackArchiveFileSafely(archive, target, options);
        FAIL() << h.name << ": the archive was accepted";
    } catch (const vl::Error& e) {
        EXPECT_EQ(e.kind(), vl::Error::Kind::Input) << e.what();
        EXPECT_NE(std::string(e.what()).find(h.reason), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(archive), std::string::npos) << "the error names the archive: " << e.what();
    }
    EXPECT_EQ(listing(outside), before) << h.name;
    EXPECT_EQ(vl::test::readWholeFile(outside + "/secret"), "host file\n");
    EXPECT_FALSE(fs::exists(work.path() + "/escaped"));
    EXPECT_FALSE(fs::exists("/tmp/vltest-absolute-escape"));

    // The same layer inside a docker-save archive, through the command line.
    const std::string image = work.path() + "/image.tar";
    vl::test::writeDockerSave(image, "vltest-hostile", {archive}, {"/bin/true"});
    const std::string name = "vltest-hostile-" + std::to_string(::getpid());
    vl::test::CliResult result;
    if (std::string(h.name) == "device-node" && ::geteuid() == 0) {
        // Root may unpack device nodes (as Docker does); the refusal is for everyone else.
        fs::permissions(work.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                         fs::perms::others_read | fs::perms::others_exec);
        const std::string home = work.path() + "/nobody";
        fs::create_directories(home);
        ASSERT_EQ(::chown(home.c_str(), 65534, 65534), 0);
        result = vl::test::runProgram({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=" + home,
                                       "XDG_DATA_HOME=" + home, VIRTLAB_EXE, "image", "import", image, "-t", name});
    } else {
        result = vl::test::runVirtlab({"image", "import", image, "-t", name});
    }
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_NE(result.err.find(h.reason), std::string::npos) << result.err;
    EXPECT_EQ(listing(outside), before) << h.name;
    const auto ls = vl::test::runVirtlab({"image", "ls"});
    EXPECT_EQ(ls.out.find(name), std::string::npos) << "nothing recorded";
}

std::vector<Hostile> hostileArchives() {
    return {
        Hostile{"dotdot", [](TarWriter& tar, const std::string&) { tar.file("a/../../escaped", "x"); }, "climbs out of the target with '..'"},
        Hostile{"absolute", [](TarWriter& tar, const std::string&) { tar.file("/tmp/vltest-absolute-escape", "x"); }, "is an absolute path"},
        Hostile{"symlink-out", [](TarWriter& tar, const std::string&) { tar.dir("etc/").symlink("etc/up", "../../outside"); },
                "points out of the target"},
        Hostile{"hardlink-out", [](TarWriter& tar, const std::string&) { tar.hardlink("passwd", "../outside/secret"); },
                "climbs out of the target"},
        Hostile{"hardlink-absolute", [](TarWriter& tar, const std::string& outside) { tar.hardlink("secret", outside + "/secret"); },
                "is an absolute path"},
        Hostile{"hardlink-missing", [](TarWriter& tar, const std::string&) { tar.hardlink("x", "not/there"); },
                "does not exist in the archive"},
        Hostile{"write-through-symlink",
                [](TarWriter& tar, const std::string& outside) {
                    // Absolute symlinks are legal in a layer (they resolve inside the container);
                    // writing through one is what must fail.
                    tar.symlink("planted", outside).file("planted/dropped", "x");
                },
                "goes through the symlink 'planted' planted earlier"},
        Hostile{"hardlink-through-symlink",
                [](TarWriter& tar, const std::string& outside) { tar.symlink("s", outside).hardlink("copy", "s/secret"); },
                "goes through the symlink 's'"},
        Hostile{"device-node", [](TarWriter& tar, const std::string&) { tar.charDevice("dev/mem", 1, 1); }, "device node"}};
}

std::string caseName(const ::testing::TestParamInfo<Hostile>& param_info) {
    std::string n = param_info.param.name;
    for (auto& c : n)
        if (c == '-') c = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(Escapes, HostileArchive, ::testing::ValuesIn(hostileArchives()), caseName);

TEST(ImageUnpack, CorruptArchiveIsBadInput) {
    vl::TempDir work("vltest-unpack");
    const std::string archive = work.path() + "/corrupt.tar";
    {
        TarWriter tar(archive);
        tar.file("a.txt", std::string(4096, 'a')).file("b.txt", "b");
    }
    // Cut it in the middle of a.txt's data: libarchive reports a truncated archive.
    fs::resize_file(archive, 1024 + 512);
    const std::string target = work.path() + "/target";
    fs::create_directories(target);
    try {
        vl::ct::image::unpackArchiveFileSafely(archive, target, {});
        FAIL() << "a truncated archive was accepted";
    } catch (const vl::Error& e) {
        EXPECT_EQ(e.kind(), vl::Error::Kind::Input) << e.what();
    }
    const std::string garbage = work.path() + "/garbage.tar";
    std::ofstream(garbage) << std::string(3000, '\x7f');
    const auto result = vl::test::runVirtlab({"image", "import", garbage, "-t", "vltest-garbage"});
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_NE(result.err.find(garbage), std::string::npos) << result.err;
}

TEST(ImageUnpack, WhiteoutsBecomeOverlayWhiteouts) {
    vl::TempDir work("vltest-unpack");
    const std::string archive = work.path() + "/layer.tar.gz";
    {
        TarWriter tar(archive, /*gzip=*/true);
        tar.dir("etc/").file("etc/.wh.motd", "").dir("var/cache/", 0755).file("var/cache/.wh..wh..opq", "");
        tar.file("var/cache/new", "fresh\n").symlink("bin-sh", "/bin/busybox").file("a", "same inode").hardlink("b", "a");
    }
    const std::string target = work.path() + "/target";
    fs::create_directories(target);
    const auto stats = vl::ct::image::unpackArchiveFileSafely(archive, target, {});
    EXPECT_EQ(stats.whiteouts, 1u);
    EXPECT_EQ(stats.opaque_dirs, 1u);
    struct stat st {};
    ASSERT_EQ(::lstat((target + "/etc/motd").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) << "overlayfs whiteout: char device 0/0";
    EXPECT_FALSE(fs::exists(target + "/etc/.wh.motd"));
    char value[4] = {};
    EXPECT_EQ(::lgetxattr((target + "/var/cache").c_str(), vl::ct::image::opaqueXattrForThisUser(), value, sizeof value), 1);
    EXPECT_EQ(value[0], 'y');
    EXPECT_FALSE(fs::exists(target + "/var/cache/.wh..wh..opq"));
    EXPECT_EQ(vl::test::readWholeFile(target + "/var/cache/new"), "fresh\n");
    EXPECT_EQ(fs::read_symlink(target + "/bin-sh"), "/bin/busybox");
    struct stat a {}, b {};
    ASSERT_EQ(::stat((target + "/a").c_str(), &a), 0);
    ASSERT_EQ(::stat((target + "/b").c_str(), &b), 0);
    EXPECT_EQ(a.st_ino, b.st_ino);
}

}  // namespace
