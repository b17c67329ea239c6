// The detached container's log (container_log.h) and the records gc finds image overlays by
// (layer_mount_record.h), on plain files in a temporary directory: no root, no container.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "containers/container_log.h"
#include "containers/container_state.h"
#include "containers/layer_mount_record.h"
#include "containers/unique_fd.h"
#include "core/temp_dir.h"

namespace vl::ct {
namespace {

namespace fs = std::filesystem;

// What copyContainerLog writes, read back through a temporary file.
std::string copied(const std::string& state_dir, bool follow, bool* had_log = nullptr) {
    TempDir out_dir("virtlab-log-out");
    const std::string out_path = out_dir.path() + "/out";
    UniqueFd out(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    const bool ok = copyContainerLog(state_dir, out.get(), follow);
    if (had_log) *had_log = ok;
    std::ifstream in(out_path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string chunk(char c, size_t n) { return std::string(n, c); }

TEST(ContainerLog, KeepsWhatArrivedInOrder) {
    TempDir dir("virtlab-log");
    ContainerLogWriter log(dir.path());
    log.append("out-1\n");
    log.append("err-1\n");
    EXPECT_EQ(copied(dir.path(), false), "out-1\nerr-1\n");
    EXPECT_EQ(log.droppedBytes(), 0u);
}

TEST(ContainerLog, RotatesAtTheLimitAndKeepsTheLatestTwoFiles) {
    TempDir dir("virtlab-log");
    ContainerLogWriter log(dir.path());
    const size_t piece = kLogRotateBytes * 3 / 4;
    log.append(chunk('a', piece));
    log.append(chunk('b', piece));  // does not fit: a's file becomes log.1
    EXPECT_EQ(fs::file_size(dir.path() + "/" + kPreviousLogFile), piece);
    EXPECT_EQ(fs::file_size(dir.path() + "/" + kLogFile), piece);
    EXPECT_EQ(copied(dir.path(), false), chunk('a', piece) + chunk('b', piece));

    log.append(chunk('c', piece));  // a is gone for good: never more than two files
    EXPECT_EQ(copied(dir.path(), false), chunk('b', piece) + chunk('c', piece));
    size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
    EXPECT_EQ(files, 2u);
}

TEST(ContainerLog, FollowEndsWhenNoOwnerRunsTheContainer) {
    // No record at all (a --rm container's directory is already gone, say): what is there is
    // printed and --follow returns instead of waiting forever.
    TempDir dir("virtlab-log");
    ContainerLogWriter log(dir.path());
    log.append("last words\n");
    EXPECT_EQ(copied(dir.path(), true), "last words\n");
}

TEST(ContainerLog, AContainerWithoutALogSaysSo) {
    TempDir dir("virtlab-log");
    bool had_log = true;
    EXPECT_EQ(copied(dir.path(), false, &had_log), "");
    EXPECT_FALSE(had_log);
}

// A process that has exited, as a record's dead owner: its pid and start time.
std::pair<pid_t, uint64_t> deadProcess() {
    const pid_t child = ::fork();
    if (child == 0) {
        ::pause();
        _exit(0);
    }
    const uint64_t start = processStartTime(child).value_or(0);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    return {child, start};
}

TEST(LayerMountRecord, NamesItsHolderBeforeItExistsAndGoesWithIt) {
    TempDir base("virtlab-mount-base"), parent("virtlab-mount-parent");
    std::string record_path;
    {
        LayerMountRecord record(parent.path(), base.path());
        record_path = record.recordPath();
        EXPECT_TRUE(fs::is_directory(record.holder()));
        EXPECT_TRUE(fs::path(record.holder()).filename().string().starts_with(kLayerHolderPrefix));
        std::ifstream in(record_path);
        const std::string text(std::istreambuf_iterator<char>(in), {});
        EXPECT_NE(text.find("holder " + record.holder() + "\n"), std::string::npos) << text;
        EXPECT_NE(text.find("owner_pid " + std::to_string(::getpid()) + "\n"), std::string::npos) << text;
        // Our own: gc leaves it alone.
        const LayerMountGarbage gc = collectLayerMountGarbage(base.path());
        EXPECT_TRUE(gc.removed.empty());
        EXPECT_TRUE(fs::exists(record_path));
        fs::remove_all(record.holder());
    }
    EXPECT_FALSE(fs::exists(record_path)) << "the record goes once its holder is gone";
}

TEST(LayerMountRecord, GcRemovesTheHolderAndRecordOfADeadOwner) {
    TempDir base("virtlab-mount-base"), parent("virtlab-mount-parent");
    const auto [pid, start] = deadProcess();
    const std::string holder = parent.path() + "/" + kLayerHolderPrefix + "deadbeef0001";
    fs::create_directories(holder + "/root/etc");
    std::ofstream(holder + "/root/etc/hostname") << "x\n";
    const std::string record = base.path() + "/" + kLayerHolderPrefix + "deadbeef0001" + kLayerMountRecordSuffix;
    std::ofstream(record) << "holder " << holder << "\nowner_pid " << pid << "\nowner_start " << start << "\n";

    const LayerMountGarbage gc = collectLayerMountGarbage(base.path());
    EXPECT_TRUE(gc.problems.empty()) << gc.problems.front();
    EXPECT_FALSE(fs::exists(holder));
    EXPECT_FALSE(fs::exists(record));
    ASSERT_EQ(gc.removed.size(), 2u);
    EXPECT_EQ(gc.removed[0], "layers " + holder);
}

TEST(LayerMountRecord, GcNeverFollowsARecordToSomethingElse) {
    TempDir base("virtlab-mount-base"), parent("virtlab-mount-parent");
    const auto [pid, start] = deadProcess();
    const std::string precious = parent.path() + "/precious";
    fs::create_directories(precious);
    const std::string record = base.path() + "/" + kLayerHolderPrefix + "forged" + kLayerMountRecordSuffix;
    std::ofstream(record) << "holder " << precious << "\nowner_pid " << pid << "\nowner_start " << start << "\n";
    const LayerMountGarbage gc = collectLayerMountGarbage(base.path());
    EXPECT_TRUE(fs::exists(precious));
    ASSERT_EQ(gc.problems.size(), 1u);
    EXPECT_NE(gc.problems[0].find("left alone"), std::string::npos) << gc.problems[0];
}

}  // namespace
}  // namespace vl::ct
