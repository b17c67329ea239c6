// Root tests of the containers world through its engine API (what the GUI pane and `tour`
// use): phases, namespaces, pause() as stop, binds, and the v2 backend on this machine's
// controller-less unified hierarchy.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "containers/cgroup.h"
#include "containers/cgroup_backends.h"
#include "containers/container_engine.h"
#include "containers/file_io.h"
#include "core/error.h"
#include "core/temp_dir.h"
#include "residue.h"

namespace vl::ct {
namespace {

using vl::test::residueOf;

class ContainerEngineTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "containers need root (rootless comes with issue 5)";
    }
};

ContainerConfig shell(const std::string& script) {
    ContainerConfig config;
    config.argv = {"/bin/sh", "-c", script};
    return config;
}

TEST_F(ContainerEngineTest, RunsAsPidOneWithItsOwnHostname) {
    ContainerEngine engine(shell("echo $$; hostname"));
    EXPECT_EQ(engine.world(), "containers");
    ASSERT_EQ(engine.run(), RunState::Finished) << engine.failure();
    EXPECT_EQ(engine.exitCode(), 0);
    EXPECT_EQ(engine.snapshot().console, "1\n" + engine.id() + "\n");
    EXPECT_TRUE(residueOf(engine.id()).empty());
}

TEST_F(ContainerEngineTest, ReportsEveryPhaseInOrder) {
    ContainerEngine engine(shell("true"));
    ASSERT_EQ(engine.run(), RunState::Finished) << engine.failure();
    std::vector<std::string> names;
    for (const auto& p : engine.phases()) {
        names.push_back(p.name);
        EXPECT_GE(p.ms, 0.0) << p.name;
        EXPECT_LT(p.ms, 10000.0) << p.name;
    }
    const std::vector<std::string> expected{"rootfs-check", "state-dir", "cgroup-create", "plan", "clone", "cgroup-attach",
                                            "mounts", "cgroupns", "proc", "masks", "dev", "pivot_root", "hostname", "loopback",
                                            "security", "exec"};
    EXPECT_EQ(names, expected);

    const Counters counters = engine.counters();
    for (const auto& name : expected) EXPECT_TRUE(counters.count("phase." + name + "_us")) << name;
    EXPECT_EQ(counters.at("exit_code"), 0u);
    EXPECT_EQ(engine.phasesMs().size(), expected.size());

    size_t phase_events = 0;
    for (const auto& e : engine.events().drain())
        if (e.kind == "phase") ++phase_events;
    EXPECT_EQ(phase_events, expected.size());
}

// Who ran each phase, as the events say it: spawned (the default), the child joins its cgroup
// itself; with --init the first process is forked and VirtLab attaches it
// (containers/README.md, "Spawned or forked").
TEST_F(ContainerEngineTest, EachPhaseSaysWhoRanIt) {
    const auto whoRan = [](ContainerEngine& engine) {
        std::map<std::string, std::string> who;
        for (const auto& e : engine.events().drain()) {
            if (e.kind != "phase") continue;
            const std::string name = e.detail.substr(0, e.detail.find(' '));
            who[name] = e.detail.ends_with(" in the container") ? "container" : "virtlab";
        }
        return who;
    };
    ContainerEngine spawned(shell("true"));
    ASSERT_EQ(spawned.run(), RunState::Finished) << spawned.failure();
    auto who = whoRan(spawned);
    for (const char* name : {"rootfs-check", "state-dir", "cgroup-create", "plan", "clone"}) EXPECT_EQ(who[name], "virtlab") << name;
    for (const char* name : {"cgroup-attach", "mounts", "pivot_root", "security", "exec"}) EXPECT_EQ(who[name], "container") << name;

    ContainerConfig config = shell("true");
    config.init = true;
    ContainerEngine forked(config);
    ASSERT_EQ(forked.run(), RunState::Finished) << forked.failure();
    who = whoRan(forked);
    EXPECT_EQ(who["cgroup-attach"], "virtlab");
    EXPECT_EQ(who["mounts"], "container");
    EXPECT_TRUE(residueOf(spawned.id()).empty());
    EXPECT_TRUE(residueOf(forked.id()).empty());
}

TEST_F(ContainerEngineTest, EveryNamespaceDiffersFromTheHost) {
    ContainerEngine engine(shell("true"));
    ASSERT_EQ(engine.run(), RunState::Finished) << engine.failure();
    const auto namespaces = engine.namespaces();
    ASSERT_EQ(namespaces.size(), 6u);
    for (const auto& ns : namespaces) {
        EXPECT_NE(ns.host_inode, 0u) << ns.name;
        EXPECT_NE(ns.container_inode, 0u) << ns.name;
        EXPECT_NE(ns.host_inode, ns.container_inode) << ns.name;
    }
    bool listed = false;
    for (const auto& [name, value] : engine.snapshot().registers) listed = listed || name == "ns pid";
    EXPECT_TRUE(listed);
}

TEST_F(ContainerEngineTest, PauseStopsTheContainer) {
    ContainerEngine engine(shell("sleep 30"));
    auto running = std::async(std::launch::async, [&] { return engine.run(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (engine.hostPid() <= 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_GT(engine.hostPid(), 0) << "the container never started";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto stop_at = std::chrono::steady_clock::now();
    engine.pause();
    ASSERT_EQ(running.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "pause() did not stop it";
    EXPECT_LT(std::chrono::steady_clock::now() - stop_at, std::chrono::seconds(3));
    EXPECT_EQ(running.get(), RunState::Finished);
    EXPECT_EQ(engine.exitCode(), 128 + SIGKILL);
    EXPECT_TRUE(residueOf(engine.id()).empty());
    engine.pause();  // harmless once it is over
}

// What a pane shows while a long command runs: its output as it prints it and every start-up
// phase, from the engine's snapshot and events before the process has exited.
TEST_F(ContainerEngineTest, OutputAndPhasesArriveWhileTheCommandRuns) {
    ContainerEngine engine(shell("echo a; sleep 0.3; echo b; sleep 5"));
    auto running = std::async(std::launch::async, [&] { return engine.run(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto console = [&] { return engine.snapshot().console; };
    while (console().empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(console().substr(0, 2), "a\n");
    EXPECT_EQ(running.wait_for(std::chrono::seconds(0)), std::future_status::timeout) << "the command already exited";

    // Every phase up to exec is in the listing and was an event while the command ran.
    const auto listing = engine.snapshot().listing;
    ASSERT_FALSE(listing.empty());
    EXPECT_EQ(listing.back().rfind("exec ", 0), 0u) << listing.back();
    std::vector<std::string> phase_events;
    std::string streamed;
    for (const auto& e : engine.events().drain()) {
        if (e.kind == "phase") phase_events.push_back(e.detail.substr(0, e.detail.find(' ')));
        if (e.kind == "stdout") streamed += e.detail;
    }
    ASSERT_EQ(phase_events.size(), listing.size());
    EXPECT_EQ(phase_events.back(), "exec");
    EXPECT_EQ(streamed.substr(0, 2), "a\n");

    while (console() != "a\nb\n" && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(console(), "a\nb\n");
    EXPECT_EQ(running.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
    for (const auto& e : engine.events().drain())
        if (e.kind == "stdout") streamed += e.detail;
    EXPECT_EQ(streamed, "a\nb\n");

    engine.pause();  // stops it: the sleep 5 never ends on its own here
    ASSERT_EQ(running.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(running.get(), RunState::Finished);
    EXPECT_EQ(engine.exitCode(), 128 + SIGKILL);
    EXPECT_EQ(engine.phases().size(), listing.size()) << "no phase is reported twice";
    EXPECT_TRUE(residueOf(engine.id()).empty());
}

TEST_F(ContainerEngineTest, PauseBeforeTheStartMeansNoContainer) {
    ContainerEngine engine(shell("echo should-not-run"));
    engine.pause();
    EXPECT_EQ(engine.run(), RunState::Failed);
    EXPECT_NE(engine.failure().find("stopped before the container started"), std::string::npos) << engine.failure();
    EXPECT_EQ(engine.hostPid(), -1);
    EXPECT_EQ(engine.stdoutText(), "");
    EXPECT_TRUE(residueOf(engine.id()).empty());
}

TEST_F(ContainerEngineTest, ResetStartsAFreshContainer) {
    ContainerEngine engine(shell("hostname"));
    ASSERT_EQ(engine.run(), RunState::Finished);
    const std::string first = engine.id();
    engine.reset();
    EXPECT_EQ(engine.state(), RunState::Ready);
    EXPECT_NE(engine.id(), first);
    ASSERT_EQ(engine.run(), RunState::Finished);
    EXPECT_EQ(engine.snapshot().console, engine.id() + "\n");
}

TEST_F(ContainerEngineTest, ExecFailureIsAFailedStart) {
    ContainerConfig config;
    config.argv = {"/no/such/program"};
    ContainerEngine engine(config);
    EXPECT_EQ(engine.run(), RunState::Failed);
    EXPECT_NE(engine.failure().find("/no/such/program"), std::string::npos) << engine.failure();
    EXPECT_TRUE(residueOf(engine.id()).empty());
}

TEST_F(ContainerEngineTest, BindsAHostFileReadOnly) {
    TempDir temp("virtlab-bind-test");
    std::ofstream(temp.path() + "/greeting") << "hello from the host\n";
    ContainerConfig config = shell("cat /data/greeting; echo x > /data/greeting && echo WROTE");
    config.binds = {{temp.path() + "/greeting", "/data/greeting", true}};
    ContainerEngine engine(config);
    ASSERT_EQ(engine.run(), RunState::Finished) << engine.failure();
    EXPECT_EQ(engine.stdoutText(), "hello from the host\n");
    EXPECT_NE(engine.stderrText().find("Read-only"), std::string::npos) << engine.stderrText();
}

// The v2 backend for real: this machine's unified hierarchy has no controllers, so no limit
// can be set, but creating, attaching, reading and removing all run against cgroup2.
TEST_F(ContainerEngineTest, CgroupV2BackendOnTheUnifiedHierarchy) {
    const CgroupLayout layout = detectHostCgroupLayout();
    if (!layout.v2) GTEST_SKIP() << "no cgroup2 file system mounted";
    const std::string name = "virtlab-v2test-" + newContainerId();
    auto cgroup = std::make_unique<CgroupV2>(*layout.v2, name);
    cgroup->create();
    ASSERT_EQ(cgroup->directories().size(), 1u);
    const std::string dir = cgroup->directories().front();
    EXPECT_TRUE(std::filesystem::is_directory(dir));

    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    cgroup->attach(child);
    EXPECT_EQ(readTextFile(dir + "/cgroup.procs").value_or(""), std::to_string(child) + "\n");

    const auto offered = readTextFile(layout.v2->mount_point + "/cgroup.controllers").value_or("");
    if (offered.find("memory") == std::string::npos) {
        try {
            cgroup->applyLimits(CgroupLimits{64ull << 20, std::nullopt, std::nullopt});
            ADD_FAILURE() << "a memory limit without the memory controller was accepted";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("memory controller is not enabled"), std::string::npos) << e.what();
        }
    }
    ::kill(child, SIGKILL);  // the child this test forked
    ::waitpid(child, nullptr, 0);
    EXPECT_EQ(cgroup->remove(), "");
    EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace vl::ct
