#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
