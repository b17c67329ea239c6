// Unit tests of the child-side executor with harmless steps and no namespaces (so no root),
// forked and spawned (container_process.h): phase timing, failure reporting by step and
// errno, exec failure, the release protocol, and the spawned child's check for a dead parent.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "containers/child_plan.h"
#include "containers/container_process.h"
#include "containers/unique_fd.h"
#include "core/temp_dir.h"

namespace vl::ct {
namespace {

namespace fs = std::filesystem;
using Op = ChildPlan::Op;

// Starts `plan` in a plain child (no namespaces), releases a forked one unless told not to,
// and waits.
int runPlan(ChildPlan& plan, ChildReport* report, StartMode mode, bool release = true) {
    Pipe sync = makePipe();
    plan.setSync(sync.read_end.get(), sync.write_end.get(), mode == StartMode::Forked);
    ContainerProcess child = ContainerProcess::start(plan, report, 0, mode);
    sync.read_end.reset();
    if (mode == StartMode::Spawned) {
        // start() returned after the exec (or the failure): the steps are behind us already.
        EXPECT_TRUE(report->exec_start_ns > 0 || report->failed_step >= 0);
    } else if (release) {
        EXPECT_EQ(::write(sync.write_end.get(), "g", 1), 1);
    }
    sync.write_end.reset();
    return child.wait();
}

class ChildPlanExecutor : public testing::TestWithParam<StartMode> {};

TEST_P(ChildPlanExecutor, RunsStepsPhaseByPhaseThenExecs) {
    TempDir temp("virtlab-child-plan");
    ChildPlan plan;
    plan.beginPhase("first");
    plan.add(Op::MakeDir, "mkdir x", temp.path() + "/x", "", "", "", 0, "", 0755);
    plan.beginPhase("second");
    plan.add(Op::MakeFile, "create x/f", temp.path() + "/x/f");
    plan.add(Op::Symlink, "symlink x/l", "f", temp.path() + "/x/l");
    plan.setCommand({"sh", "-c", "exit 7"}, {"PATH=/bin"}, {"/nonexistent/sh", "/bin/sh"});
    SharedReport report;
    EXPECT_EQ(runPlan(plan, report.get(), GetParam()), 7) << "the command ran and its status came back";
    const ChildReport& r = *report.get();
    EXPECT_EQ(r.failed_step, -1);
    EXPECT_EQ(r.phases_done, 2);
    EXPECT_GT(r.released_ns, 0);
    EXPECT_GE(r.phase_end_ns[0], r.released_ns);
    EXPECT_GE(r.phase_end_ns[1], r.phase_end_ns[0]);
    EXPECT_GE(r.exec_start_ns, r.phase_end_ns[1]);
    EXPECT_TRUE(fs::is_regular_file(temp.path() + "/x/f"));
    EXPECT_EQ(fs::read_symlink(temp.path() + "/x/l"), "f");
}

TEST_P(ChildPlanExecutor, ReportsTheFailingStepAndErrno) {
    TempDir temp("virtlab-child-plan");
    ChildPlan plan;
    plan.beginPhase("only");
    plan.add(Op::MakeDir, "mkdir ok", temp.path() + "/ok", "", "", "", 0, "", 0755);
    plan.add(Op::MakeDir, "mkdir deep", temp.path() + "/missing/deep", "", "", "", 0, "", 0755);
    plan.add(Op::MakeFile, "never reached", temp.path() + "/never");
    plan.setCommand({"true"}, {}, {"/bin/true"});
    SharedReport report;
    EXPECT_EQ(runPlan(plan, report.get(), GetParam()), 126);
    EXPECT_EQ(report.get()->failed_step, 1);
    EXPECT_EQ(report.get()->failed_errno, ENOENT);
    EXPECT_EQ(report.get()->exec_start_ns, 0) << "no exec after a failed step";
    EXPECT_FALSE(fs::exists(temp.path() + "/never"));
}

TEST_P(ChildPlanExecutor, ExecFailureIsReportedAsThePastTheEndStep) {
    ChildPlan plan;
    plan.beginPhase("only");
    plan.setCommand({"nosuch"}, {}, {"/nonexistent/a/nosuch", "/nonexistent/b/nosuch"});
    SharedReport report;
    EXPECT_EQ(runPlan(plan, report.get(), GetParam()), 127);
    EXPECT_EQ(report.get()->failed_step, static_cast<int>(plan.steps().size()));
    EXPECT_EQ(report.get()->failed_errno, ENOENT);
}

// A spawned child joins its cgroup as its first step; a refusal is reported like any step's.
TEST_P(ChildPlanExecutor, AFailedCgroupJoinIsTheFailingStep) {
    TempDir temp("virtlab-child-plan");
    ChildPlan plan;
    plan.beginPhase("cgroup-attach");
    plan.add(Op::JoinCgroup, "write 0 into a missing cgroup.procs", temp.path() + "/no-such-cgroup/cgroup.procs");
    plan.beginPhase("mounts");
    plan.add(Op::MakeFile, "never reached", temp.path() + "/never");
    plan.setCommand({"true"}, {}, {"/bin/true"});
    SharedReport report;
    EXPECT_EQ(runPlan(plan, report.get(), GetParam()), 126);
    EXPECT_EQ(report.get()->failed_step, 0);
    EXPECT_EQ(report.get()->failed_errno, ENOENT);
    EXPECT_FALSE(fs::exists(temp.path() + "/never"));
}

INSTANTIATE_TEST_SUITE_P(ForkedAndSpawned, ChildPlanExecutor, testing::Values(StartMode::Forked, StartMode::Spawned),
                         [](const testing::TestParamInfo<StartMode>& mode) {
                             return mode.param == StartMode::Forked ? "Forked" : "Spawned";
                         });

TEST(ChildPlanRelease, NothingRunsUntilReleased) {
    TempDir temp("virtlab-child-plan");
    ChildPlan plan;
    plan.beginPhase("only");
    plan.add(Op::MakeFile, "create marker", temp.path() + "/marker");
    plan.setCommand({"true"}, {}, {"/bin/true"});
    SharedReport report;
    // The parent closes its end without releasing (as when it died): the child gives up.
    EXPECT_EQ(runPlan(plan, report.get(), StartMode::Forked, /*release=*/false), 125);
    EXPECT_FALSE(fs::exists(temp.path() + "/marker"));
}

// Spawned, nobody releases the child, but it still must not run on when its parent died
// before PR_SET_PDEATHSIG took effect: the parent's end of the sync pipe closed is that death.
TEST(ChildPlanRelease, ASpawnedChildWhoseParentIsGoneDoesNothing) {
    TempDir temp("virtlab-child-plan");
    ChildPlan plan;
    plan.beginPhase("only");
    plan.add(Op::MakeFile, "create marker", temp.path() + "/marker");
    plan.setCommand({"true"}, {}, {"/bin/true"});
    Pipe sync = makePipe();
    sync.write_end.reset();  // as if the parent had died: nobody holds the write end
    plan.setSync(sync.read_end.get(), -1, /*wait_for_release=*/false);
    SharedReport report;
    ContainerProcess child = ContainerProcess::start(plan, report.get(), 0, StartMode::Spawned);
    EXPECT_EQ(child.wait(), 125);
    EXPECT_FALSE(fs::exists(temp.path() + "/marker"));
}

}  // namespace
}  // namespace vl::ct
