// Root tests of what the command sees: --env, --workdir and --user inside the container (and
// in `exec`, as docker exec does), and --init: a zombie is reaped only when VirtLab's init is
// pid 1, and SIGTERM from `stop` reaches a command that would ignore it as pid 1.
#include <gtest/gtest.h>

#include <QJsonDocument>
#include <QJsonObject>

#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "detached_containers.h"
#include "residue.h"
#include "tests/support/cli_runner.h"

namespace vl::test {
namespace {

using ContainerOptions = DetachedContainers;

TEST_F(ContainerOptions, EnvWorkdirAndUserAreWhatTheCommandSees) {
    const CliResult r = runVirtlab({"container", "run", "--json", "--env", "GREETING=hello world", "-e", "EMPTY=",
                                    "--env=HOME=/srv", "--workdir", "/srv/app", "--user", "1000:1001", "--", "/bin/sh", "-c",
                                    "echo \"$GREETING|${EMPTY-unset}|$HOME|$PATH\"; pwd; id -u; id -g; id -G;"
                                    " grep -E '^Cap(Eff|Prm)' /proc/self/status; touch /tmp/mine && stat -c %u:%g /tmp/mine"});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    const QJsonObject o = jsonOf(r);
    EXPECT_EQ(o["stdout"].toString().toStdString(),
              "hello world||/srv|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
              "/srv/app\n1000\n1001\n1001\n"
              "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
              "1000:1001\n");
    EXPECT_TRUE(residueOf(o["id"].toString().toStdString()).empty());
}

TEST_F(ContainerOptions, UserWithoutGroupIsGroupZeroAndHomeIsSlash) {
    const CliResult r = runVirtlab({"container", "run", "--user", "65534", "--", "/bin/sh", "-c", "id -u; id -g; echo $HOME; pwd"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "65534\n0\n/\n/\n");
}

TEST_F(ContainerOptions, ExecRunsWithTheContainersEnvWorkdirAndUser) {
    const std::string id = detached({"--env", "STAGE=lab", "--workdir", "/work", "--user", "1234:1234", "--", "sleep", "60"});
    const CliResult r = runVirtlab({"container", "exec", id, "--", "/bin/sh", "-c", "echo $STAGE; pwd; id -u"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "lab\n/work\n1234\n");
    const QJsonObject config = jsonOf(runVirtlab({"container", "inspect", id, "--json"}))["config"].toObject();
    EXPECT_EQ(config["workdir"].toString(), "/work");
    EXPECT_EQ(config["user"].toString(), "1234:1234");
    EXPECT_EQ(config["init"].toBool(true), false);
}

// The zombie: a subshell starts `sleep 0.1` in the background and exits at once, so the
// sleep is re-parented to pid 1. When it ends, only pid 1 can reap it. `exec sleep 60`
// makes pid 1 a program that never calls wait(): without an init, the sleep stays a zombie.
std::string zombiesIn(const std::string& id) {
    const CliResult r = runVirtlab({"container", "exec", id, "--", "/bin/sh", "-c",
                                    "for s in /proc/[0-9]*/stat; do read -r line < $s; echo \"$line\"; done"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    std::istringstream lines(r.out);
    std::string zombies;
    for (std::string line; std::getline(lines, line);) {
        const size_t close = line.rfind(')');
        if (close != std::string::npos && line.compare(close, 4, ") Z ") == 0) zombies += line + "\n";
    }
    return zombies;
}

std::string pidOneName(const std::string& id) {
    const CliResult r = runVirtlab({"container", "exec", id, "--", "/bin/sh", "-c", "read -r line < /proc/1/stat; echo \"$line\""});
    const size_t open = r.out.find('('), close = r.out.rfind(')');
    return open == std::string::npos || close == std::string::npos ? "" : r.out.substr(open + 1, close - open - 1);
}

TEST_F(ContainerOptions, InitReapsTheZombieThatPidOneWouldLeave) {
    const std::vector<std::string> zombie_maker{"--", "/bin/sh", "-c", "(sleep 0.1 &); exec sleep 60"};
    std::vector<std::string> without = zombie_maker, with = zombie_maker;
    with.insert(with.begin(), "--init");
    const std::string plain = detached(without);
    const std::string inited = detached(with);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));  // the sleep 0.1 has ended
    EXPECT_NE(zombiesIn(plain), "") << "pid 1 (sleep) never reaps: the zombie stays";
    EXPECT_EQ(zombiesIn(inited), "") << "the init reaped it";
    EXPECT_EQ(pidOneName(plain), "sleep");
    EXPECT_EQ(pidOneName(inited), "vlab-init");
}

TEST_F(ContainerOptions, InitForwardsSigtermAndPassesTheStatusThrough) {
    // As pid 1, sleep ignores SIGTERM (no handler): stop must SIGKILL it after the grace.
    const std::string plain = detached({"--", "sleep", "60"});
    EXPECT_EQ(runVirtlab({"container", "stop", "--time", "1", plain}).out, "killed\n");
    // Under the init, sleep is pid 2 and dies of the forwarded SIGTERM at once.
    const std::string inited = detached({"--init", "--", "sleep", "60"});
    EXPECT_EQ(runVirtlab({"container", "stop", "--time", "5", inited}).out, "terminated\n");
    const QJsonObject inspect = jsonOf(runVirtlab({"container", "inspect", inited, "--json"}));
    EXPECT_EQ(inspect["exit_code"].toInt(), 128 + 15);

    EXPECT_EQ(runVirtlab({"container", "run", "--init", "--", "/bin/sh", "-c", "exit 7"}).exit_status, 7);
    const CliResult r = runVirtlab({"container", "run", "--init", "--", "/bin/sh", "-c", "echo $$"});
    EXPECT_EQ(r.out, "2\n") << "the command is the init's child";
    EXPECT_EQ(runVirtlab({"container", "run", "--init", "--", "/no/such/program"}).exit_status, 1);
    EXPECT_TRUE(residueOf("").empty());
}

TEST_F(ContainerOptions, BadValuesAreUsageErrors) {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"--user", "root"}, {"--user", "1000:"}, {"--user", "-1"}, {"--user", "4294967295"},
             {"--env", "NOVALUE"}, {"--env", "=x"}, {"--workdir", "relative"}, {"--workdir", "/a/../b"}}) {
        std::vector<std::string> all{"container", "run"};
        all.insert(all.end(), args.begin(), args.end());
        all.insert(all.end(), {"--", "true"});
        const CliResult r = runVirtlab(all);
        EXPECT_EQ(r.exit_status, 2) << args[0] << " " << args[1] << ": " << r.err;
        EXPECT_NE(r.err.find(args[0]), std::string::npos) << r.err;
    }
}

}  // namespace
}  // namespace vl::test
