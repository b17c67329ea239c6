// Rootless containers for real: the `virtlab` binary run as nobody (uid 65534) in a forked
// child (setpriv), with its own XDG_RUNTIME_DIR and XDG_DATA_HOME in a test directory. Inside,
// the command is uid 0; on the host its process is 65534 (/proc/PID/status); the maps are
// the single mapping; nothing is left (state directory, cgroups, mounts).
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "containers/cgroup.h"
#include "containers/file_io.h"
#include "containers/user_namespace.h"
#include "core/temp_dir.h"
#include "residue.h"
#include "tests/support/cli_runner.h"

namespace vl::test {
namespace {

namespace fs = std::filesystem;
constexpr uid_t kNobody = 65534;

// "         0      65534          1\n" (the kernel pads) -> "0 65534 1\n".
std::string squeezeSpaces(const std::string& text) {
    std::istringstream lines(text);
    std::string out;
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string joined;
        for (std::string w; words >> w;) joined += (joined.empty() ? "" : " ") + w;
        out += joined + "\n";
    }
    return out;
}

QJsonObject parseObject(const std::string& text) { return QJsonDocument::fromJson(QByteArray::fromStdString(text)).object(); }

class Rootless : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "the test drops from root to nobody";
        if (const std::string refusal = ct::unprivilegedUserNamespacesRefusal(); !refusal.empty()) GTEST_SKIP() << refusal;
        // nobody must reach its directories through ours.
        fs::permissions(work_.path(), fs::perms::owner_all | fs::perms::others_exec | fs::perms::group_exec);
        for (const std::string& dir : {runtime_, data_}) {
            fs::create_directory(dir);
            ASSERT_EQ(::chown(dir.c_str(), kNobody, kNobody), 0);
            ASSERT_EQ(::chmod(dir.c_str(), 0700), 0);
        }
    }
    void TearDown() override {
        if (::geteuid() != 0 || !fs::exists(runtime_)) return;
        // Nothing may stay in nobody's state directory.
        const std::string base = runtime_ + "/virtlab";
        if (fs::exists(base))
            for (const auto& entry : fs::directory_iterator(base))
                if (entry.path().filename() != "net.lock") ADD_FAILURE() << "left behind: " << entry.path();
    }
    // `virtlab args...` as nobody, with (or without) the test's runtime directory.
    CliResult asNobody(const std::vector<std::string>& args, bool with_runtime_dir = true) {
        return asUser(kNobody, args, with_runtime_dir);
    }
    CliResult asUser(uid_t uid, const std::vector<std::string>& args, bool with_runtime_dir = true) {
        const std::string id = std::to_string(uid);
        std::vector<std::string> argv{"setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups", "env", "-i",
                                      "PATH=/usr/bin:/bin", "HOME=" + data_, "XDG_DATA_HOME=" + data_};
        if (with_runtime_dir) argv.push_back("XDG_RUNTIME_DIR=" + runtime_);
        argv.push_back(VIRTLAB_EXE);
        argv.insert(argv.end(), args.begin(), args.end());
        return runProgram(argv);
    }

    TempDir work_{"vltest-rootless"};
    const std::string runtime_ = work_.path() + "/run";
    const std::string data_ = work_.path() + "/data";
};

TEST_F(Rootless, RootInsideNobodyOutsideWithTheSingleMapping) {
    const CliResult r = asNobody({"container", "run", "--json", "--", "/bin/sh", "-c",
                                  "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; echo x > /etc/written && echo wrote"});
    ASSERT_EQ(r.exit_status, 0) << r.err << r.out;
    const QJsonObject o = parseObject(r.out);
    EXPECT_EQ(o["stdout"].toString().toStdString().substr(0, 4), "0\n0\n");
    EXPECT_EQ(squeezeSpaces(o["stdout"].toString().toStdString()), "0\n0\n0 65534 1\n0 65534 1\nwrote\n");
    EXPECT_TRUE(o["rootless"].toBool());
    const QJsonObject maps = o["user_namespace"].toObject();
    EXPECT_EQ(maps["method"].toString(), "single");
    EXPECT_EQ(maps["uid_map"].toString(), "0 65534 1\n");
    EXPECT_EQ(maps["gid_map"].toString(), "0 65534 1\n");
    EXPECT_TRUE(o["phases"].toObject().contains("uid-gid-maps"));
    // Debian 12's kernel (6.1) and later mount overlayfs inside a user namespace.
    EXPECT_EQ(o["rootfs_mount"].toString(), "overlay");
    const QJsonObject user_ns = o["namespaces"].toObject()["user"].toObject();
    EXPECT_NE(user_ns["host"].toInteger(), user_ns["container"].toInteger());
    EXPECT_NE(user_ns["container"].toInteger(), 0);
    const ct::CgroupLayout layout = ct::detectHostCgroupLayout();
    if (layout.version == ct::CgroupVersion::V1) {
        // This host: v1 is never delegated to a user; the run says so instead of hiding it.
        EXPECT_EQ(o["cgroup_version"].toString(), "none");
        EXPECT_NE(o["cgroup_note"].toString().indexOf("cgroup v1"), -1) << r.out;
    }
}

TEST_F(Rootless, TheHostSeesNobodyAndNothingIsLeft) {
    const std::string name = "vltest-rl-" + std::to_string(::getpid());
    const CliResult started = asNobody({"container", "run", "-d", "--name", name, "--", "/bin/sleep", "60"});
    ASSERT_EQ(started.exit_status, 0) << started.err;
    std::string id = started.out;
    while (!id.empty() && id.back() == '\n') id.pop_back();

    const CliResult inspected = asNobody({"container", "inspect", "--json", name});
    ASSERT_EQ(inspected.exit_status, 0) << inspected.err;
    const QJsonObject o = parseObject(inspected.out);
    EXPECT_TRUE(o["rootless"].toBool());
    EXPECT_EQ(o["user_namespace"].toObject()["method"].toString(), "single");
    EXPECT_EQ(o["user_namespace"].toObject()["uid_map"].toString(), "0 65534 1\n");
    const auto pid = o["pid"].toInteger();
    ASSERT_GT(pid, 0);
    // Outside: the container's first process is nobody's, by the kernel's own account.
    const auto status = ct::readTextFile("/proc/" + std::to_string(pid) + "/status");
    ASSERT_TRUE(status.has_value());
    const size_t uid_line = status->find("\nUid:");
    ASSERT_NE(uid_line, std::string::npos);
    EXPECT_EQ(squeezeSpaces(status->substr(uid_line + 1, status->find('\n', uid_line + 1) - uid_line)),
              "Uid: 65534 65534 65534 65534\n");
    EXPECT_EQ(squeezeSpaces(*ct::readTextFile("/proc/" + std::to_string(pid) + "/uid_map")), "0 65534 1\n");
    // Inside, through exec (which joins the user namespace too): root.
    const CliResult inside = asNobody({"container", "exec", name, "--", "/bin/sh", "-c", "id -u; cat /proc/1/cmdline"});
    EXPECT_EQ(inside.exit_status, 0) << inside.err;
    EXPECT_EQ(inside.out.substr(0, 2), "0\n") << inside.out;

    EXPECT_EQ(asNobody({"container", "stop", "--time", "0", name}).exit_status, 0);
    const CliResult removed = asNobody({"container", "rm", name});
    EXPECT_EQ(removed.exit_status, 0) << removed.err;
    EXPECT_TRUE(residueOf(id).empty());
}

TEST_F(Rootless, WhatCannotBeHonouredIsRefusedWithExit2) {
    const CliResult bridge = asNobody({"container", "run", "--net", "bridge", "--", "true"});
    EXPECT_EQ(bridge.exit_status, 2) << bridge.err;
    EXPECT_NE(bridge.err.find("--net bridge: needs root"), std::string::npos) << bridge.err;

    const CliResult user = asNobody({"container", "run", "--user", "1000", "--", "true"});
    EXPECT_EQ(user.exit_status, 2) << user.err;
    EXPECT_NE(user.err.find("not mapped in this rootless container"), std::string::npos) << user.err;

    if (ct::detectHostCgroupLayout().version == ct::CgroupVersion::V1) {
        const CliResult memory = asNobody({"container", "run", "--memory", "64m", "--pids", "10", "--", "true"});
        EXPECT_EQ(memory.exit_status, 2) << memory.err;
        EXPECT_NE(memory.err.find("--memory --pids: cannot be honoured in a rootless container"), std::string::npos)
            << memory.err;
    }

    const CliResult no_runtime = asNobody({"container", "run", "--", "true"}, false);
    EXPECT_EQ(no_runtime.exit_status, 2) << no_runtime.err;
    EXPECT_NE(no_runtime.err.find("XDG_RUNTIME_DIR is not set"), std::string::npos) << no_runtime.err;
}

// A user /etc/passwd does not list (LDAP, systemd's dynamic users) still gets a container.
// The statically linked front end must not ask NSS for the name (user_namespace.cpp): with
// getpwuid_r it crashed here, in the libnss_systemd it loaded.
TEST_F(Rootless, AUserMissingFromEtcPasswdRunsToo) {
    constexpr uid_t kUnlisted = 4242;
    const auto passwd = ct::readTextFile("/etc/passwd");
    ASSERT_TRUE(passwd.has_value());
    if (passwd->find(":" + std::to_string(kUnlisted) + ":") != std::string::npos) GTEST_SKIP() << "uid 4242 is listed here";
    for (const std::string& dir : {runtime_, data_}) ASSERT_EQ(::chown(dir.c_str(), kUnlisted, kUnlisted), 0);
    const CliResult r = asUser(kUnlisted, {"container", "run", "--json", "--", "/bin/sh", "-c", "id -u; cat /proc/self/uid_map"});
    EXPECT_EQ(r.exit_status, 0) << r.err << r.out;
    const QJsonObject o = parseObject(r.out);
    EXPECT_EQ(squeezeSpaces(o["stdout"].toString().toStdString()), "0\n0 4242 1\n") << r.out;
    EXPECT_EQ(o["user_namespace"].toObject()["method"].toString(), "single");
    EXPECT_TRUE(residueOf(o["id"].toString().toStdString()).empty());
}

TEST_F(Rootless, RootMayAskForIt) {
    const CliResult r = runVirtlab({"container", "run", "--rootless", "--json", "--", "/bin/sh", "-c", "cat /proc/self/uid_map"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseObject(r.out);
    EXPECT_TRUE(o["rootless"].toBool());
    EXPECT_EQ(squeezeSpaces(o["stdout"].toString().toStdString()), "0 0 1\n");
    EXPECT_TRUE(o["namespaces"].toObject().contains("user"));
    EXPECT_NE(o["cgroup_version"].toString(), "none");  // root's cgroups are its own to use
    EXPECT_TRUE(residueOf(o["id"].toString().toStdString()).empty());
}

}  // namespace
}  // namespace vl::test
