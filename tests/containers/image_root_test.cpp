// Images end to end, as root: a Labfile whose RUN step runs in a real container, the layer
// cache over a rebuild, whiteouts and opaque directories in the layer stack, the image run
// by VirtLab's runtime on its overlay lower layers (what `container run --image` does), the
// same image exported as an OCI bundle and run by crun and runc with the same output, and an
// image made by umoci imported (as a directory and as a tar) and run. Nothing is left behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "containers/container_engine.h"
#include "containers/image/image_store.h"
#include "containers/image/oci_bundle.h"
#include "containers/rootfs.h"
#include "core/temp_dir.h"
#include "tests/containers/residue.h"
#include "tests/support/cli_runner.h"

namespace {

namespace fs = std::filesystem;
namespace img = vl::ct::image;
using vl::test::runProgram;
using vl::test::runVirtlab;

void writeFile(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
}

// " ---> cache hit" or not, per "Step i/N" of `image build` output.
std::vector<bool> cacheHits(const std::string& out) {
    std::vector<bool> hits;
    std::istringstream lines(out);
    bool in_step = false;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("Step ", 0) == 0) in_step = true;
        else if (in_step && line.rfind(" ---> ", 0) == 0) {
            hits.push_back(line.find("cache hit") != std::string::npos);
            in_step = false;
        }
    }
    return hits;
}

class ImageRootTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "RUN, overlay mounts and crun/runc need root";
    }
    void TearDown() override {
        for (const auto& name : names_) runVirtlab({"image", "rm", name});
        EXPECT_TRUE(vl::test::hostMountsMentioning("virtlab-layers").empty()) << "a layer-stack mount stayed";
        EXPECT_TRUE(fs::is_empty(img::defaultImageStoreDir() + "/tmp")) << "staging stayed in the store";
    }
    std::string uniqueName(const std::string& base) {
        names_.push_back(base + "-" + std::to_string(::getpid()));
        return names_.back();
    }

    // The image run by VirtLab's runtime: the layers as overlay lower dirs, the image's Env,
    // WorkingDir and Cmd (the wiring of `container run --image NAME`).
    static std::string runImage(const std::string& name) {
        const img::ResolvedImage image = img::resolveImage(name);
        std::string id, output;
        {
            const vl::ct::LayerStackMount stack(image.lower_dirs);
            vl::ct::ContainerConfig config;
            config.rootfs = stack.path();
            config.argv = image.argv;
            config.env = image.env;
            config.workdir = image.workdir;
            vl::ct::ContainerEngine engine(config);
            EXPECT_EQ(engine.run(), vl::RunState::Finished) << engine.failure();
            EXPECT_EQ(engine.exitCode(), 0) << engine.stderrText();
            id = engine.id();
            output = engine.stdoutText();
        }
        const auto residue = vl::test::residueOf(id);
        EXPECT_TRUE(residue.empty()) << residue.front();
        return output;
    }

    std::vector<std::string> names_;
};

constexpr const char* kLabfile =
    "FROM busybox\n"
    "COPY greeting.txt /srv/greeting.txt\n"
    "# rm of a lower file: a whiteout; rm -rf and mkdir of a lower directory: an opaque directory\n"
    "RUN echo built-by-run > /from-run && rm /etc/hostname && rm -rf /root && mkdir /root && echo marker > /root/marker\n"
    "ENV WHO=lab\n"
    "WORKDIR /srv\n"
    "CMD [\"/bin/sh\", \"-c\", \"cat greeting.txt /from-run; echo $WHO; test -e /etc/hostname || echo hostname-deleted; ls /root\"]\n";

constexpr const char* kExpectedOutput = "hello from COPY\nbuilt-by-run\nlab\nhostname-deleted\nmarker\n";

TEST_F(ImageRootTest, BuildRunsInAContainerCachesAndRunsEverywhere) {
    vl::TempDir dir("vltest-image-root");
    const std::string context = dir.path() + "/context", labfile = context + "/Labfile";
    writeFile(labfile, kLabfile);
    writeFile(context + "/greeting.txt", "hello from COPY\n");
    const std::string name = uniqueName("vltest-build");

    const auto first = runVirtlab({"image", "build", "-f", labfile, "-t", name, context});
    ASSERT_EQ(first.exit_status, 0) << first.out << first.err;
    const auto first_hits = cacheHits(first.out);
    ASSERT_EQ(first_hits.size(), 6u) << first.out;
    // Step 1 (FROM busybox) may hit a base layer an earlier build made; every other step is new.
    EXPECT_EQ(std::vector<bool>(first_hits.begin() + 1, first_hits.end()), std::vector<bool>(5, false)) << first.out;
    const auto again = runVirtlab({"image", "build", "-f", labfile, "-t", name, context});
    ASSERT_EQ(again.exit_status, 0) << again.err;
    EXPECT_EQ(cacheHits(again.out), std::vector<bool>(6, true)) << again.out;

    // The layer stack as the GUI and lessons see it.
    const img::ResolvedImage image = img::resolveImage(name);
    ASSERT_EQ(image.layers.size(), 3u);  // busybox, COPY, RUN (WORKDIR /srv exists already)
    std::vector<std::pair<std::string, bool>> whiteouts;
    for (const auto& w : image.layers[2].whiteouts) whiteouts.emplace_back(w.path, w.opaque);
    EXPECT_EQ(whiteouts, (std::vector<std::pair<std::string, bool>>{{"etc/hostname", false}, {"root", true}}));
    EXPECT_EQ(image.workdir, "/srv");

    const std::string virtlab_output = runImage(name);
    EXPECT_EQ(virtlab_output, kExpectedOutput);

    // The OCI bundle under the real peers, with the same output.
    const std::string bundle = dir.path() + "/bundle";
    const auto exported = runVirtlab({"image", "export-bundle", name, bundle});
    ASSERT_EQ(exported.exit_status, 0) << exported.err;
    EXPECT_TRUE(fs::exists(bundle + "/config.json"));
    EXPECT_FALSE(fs::exists(bundle + "/rootfs/etc/hostname")) << "whiteout applied";
    for (const std::string runtime : {"crun", "runc"}) {
        const std::string id = "vltest-" + runtime + "-" + std::to_string(::getpid());
        // crun 1.8 refuses a hybrid cgroup layout whose cgroup2 mount offers a controller (this
        // machine's offers hugetlb): "cgroups in hybrid mode not supported, drop all controllers
        // from cgroupv2". In a private mount namespace without that mount it sees plain v1.
        const auto run = runtime == "crun"
            ? runProgram({"unshare", "-m", "--propagation", "slave", "sh", "-c",
                          "umount /sys/fs/cgroup/unified 2>/dev/null; exec crun run --bundle \"$0\" \"$1\"", bundle, id}, 60)
            : runProgram({runtime, "run", "--bundle", bundle, id}, 60);
        runProgram({runtime, "delete", "--force", id}, 30);  // gone already when run succeeded
        EXPECT_EQ(run.exit_status, 0) << runtime << ": " << run.err;
        EXPECT_EQ(run.out, virtlab_output) << runtime;
        EXPECT_TRUE(vl::test::cgroupsNamed(id).empty()) << runtime;
    }

    // A changed COPY source: that step and every later one miss, the earlier one hits.
    writeFile(context + "/greeting.txt", "hello again\n");
    const auto edited = runVirtlab({"image", "build", "-f", labfile, "-t", name, context});
    ASSERT_EQ(edited.exit_status, 0) << edited.err;
    EXPECT_EQ(cacheHits(edited.out), (std::vector<bool>{true, false, false, false, false, false})) << edited.out;
}

TEST_F(ImageRootTest, ContainerRunImageUsesTheImagesSettingsUnderTheCommandLines) {
    vl::TempDir context("vltest-image-run");
    writeFile(context.path() + "/greeting.txt", "hello from COPY\n");
    writeFile(context.path() + "/Labfile", kLabfile);
    const std::string name = uniqueName("vltest-run-image");
    ASSERT_EQ(runVirtlab({"image", "build", "-f", context.path() + "/Labfile", "-t", name, context.path()}).exit_status, 0);

    // No command: the image's Cmd, in its WorkingDir, with its Env.
    const auto plain = runVirtlab({"container", "run", "--image", name});
    EXPECT_EQ(plain.exit_status, 0) << plain.err;
    EXPECT_EQ(plain.out, kExpectedOutput);
    // --env wins over the image's Env, a command after -- over its Cmd; WorkingDir stays.
    const auto given = runVirtlab({"container", "run", "--image", name, "--env", "WHO=student", "--", "/bin/sh", "-c", "echo $WHO; pwd"});
    EXPECT_EQ(given.exit_status, 0) << given.err;
    EXPECT_EQ(given.out, "student\n/srv\n");

    EXPECT_EQ(runVirtlab({"container", "run", "--image", "vltest-no-such-image"}).exit_status, 2);
    const auto both = runVirtlab({"container", "run", "--image", name, "--rootfs", context.path(), "--", "true"});
    EXPECT_EQ(both.exit_status, 2);
    EXPECT_NE(both.err.find("--rootfs and --image exclude each other"), std::string::npos) << both.err;
}

TEST_F(ImageRootTest, RunStepsHaveProcAndDevAndTheLayerHoldsOnlyWhatTheyWrote) {
    vl::TempDir dir("vltest-run-proc");
    writeFile(dir.path() + "/Labfile",
              "FROM busybox\nRUN test -r /proc/self/status && test -c /dev/null && echo ok > /dev/null && "
              "grep -q '^Pid:' /proc/self/status && echo proc-and-dev > /seen\n");
    const std::string name = uniqueName("vltest-run-proc");
    const auto built = runVirtlab({"image", "build", "-f", dir.path() + "/Labfile", "-t", name});
    ASSERT_EQ(built.exit_status, 0) << built.err << built.out;
    const img::ResolvedImage image = img::resolveImage(name);
    ASSERT_EQ(image.layers.size(), 2u);
    // The RUN layer is the file the command wrote, nothing of the /proc or /dev it used.
    std::vector<std::string> entries;
    for (const auto& e : fs::recursive_directory_iterator(image.layers[1].dir)) entries.push_back(e.path().filename().string());
    EXPECT_EQ(entries, std::vector<std::string>{"seen"});
}

TEST_F(ImageRootTest, RmRefusesAnImageAKeptContainerWasStartedFrom) {
    vl::TempDir context("vltest-rm-used");
    writeFile(context.path() + "/Labfile", "FROM busybox\nCMD [\"true\"]\n");
    const std::string name = uniqueName("vltest-rm-used");
    ASSERT_EQ(runVirtlab({"image", "build", "-f", context.path() + "/Labfile", "-t", name}).exit_status, 0);
    const auto started = runVirtlab({"container", "run", "-d", "--image", name});
    ASSERT_EQ(started.exit_status, 0) << started.err;
    std::string id = started.out.substr(0, started.out.find('\n'));
    // Detached without --rm: kept, status exited, once `true` is done.
    for (int i = 0; i < 100; ++i) {
        if (runVirtlab({"container", "ps", "--all"}).out.find(id + "  ") != std::string::npos &&
            runVirtlab({"container", "ps"}).out.find(id) == std::string::npos)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto refused = runVirtlab({"image", "rm", name});
    EXPECT_EQ(refused.exit_status, 1) << refused.err;
    EXPECT_NE(refused.err.find("is used by container " + id + " (exited)"), std::string::npos) << refused.err;
    EXPECT_NE(runVirtlab({"image", "ls"}).out.find(name), std::string::npos) << "still there";
    const auto forced = runVirtlab({"image", "rm", "--force", name});
    EXPECT_EQ(forced.exit_status, 0) << forced.err;
    EXPECT_EQ(runVirtlab({"image", "ls"}).out.find(name), std::string::npos);
    EXPECT_EQ(runVirtlab({"container", "rm", id}).exit_status, 0);
    EXPECT_TRUE(vl::test::residueOf(id).empty());
}

TEST_F(ImageRootTest, FailingRunIsReportedWithItsLineAndRecordsNothing) {
    vl::TempDir dir("vltest-image-root");
    writeFile(dir.path() + "/Labfile", "FROM busybox\nRUN echo partial > /half\nRUN exit 3\nCMD [\"true\"]\n");
    const std::string name = uniqueName("vltest-failing");
    const auto result = runVirtlab({"image", "build", "-f", dir.path() + "/Labfile", "-t", name});
    EXPECT_EQ(result.exit_status, 1);
    EXPECT_NE(result.err.find(dir.path() + "/Labfile:3: RUN exited with status 3"), std::string::npos) << result.err;
    EXPECT_EQ(runVirtlab({"image", "ls"}).out.find(name), std::string::npos);
}

TEST_F(ImageRootTest, UmociImageImportsAndRuns) {
    vl::TempDir dir("vltest-umoci");
    const std::string layout = dir.path() + "/oci", image_ref = layout + ":v1";
    auto umoci = [&](std::vector<std::string> args) {
        args.insert(args.begin(), "umoci");
        const auto r = runProgram(args, 60);
        ASSERT_EQ(r.exit_status, 0) << args[1] << ": " << r.err;
    };
    umoci({"init", "--layout", layout});
    umoci({"new", "--image", image_ref});
    // Layer 1: busybox and a file; layer 2 deletes the file (a .wh. whiteout) and adds one.
    const std::string b1 = dir.path() + "/b1";
    umoci({"unpack", "--image", image_ref, b1});
    fs::create_directories(b1 + "/rootfs/bin");
    fs::create_directories(b1 + "/rootfs/etc");
    fs::copy_file("/bin/busybox", b1 + "/rootfs/bin/busybox");
    for (const char* applet : {"sh", "cat", "ls"}) fs::create_symlink("busybox", b1 + "/rootfs/bin/" + applet);
    writeFile(b1 + "/rootfs/etc/motd", "layer one\n");
    writeFile(b1 + "/rootfs/etc/keep", "kept\n");
    umoci({"repack", "--image", image_ref, b1});
    const std::string b2 = dir.path() + "/b2";
    umoci({"unpack", "--image", image_ref, b2});
    fs::remove(b2 + "/rootfs/etc/motd");
    writeFile(b2 + "/rootfs/data.txt", "from umoci\n");
    umoci({"repack", "--image", image_ref, b2});
    umoci({"config", "--image", image_ref, "--config.cmd", "/bin/sh", "--config.cmd", "-c", "--config.cmd",
           "cat /data.txt; ls /etc; echo $FROM_UMOCI", "--config.env", "FROM_UMOCI=yes"});

    const std::string name = uniqueName("vltest-umoci");
    const auto imported = runVirtlab({"image", "import", layout, "-t", name});
    ASSERT_EQ(imported.exit_status, 0) << imported.err;
    EXPECT_NE(imported.out.find("oci-layout"), std::string::npos) << imported.out;
    EXPECT_NE(imported.out.find("1 whiteouts"), std::string::npos) << imported.out;
    EXPECT_EQ(runImage(name), "from umoci\nkeep\nyes\n");

    // The same layout as a tar (what `skopeo copy oci-archive:` and `tar -C oci -c .` give).
    const std::string tar = dir.path() + "/oci.tar";
    ASSERT_EQ(runProgram({"tar", "-C", layout, "-cf", tar, "."}).exit_status, 0);
    const std::string from_tar = uniqueName("vltest-umoci-tar");
    const auto imported_tar = runVirtlab({"image", "import", tar, "-t", from_tar});
    ASSERT_EQ(imported_tar.exit_status, 0) << imported_tar.err;
    EXPECT_EQ(img::resolveImage(from_tar).layers.size(), img::resolveImage(name).layers.size());
    EXPECT_EQ(img::resolveImage(from_tar).layers.back().id, img::resolveImage(name).layers.back().id)
        << "the same content is the same layer";
}

}  // namespace
