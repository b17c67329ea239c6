// The disk fills up during `image build` and `image import`: the image store sits on a 1 MiB
// tmpfs (bound over /var/lib/virtlab/images in a private mount namespace by vlab_fault_exec),
// so write(2) really returns ENOSPC. The command fails naming the cause, the store and its
// build cache are byte for byte what they were, no staging or temporary file is left, and the
// next command on the same store works.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "containers/image/image_store.h"
#include "core/temp_dir.h"
#include "tests/containers/image_tar_writer.h"
#include "tests/fault/fault_support.h"

namespace vl::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStore = "/var/lib/virtlab/images";
constexpr size_t kBigFile = 2 << 20;  // twice the tmpfs

class DiskFull : public testing::Test {
protected:
    void SetUp() override {
        // The real store's directory is only a mount point here; it is never written to.
        fs::create_directories(kStore);
        store_ = tmpfs_.path() + "/store";
        ASSERT_EQ(::mkdir(store_.c_str(), 0700), 0);
        writeFile(context_.path() + "/small.txt", "a small file\n");
        writeFile(context_.path() + "/big.bin", incompressibleBytes(kBigFile));
        // An image that fits: the store is not empty when the fault comes.
        const CliResult base = build("FROM scratch\nCOPY small.txt /small.txt\nCMD [\"/small.txt\"]\n", "fault/base");
        ASSERT_EQ(base.exit_status, 0) << base.err;
    }

    CliResult image(const std::vector<std::string>& args) {
        std::vector<std::string> all{"image"};
        all.insert(all.end(), args.begin(), args.end());
        return runVirtlabUnder({"--bind", store_ + ":" + kStore}, all);
    }
    CliResult build(const std::string& labfile, const std::string& name) {
        writeFile(context_.path() + "/Labfile", labfile);
        return image({"build", "-f", context_.path() + "/Labfile", "-t", name, context_.path()});
    }

    // Nothing a failed writer might leave: staging directories, temporary record names.
    std::vector<std::string> debris() const {
        std::vector<std::string> out;
        for (const auto& [path, what] : treeSnapshot(store_))
            if (path.rfind("tmp/", 0) == 0 || path.find(".tmp-") != std::string::npos) out.push_back(path);
        return out;
    }

    void expectFailedForLackOfSpace(const CliResult& result) {
        EXPECT_EQ(result.exit_status, 1) << "disk full is a system failure, not bad input: " << result.err;
        EXPECT_NE(result.err.find("No space left on device"), std::string::npos) << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one line: " << result.err;
    }

    void expectTheStoreStillWorks() {
        const CliResult list = image({"ls"});
        EXPECT_EQ(list.exit_status, 0) << list.err;
        EXPECT_NE(list.out.find("fault/base"), std::string::npos) << list.out;
        const CliResult again = build("FROM scratch\nCOPY small.txt /again.txt\n", "fault/again");
        EXPECT_EQ(again.exit_status, 0) << again.err;
        EXPECT_EQ(debris(), std::vector<std::string>{});
    }

    SmallTmpfs tmpfs_{"1m"};
    TempDir context_{"vlfault-context"};
    std::string store_;
};

TEST_F(DiskFull, DuringABuildTheStoreAndCacheStayAsTheyWere) {
    const auto before = treeSnapshot(store_);
    ASSERT_FALSE(before.empty());
    // Step 2 hits the cache (the base image made it); step 3 cannot fit.
    const CliResult result =
        build("FROM scratch\nCOPY small.txt /small.txt\nCOPY big.bin /big.bin\nCMD [\"/big.bin\"]\n", "fault/big");
    expectFailedForLackOfSpace(result);
    EXPECT_EQ(treeSnapshot(store_), before) << "the store or its build cache changed";
    EXPECT_EQ(debris(), std::vector<std::string>{});
    expectTheStoreStillWorks();
}

TEST_F(DiskFull, DuringAnImportTheStoreStaysAsItWas) {
    // A docker-save archive unpacked as a directory (import takes both), so the space runs out
    // while the layer itself is unpacked into the store's staging area.
    const std::string archive = context_.path() + "/saved";
    fs::create_directories(archive + "/layer0");
    TarWriter(archive + "/layer0/layer.tar").file("big.bin", incompressibleBytes(kBigFile)).close();
    writeFile(archive + "/manifest.json",
              R"([{"Config":"config.json","RepoTags":["fault/imported"],"Layers":["layer0/layer.tar"]}])");
    writeFile(archive + "/config.json", R"({"architecture":"amd64","os":"linux","config":{"Cmd":["/big.bin"]}})");
    const auto before = treeSnapshot(store_);

    expectFailedForLackOfSpace(image({"import", archive}));
    EXPECT_EQ(treeSnapshot(store_), before) << "the store changed";
    EXPECT_EQ(debris(), std::vector<std::string>{});
    expectTheStoreStillWorks();
}

TEST_F(DiskFull, DuringAnImportOfATarTheStoreStaysAsItWas) {
    // As `docker save` writes it: the outer archive is unpacked into staging first.
    const std::string layer = context_.path() + "/layer.tar";
    TarWriter(layer).file("big.bin", incompressibleBytes(kBigFile)).close();
    const std::string archive = context_.path() + "/saved.tar";
    writeDockerSave(archive, "fault/imported", {layer}, {"/big.bin"});
    const auto before = treeSnapshot(store_);

    expectFailedForLackOfSpace(image({"import", archive}));
    EXPECT_EQ(treeSnapshot(store_), before) << "the store changed";
    EXPECT_EQ(debris(), std::vector<std::string>{});
    expectTheStoreStillWorks();
}

// The space runs out at each write of a build in turn: a full tmpfs with 0, 1, 2... pages
// left (tmpfs charges file data by the page; directories cost none). Whichever write fails
// (0: the copied file, 1 and 2: a build cache entry, 3: the image record, 4: none; measured
// here with 4 KiB pages), what the store holds is whole:
// every cache entry and image record names layers that exist, and nothing is half there.
class DiskFullAtEveryWrite : public DiskFull, public testing::WithParamInterface<int> {
protected:
    void fillAllBut(long pages) {
        struct statvfs fs_info {};
        ASSERT_EQ(::statvfs(tmpfs_.path().c_str(), &fs_info), 0);
        const long page = ::sysconf(_SC_PAGESIZE);
        const long free_pages = static_cast<long>(fs_info.f_bavail * fs_info.f_frsize) / page;
        ASSERT_GT(free_pages, pages);
        writeFile(tmpfs_.path() + "/filler", std::string(static_cast<size_t>((free_pages - pages) * page), 'f'));
    }

    // What the store lists refers only to what it holds.
    std::vector<std::string> danglingReferences() const {
        std::vector<std::string> out;
        const ct::image::ImageStore store(store_);
        for (const auto& record : store.list())
            for (const auto& layer : record.layers)
                if (!store.hasLayer(layer)) out.push_back("image " + record.name + " -> missing layer " + layer);
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(store_ + "/cache", ec)) {
            std::ifstream in(entry.path());
            std::string layer, below;
            std::getline(in, layer);
            std::getline(in, below);
            if (!layer.empty() && !store.hasLayer(layer)) out.push_back("cache " + entry.path().filename().string() + " -> " + layer);
            if (!below.empty() && !store.hasLayer(below)) out.push_back("cache " + entry.path().filename().string() + " below " + below);
        }
        return out;
    }
};

TEST_P(DiskFullAtEveryWrite, WhatTheStoreHoldsIsWhole) {
    writeFile(context_.path() + "/new.txt", "content no layer has yet\n");
    fillAllBut(GetParam());
    const std::string labfile = "FROM scratch\nCOPY new.txt /new.txt\nCMD [\"/new.txt\"]\n";
    const CliResult result = build(labfile, "fault/tight");
    // No page left: the copied file itself cannot be written, so that build must fail.
    if (GetParam() == 0) {
        EXPECT_NE(result.exit_status, 0);
    }
    if (result.exit_status != 0) expectFailedForLackOfSpace(result);
    EXPECT_EQ(debris(), std::vector<std::string>{});
    EXPECT_EQ(danglingReferences(), std::vector<std::string>{});
    const CliResult list = image({"ls"});
    EXPECT_EQ(list.exit_status, 0) << list.err;
    EXPECT_EQ(list.out.find("fault/tight") != std::string::npos, result.exit_status == 0) << list.out;

    // Space again: the same build now completes, from whatever the failed one kept.
    ASSERT_EQ(::unlink((tmpfs_.path() + "/filler").c_str()), 0);
    const CliResult again = build(labfile, "fault/tight");
    EXPECT_EQ(again.exit_status, 0) << again.err;
    EXPECT_EQ(danglingReferences(), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(PagesLeft, DiskFullAtEveryWrite, testing::Values(0, 1, 2, 3, 4));

}  // namespace
}  // namespace vl::test
