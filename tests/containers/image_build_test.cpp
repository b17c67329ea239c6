// The Labfile parser's errors, the layer cache's hit/miss rule, and the store's records and
// garbage collection, through the API on a store in a temporary directory (no container:
// these Labfiles have no RUN), and bad Labfiles through `virtlab image build` (exit 2).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "containers/image/image_build.h"
#include "containers/image/image_store.h"
#include "containers/image/labfile.h"
#include "core/error.h"
#include "core/temp_dir.h"
#include "tests/containers/image_tar_writer.h"
#include "tests/support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
namespace img = vl::ct::image;

void writeFile(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
}

std::string inputError(const std::string& text) {
    try {
        img::parseLabfile(text, "Labfile");
    } catch (const vl::Error& e) {
        EXPECT_EQ(e.kind(), vl::Error::Kind::Input);
        return e.what();
    }
    return "(accepted)";
}

TEST(Labfile, ParsesTheSubset) {
    const auto lab = img::parseLabfile("# a comment\nFROM busybox\nrun echo \\\n  hi > /x\nCOPY a b /srv/\n"
                                       "ENV A=1 B=\"two words\"\nENV LEGACY value here\nWORKDIR /srv\nCMD [\"/bin/sh\", \"-c\", \"cat /x\"]\n",
                                       "Labfile");
    ASSERT_EQ(lab.steps.size(), 7u);
    EXPECT_EQ(lab.steps[1].instruction, img::Instruction::Run);
    EXPECT_EQ(lab.steps[1].line, 3);
    EXPECT_TRUE(lab.steps[1].shell_form);
    EXPECT_EQ(lab.steps[1].args[0], "echo  hi > /x");  // the trimmed continuation joined by one blank
    EXPECT_EQ(lab.steps[2].args, (std::vector<std::string>{"a", "b", "/srv/"}));
    EXPECT_EQ(lab.steps[3].args, (std::vector<std::string>{"A=1", "B=two words"}));
    EXPECT_EQ(lab.steps[4].args, (std::vector<std::string>{"LEGACY=value here"}));
    EXPECT_FALSE(lab.steps[6].shell_form);
    EXPECT_EQ(lab.steps[6].args, (std::vector<std::string>{"/bin/sh", "-c", "cat /x"}));
}

TEST(Labfile, ErrorsNameFileAndLine) {
    EXPECT_EQ(inputError("FROM busybox\n\nFROBNICATE x\n"), "Labfile:3: unknown instruction 'FROBNICATE' (FROM, RUN, COPY, ENV, WORKDIR, CMD)");
    EXPECT_EQ(inputError("FROM busybox\nRUN\n"), "Labfile:2: RUN needs an argument");
    EXPECT_EQ(inputError("FROM busybox\nCOPY onlyone\n"), "Labfile:2: COPY needs a source and a destination");
    EXPECT_EQ(inputError("RUN true\n"), "Labfile:1: the first instruction must be FROM (found RUN)");
    EXPECT_EQ(inputError("FROM a\nFROM b\n"), "Labfile:2: only one FROM: multi-stage builds are not in the Labfile subset");
    EXPECT_EQ(inputError("FROM busybox\nCMD [\"x\", 1]\n"), "Labfile:2: CMD: array items must be strings");
    EXPECT_EQ(inputError("FROM busybox\nENV 1X=2\n"), "Labfile:2: ENV: '1X' is not a variable name");
    EXPECT_NE(inputError("FROM busybox\nADD x /\n").find("Labfile:2: the Docker instruction ADD"), std::string::npos);
}

class ImageBuild : public ::testing::Test {
protected:
    vl::TempDir dir_{"vltest-image-build"};
    std::string context_ = dir_.path() + "/context";
    img::ImageStore store_{dir_.path() + "/store"};

    img::BuildResult build(const std::string& labfile_text, const std::string& name) {
        writeFile(context_ + "/Labfile", labfile_text);
        return img::buildImage(store_, {context_ + "/Labfile", name, context_});
    }
    static std::vector<bool> hits(const img::BuildResult& r) {
        std::vector<bool> out;
        for (const auto& s : r.steps) out.push_back(s.cache_hit);
        return out;
    }
};

constexpr const char* kCopyLabfile =
    "FROM scratch\n"
    "COPY one.txt /srv/one.txt\n"
    "COPY two.txt /srv/\n"
    "ENV GREETING=hello\n"
    "COPY dir /srv/dir\n"
    "WORKDIR /srv/work\n"
    "CMD [\"/bin/cat\", \"/srv/one.txt\"]\n";

TEST_F(ImageBuild, CacheHitsUntilTheFirstChangedCopy) {
    writeFile(context_ + "/one.txt", "one\n");
    writeFile(context_ + "/two.txt", "two\n");
    writeFile(context_ + "/dir/nested/three.txt", "three\n");

    const auto first = build(kCopyLabfile, "vltest-copy");
    EXPECT_EQ(hits(first), (std::vector<bool>{true, false, false, false, false, false, false}));
    EXPECT_EQ(first.image.layers.size(), 4u);  // three COPY layers and the WORKDIR one
    EXPECT_EQ(first.image.workdir, "/srv/work");
    EXPECT_EQ(first.image.env, (std::vector<std::string>{"GREETING=hello"}));

    const auto again = build(kCopyLabfile, "vltest-copy");
    EXPECT_EQ(hits(again), (std::vector<bool>(7, true)));
    EXPECT_EQ(again.image.layers, first.image.layers);

    // Same content, new modification time: still a hit (as Docker: mtimes are not in the key).
    fs::last_write_time(context_ + "/two.txt", fs::file_time_type::clock::now() + std::chrono::hours(1));
    EXPECT_EQ(hits(build(kCopyLabfile, "vltest-copy")), (std::vector<bool>(7, true)));

    // Changed content of the second COPY: it and every later step miss, earlier ones hit.
    writeFile(context_ + "/two.txt", "two, edited\n");
    const auto edited = build(kCopyLabfile, "vltest-copy");
    EXPECT_EQ(hits(edited), (std::vector<bool>{true, true, false, false, false, false, false}));
    EXPECT_EQ(edited.image.layers[0], first.image.layers[0]);
    EXPECT_NE(edited.image.layers[1], first.image.layers[1]);

    // The files are where Docker's COPY rules put them.
    const auto image = store_.resolve("vltest-copy");
    EXPECT_EQ(image.lower_dirs.front(), image.layers.back().dir) << "lowerdir lists the top layer first";
    EXPECT_TRUE(img::findInStack(image.lower_dirs, "srv/one.txt"));
    EXPECT_EQ(vl::test::readWholeFile(*img::findInStack(image.lower_dirs, "srv/two.txt")), "two, edited\n");
    EXPECT_TRUE(img::findInStack(image.lower_dirs, "srv/dir/nested/three.txt"));
    EXPECT_TRUE(img::findInStack(image.lower_dirs, "srv/work"));
    EXPECT_EQ(image.argv, (std::vector<std::string>{"/bin/cat", "/srv/one.txt"}));
}

TEST_F(ImageBuild, BadLabfileLeavesTheStoreUntouched) {
    writeFile(context_ + "/one.txt", "one\n");
    writeFile(dir_.path() + "/secret.txt", "outside the context\n");
    fs::create_symlink(dir_.path() + "/secret.txt", context_ + "/sneaky");
    struct Case {
        std::string labfile, message;
    } cases[] = {
        {"FROM scratch\nCOPY one.txt /\nCOPY ../secret.txt /\n", "Labfile:3: COPY source '../secret.txt' is outside the build context"},
        {"FROM scratch\nCOPY sneaky /\n", "Labfile:2: COPY source 'sneaky' leads outside the build context through a symlink"},
        {"FROM scratch\nCOPY missing.txt /\n", "Labfile:2: COPY source 'missing.txt' does not exist"},
        {"FROM scratch\nCOPY one.txt /\nBOGUS\n", "Labfile:3: unknown instruction 'BOGUS'"},
        {"FROM vltest-not-there\n", "Labfile:1: no image 'vltest-not-there'"},
    };
    for (const auto& c : cases) {
        try {
            build(c.labfile, "vltest-bad");
            ADD_FAILURE() << "accepted: " << c.labfile;
        } catch (const vl::Error& e) {
            EXPECT_EQ(e.kind(), vl::Error::Kind::Input);
            EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
        }
        EXPECT_FALSE(fs::exists(store_.root())) << "nothing written for: " << c.labfile;
    }
    // Through the command line: exit status 2 and "FILE:LINE: reason".
    writeFile(context_ + "/Labfile", "FROM scratch\nCOPY ../secret.txt /\n");
    const auto result = vl::test::runVirtlab({"image", "build", "-f", context_ + "/Labfile", "-t", "vltest-bad", context_});
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_NE(result.err.find(context_ + "/Labfile:2: COPY source '../secret.txt' is outside the build context"), std::string::npos)
        << result.err;
}

TEST_F(ImageBuild, RemoveCollectsOnlyUnsharedLayers) {
    writeFile(context_ + "/one.txt", "one\n");
    writeFile(context_ + "/two.txt", "two\n");
    const auto base = build("FROM scratch\nCOPY one.txt /\n", "vltest-base");
    const auto child = build("FROM vltest-base\nCOPY two.txt /\nCMD [\"/two.txt\"]\n", "vltest-child");
    ASSERT_EQ(child.image.layers.size(), 2u);
    EXPECT_EQ(child.image.layers[0], base.image.layers[0]);
    EXPECT_EQ(store_.list().size(), 2u);

    const img::ImageStore::WriteLock lock(store_);
    EXPECT_TRUE(store_.remove("vltest-base").empty()) << "the child still uses the base layer";
    EXPECT_TRUE(store_.hasLayer(base.image.layers[0]));
    const auto removed = store_.remove("vltest-child");
    EXPECT_EQ(removed.size(), 2u);
    EXPECT_FALSE(store_.hasLayer(base.image.layers[0]));
    EXPECT_TRUE(store_.list().empty());
    EXPECT_TRUE(fs::is_empty(store_.root() + "/layers"));
    EXPECT_TRUE(fs::is_empty(store_.root() + "/cache")) << "cache entries of removed layers are dropped";
    EXPECT_THROW(store_.remove("vltest-child"), vl::Error);
}

TEST_F(ImageBuild, PruneCollectsCacheEntriesNoLayerAnchors) {
    // ENV on an empty parent makes no layer and sits on none: the layer rule never drops it.
    writeFile(context_ + "/one.txt", "one\n");
    build("FROM scratch\nENV A=1\nCOPY one.txt /\n", "vltest-env-first");
    const img::ImageStore::WriteLock lock(store_);
    store_.remove("vltest-env-first");
    EXPECT_FALSE(fs::is_empty(store_.root() + "/cache")) << "the ENV step's entry outlives the layers";
    EXPECT_EQ(store_.pruneBuildCache(), 1u);
    EXPECT_TRUE(fs::is_empty(store_.root() + "/cache"));
    EXPECT_EQ(store_.pruneBuildCache(), 0u);
}

TEST(ImageStoreNames, AreChecked) {
    EXPECT_NO_THROW(img::validateImageName("library/busybox:1.36"));
    EXPECT_NO_THROW(img::validateImageName("hello"));
    EXPECT_THROW(img::validateImageName("../etc"), vl::Error);
    EXPECT_THROW(img::validateImageName("Upper"), vl::Error);
    EXPECT_THROW(img::validateImageName(""), vl::Error);
    EXPECT_THROW(img::validateImageName("a:"), vl::Error);
}

}  // namespace
