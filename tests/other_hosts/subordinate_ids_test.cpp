// Rootless containers with subordinate ids, for real: nobody gets a range in /etc/subuid and
// /etc/subgid (files bound over the host's in a private mount namespace by vlab_fault_exec, so
// the host's own files stay as they are), and the runtime maps the range with the setuid helpers
// newuidmap/newgidmap (Debian: uidmap), the way Podman and rootless Docker do. Inside, a whole
// range of ids exists; outside, each is a harmless id from the range.
#include <gtest/gtest.h>

#include <QJsonDocument>
#include <QJsonObject>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "containers/file_io.h"
#include "containers/user_namespace.h"
#include "core/temp_dir.h"
#include "tests/support/cli_runner.h"

namespace vl::test {
namespace {

namespace fs = std::filesystem;
constexpr uid_t kNobody = 65534;
// Far from any range a real /etc/subuid hands out by default (100000 upwards in steps of 65536).
constexpr long kRangeStart = 3000000;

QJsonObject parseObject(const std::string& text) { return QJsonDocument::fromJson(QByteArray::fromStdString(text)).object(); }

// The "Uid:" line of /proc/PID/status: real, effective, saved and file-system uid.
std::string uidLineOf(long pid) {
    std::istringstream status(ct::readTextFile("/proc/" + std::to_string(pid) + "/status").value_or(""));
    for (std::string line; std::getline(status, line);) {
        if (!line.starts_with("Uid:")) continue;
        std::istringstream words(line.substr(4));
        std::string out;
        for (std::string w; words >> w;) out += (out.empty() ? "" : " ") + w;
        return out;
    }
    return "";
}

class SubordinateIds : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the test binds files over /etc in a private mount namespace";
        if (const std::string refusal = ct::unprivilegedUserNamespacesRefusal(); !refusal.empty()) GTEST_SKIP() << refusal;
        for (const char* helper : {"/usr/bin/newuidmap", "/usr/bin/newgidmap"})
            if (!fs::exists(helper)) GTEST_SKIP() << helper << " is missing (Debian package uidmap)";
        fs::permissions(work_.path(), fs::perms::owner_all | fs::perms::others_exec | fs::perms::group_exec);
        for (const std::string& dir : {runtime_, data_}) {
            fs::create_directory(dir);
            ASSERT_EQ(::chown(dir.c_str(), kNobody, kNobody), 0);
        }
        for (const std::string& file : {subuid_, subgid_}) std::ofstream(file) << "nobody:" << kRangeStart << ":65536\n";
    }
    void TearDown() override {
        const std::string base = runtime_ + "/virtlab";
        if (fs::exists(base))
            for (const auto& entry : fs::directory_iterator(base))
                if (entry.path().filename() != "net.lock") ADD_FAILURE() << "left behind: " << entry.path();
    }
    // `virtlab args...` as nobody, on a host whose /etc/subuid and /etc/subgid give nobody a range.
    CliResult asNobodyWithARange(const std::vector<std::string>& args) {
        std::vector<std::string> argv{VLAB_FAULT_EXEC, "--bind", subuid_ + ":/etc/subuid", "--bind", subgid_ + ":/etc/subgid", "--",
                                      "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                      "/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=" + data_, "XDG_DATA_HOME=" + data_,
                                      "XDG_RUNTIME_DIR=" + runtime_, VIRTLAB_EXE};
        argv.insert(argv.end(), args.begin(), args.end());
        return runProgram(argv);
    }

    TempDir work_{"vltest-subids"};
    const std::string runtime_ = work_.path() + "/run";
    const std::string data_ = work_.path() + "/data";
    const std::string subuid_ = work_.path() + "/subuid";
    const std::string subgid_ = work_.path() + "/subgid";
};

TEST_F(SubordinateIds, TheRangeIsMappedAndAnOrdinaryUserInsideOwnsItsFiles) {
    const CliResult r = asNobodyWithARange({"container", "run", "--rootless", "--json", "--user", "1000:1000", "--",
                                            "/bin/sh", "-c", "id -u; id -g; touch /tmp/f; stat -c %u:%g /tmp/f"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseObject(r.out);
    const QJsonObject maps = o["user_namespace"].toObject();
    EXPECT_EQ(maps["method"].toString(), "subordinate") << r.out;
    const QString expected = QString("0 65534 1\n1 %1 65536\n").arg(kRangeStart);
    EXPECT_EQ(maps["uid_map"].toString(), expected);
    EXPECT_EQ(maps["gid_map"].toString(), expected);
    EXPECT_EQ(o["stdout"].toString(), "1000\n1000\n1000:1000\n");
    EXPECT_TRUE(o["phases"].toObject().contains("uid-gid-maps"));
}

// Outside, the kernel's own account: uid 1000 inside is kRangeStart + 999 on the host.
TEST_F(SubordinateIds, TheHostSeesAnIdFromTheRange) {
    const std::string name = "vltest-subids-" + std::to_string(::getpid());
    const CliResult started = asNobodyWithARange({"container", "run", "-d", "--rootless", "--name", name, "--user", "1000:1000",
                                                  "--", "/bin/sleep", "60"});
    ASSERT_EQ(started.exit_status, 0) << started.err;
    const CliResult inspected = asNobodyWithARange({"container", "inspect", "--json", name});
    ASSERT_EQ(inspected.exit_status, 0) << inspected.err;
    const long pid = static_cast<long>(parseObject(inspected.out)["pid"].toInteger());
    ASSERT_GT(pid, 0) << inspected.out;
    const std::string outside = std::to_string(kRangeStart + 999);
    EXPECT_EQ(uidLineOf(pid), outside + " " + outside + " " + outside + " " + outside);

    EXPECT_EQ(asNobodyWithARange({"container", "stop", "--time", "0", name}).exit_status, 0);
    const CliResult removed = asNobodyWithARange({"container", "rm", name});
    EXPECT_EQ(removed.exit_status, 0) << removed.err;
}

}  // namespace
}  // namespace vl::test
