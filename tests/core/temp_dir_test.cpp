#include <gtest/gtest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/remove_tree.h"
#include "core/temp_dir.h"

namespace fs = std::filesystem;

TEST(TempDir, IsRemovedWithEverythingInItWhenItsOwnerGoes) {
    std::string path;
    {
        vl::TempDir dir("virtlab-test");
        path = dir.path();
        ASSERT_TRUE(fs::is_directory(path));
        fs::create_directories(path + "/a/b");
        std::ofstream(path + "/a/b/file") << "x";
    }
    EXPECT_FALSE(fs::exists(path));
}

TEST(RemoveTree, NeverCrossesIntoAMountedFileSystem) {
    if (geteuid() != 0) GTEST_SKIP() << "mounting needs root";
    vl::TempDir outside("virtlab-test-outside");
    std::ofstream(outside.path() + "/precious") << "host data";
    vl::TempDir dir("virtlab-test-tree");
    fs::create_directories(dir.path() + "/a/mnt");
    std::ofstream(dir.path() + "/a/file") << "x";
    // A bind mount of another directory inside the tree, in a private mount namespace of a
    // child so nothing is visible (or left) outside this test.
    const pid_t child = fork();
    if (child == 0) {
        if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            mount(outside.path().c_str(), (dir.path() + "/a/mnt").c_str(), nullptr, MS_BIND, nullptr) != 0)
            _exit(3);
        const std::string problem = vl::removeTreeOnOneFileSystem(dir.path());
        _exit(problem.find("mounted inside") != std::string::npos ? 0 : 4);
    }
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    EXPECT_TRUE(fs::exists(outside.path() + "/precious")) << "the bind-mounted directory's files survive";
    EXPECT_FALSE(fs::exists(dir.path() + "/a/file")) << "what was ours is gone";
    EXPECT_EQ(vl::removeTreeOnOneFileSystem(dir.path()), "") << "with the mount gone, the rest goes";
    EXPECT_FALSE(fs::exists(dir.path()));
}
