// Unit tests of the child-side executor with harmless steps and no namespaces (so no root):
// phase timing, failure reporting by step and errno, exec failure, and the release protocol.
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

// Starts `plan` in a plain child (no namespaces), releases it unless told not to, and waits.
int runPlan(ChildPlan& plan, ChildReport* report, bool release = true) {
    Pipe sync = makePipe();
    plan.setSync(sync.read_end.get(), sync.write_end.get());
    ContainerProcess child = ContainerProcess::start(plan, report, 0);
    sync.read_end.reset();
    if (release) {
        EXPECT_EQ(::write(sync.write_end.get(), "g", 1), 1);
    }
    sync.write_end.reset();
    return child.wait();
}

TEST(ChildPlanExecutor, RunsStepsPhaseByPhaseThenExecs) {
    TempDir temp("virtlab-child-plan");
    ChildPlan plan;
    plan.beginPhase("first");
    plan.add(Op::MakeDir, "mkdir x", temp.path() + "/x", "", "", "", 0, "", 0755);
    plan.beginPhase("second");
    plan.add(Op::MakeFile, "create x/f", temp.path() + "/x/f");
    plan.add(Op::Symlink, "symlink x/l", "f", temp.path() + "/x/l");
    plan.setCommand({"sh", "-c", "exit 7"}, {"PATH=/bin"}, {"/nonexistent/sh", "/bin/sh"});
    SharedReport report;
    EXPECT_EQ(runPlan(plan, report.get()), 7) << "the command ran and its status came back";
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

TEST(ChildPlanExecutor, ReportsTheFailingStepAndErrno) {
    TempDir temp("virtlab-child-plan");
    ChildPlan plan;
    plan.beginPhase("only");
    plan.add(Op::MakeDir, "mkdir ok", temp.path() + "/ok", "", "", "", 0, "", 0755);
    plan.add(Op::MakeDir, "mkdir deep", temp.path() + "/missing/deep", "", "", "", 0, "", 0755);
    plan.add(Op::MakeFile, "never reached", temp.path() + "/never");
    plan.setCommand({"true"}, {}, {"/bin/true"});
    SharedReport report;
    EXPECT_EQ(runPlan(plan, report.get()), 126);
    EXPECT_EQ(report.get()->failed_step, 1);
    EXPECT_EQ(report.get()->failed_errno, ENOENT);
    EXPECT_EQ(report.get()->exec_start_ns, 0) << "no exec after a failed step";
    EXPECT_FALSE(fs::exists(temp.path() + "/never"));
}

TEST(ChildPlanExecutor, ExecFailureIsReportedAsThePastTheEndStep) {
    ChildPlan plan;
    plan.beginPhase("only");
    plan.setCommand({"nosuch"}, {}, {"/nonexistent/a/nosuch", "/nonexistent/b/nosuch"});
    SharedReport report;
    EXPECT_EQ(runPlan(plan, report.get()), 127);
    EXPECT_EQ(report.get()->failed_step, static_cast<int>(plan.steps().size()));
    EXPECT_EQ(report.get()->failed_errno, ENOENT);
}

TEST(ChildPlanExecutor, NothingRunsUntilReleased) {
    TempDir temp("virtlab-child-plan");
    ChildPlan plan;
    plan.beginPhase("only");
    plan.add(Op::MakeFile, "create marker", temp.path() + "/marker");
    plan.setCommand({"true"}, {}, {"/bin/true"});
    SharedReport report;
    // The parent closes its end without releasing (as when it died): the child gives up.
    EXPECT_EQ(runPlan(plan, report.get(), /*release=*/false), 125);
    EXPECT_FALSE(fs::exists(temp.path() + "/marker"));
}

}  // namespace
}  // namespace vl::ct
