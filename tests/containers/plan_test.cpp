// Unit tests of the start-up plan: the phases, and the order of the steps that isolation
// depends on (private propagation first, everything mounted under the new root before
// pivot_root, nothing host-side after it).
#include <gtest/gtest.h>

#include <sys/mount.h>

#include <filesystem>
#include <fstream>

#include "containers/container_config.h"
#include "containers/container_plan.h"
#include "core/error.h"
#include "core/temp_dir.h"

namespace vl::ct {
namespace {

using Op = ChildPlan::Op;

PlanInputs sampleInputs() {
    PlanInputs in;
    in.rootfs = "/var/lib/virtlab/rootfs/busybox";
    in.scratch = "/run/virtlab/abc";
    in.hostname = "box";
    in.argv = {"sh", "-c", "true"};
    return in;
}

size_t indexOf(const ChildPlan& plan, Op op) {
    for (size_t i = 0; i < plan.steps().size(); ++i)
        if (plan.steps()[i].op == op) return i;
    return SIZE_MAX;
}

TEST(ContainerPlan, PhasesInOrder) {
    const ChildPlan plan = planContainerStart(sampleInputs());
    EXPECT_EQ(plan.phaseNames(), childPhaseNames());
    EXPECT_EQ(plan.phaseNames().front(), "mounts");
    EXPECT_EQ(plan.phaseNames().back(), "security");
    int last_phase = 0;
    for (const auto& step : plan.steps()) {
        EXPECT_GE(step.phase, last_phase) << step.description;
        last_phase = step.phase;
        EXPECT_FALSE(step.description.empty());
    }
}

TEST(ContainerPlan, IsolationOrder) {
    const ChildPlan plan = planContainerStart(sampleInputs());
    const auto& steps = plan.steps();
    ASSERT_FALSE(steps.empty());
    EXPECT_EQ(steps.front().op, Op::MountPrivate) << "nothing may propagate to the host";
    const size_t pivot = indexOf(plan, Op::PivotRoot);
    ASSERT_NE(pivot, SIZE_MAX);
    EXPECT_EQ(steps[pivot].a, "/run/virtlab/abc/root");
    EXPECT_LT(indexOf(plan, Op::RootfsOverlay), pivot);
    EXPECT_LT(indexOf(plan, Op::UnshareCgroupNs), pivot);
    // Every mount lands under the new root (or the scratch tmpfs), never elsewhere on the host.
    for (size_t i = 0; i < pivot; ++i) {
        if (steps[i].op != Op::Mount) continue;
        EXPECT_EQ(steps[i].b.rfind("/run/virtlab/abc", 0), 0u) << steps[i].description;
    }
    EXPECT_GT(indexOf(plan, Op::SetHostname), pivot);
    EXPECT_GT(indexOf(plan, Op::LoopbackUp), pivot);
}

TEST(ContainerPlan, ProcSysAndDevAreLockedDown) {
    const ChildPlan plan = planContainerStart(sampleInputs());
    bool saw_proc = false, saw_sys = false, saw_dev_tmpfs = false;
    int device_binds = 0;
    for (const auto& s : plan.steps()) {
        if (s.op != Op::Mount) continue;
        if (s.fstype == "proc") {
            saw_proc = true;
            EXPECT_TRUE(s.flags & MS_NOSUID && s.flags & MS_NODEV && s.flags & MS_NOEXEC);
        }
        if (s.fstype == "sysfs") {
            saw_sys = true;
            EXPECT_TRUE(s.flags & MS_RDONLY) << "/sys is read-only";
        }
        if (s.fstype == "tmpfs" && s.b == "/run/virtlab/abc/root/dev") saw_dev_tmpfs = true;
        if ((s.flags & MS_BIND) && s.a.rfind("/dev/", 0) == 0) ++device_binds;
    }
    EXPECT_TRUE(saw_proc);
    EXPECT_TRUE(saw_sys);
    EXPECT_TRUE(saw_dev_tmpfs) << "/dev is a fresh tmpfs, not the host's";
    EXPECT_EQ(device_binds, static_cast<int>(containerDevices().size()));
}

TEST(ContainerPlan, OverlayKeepsTheRootfsAsLowerLayer) {
    ChildPlan plan = planContainerStart(sampleInputs());
    const auto& overlay = plan.steps()[indexOf(plan, Op::RootfsOverlay)];
    EXPECT_EQ(overlay.data,
              "lowerdir=/var/lib/virtlab/rootfs/busybox,upperdir=/run/virtlab/abc/upper,workdir=/run/virtlab/abc/work");
    EXPECT_EQ(overlay.c, "/run/virtlab/abc/root");

    PlanInputs odd = sampleInputs();
    odd.rootfs = "/srv/roots/a,b";  // a ',' would split overlay's option string
    plan = planContainerStart(odd);
    EXPECT_EQ(plan.steps()[indexOf(plan, Op::RootfsOverlay)].data, "") << "falls back to the read-only bind";
}

TEST(ContainerPlan, ExecSearchesThePath) {
    EXPECT_EQ(execCandidates("/bin/sh"), std::vector<std::string>{"/bin/sh"});
    EXPECT_EQ(execCandidates("./run"), std::vector<std::string>{"./run"});
    const auto candidates = execCandidates("sh");
    ASSERT_EQ(candidates.size(), 6u);
    EXPECT_EQ(candidates.front(), "/usr/local/sbin/sh");
    EXPECT_EQ(candidates.back(), "/bin/sh");
}

TEST(ContainerPlan, BindsAreMountedUnderTheNewRoot) {
    PlanInputs in = sampleInputs();
    in.binds = {{"/etc/hostname", "/data/host-name", true}};
    const ChildPlan plan = planContainerStart(in);
    bool bound = false, remounted = false;
    for (const auto& s : plan.steps()) {
        if (s.op == Op::Mount && s.a == "/etc/hostname" && s.b == "/run/virtlab/abc/root/data/host-name") bound = true;
        if (s.op == Op::Mount && (s.flags & MS_REMOUNT) && (s.flags & MS_RDONLY) && s.b == "/run/virtlab/abc/root/data/host-name")
            remounted = true;
    }
    EXPECT_TRUE(bound);
    EXPECT_TRUE(remounted);
}

TEST(ContainerPlan, BindTargetThroughASymlinkIsRefused) {
    TempDir rootfs("virtlab-plan-test");
    std::filesystem::create_directory(rootfs.path() + "/data");
    std::filesystem::create_symlink("/etc", rootfs.path() + "/evil");
    EXPECT_NO_THROW(checkBindTargets(rootfs.path(), {{"/etc/hostname", "/data/x", true}}));
    EXPECT_NO_THROW(checkBindTargets(rootfs.path(), {{"/etc/hostname", "/new/dir/x", true}}));
    try {
        checkBindTargets(rootfs.path(), {{"/etc/hostname", "/evil/passwd", true}});
        FAIL() << "a bind through a planted symlink was allowed";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::Input);
        EXPECT_NE(std::string(e.what()).find("symlink"), std::string::npos) << e.what();
    }
}

TEST(ContainerConfigCheck, RejectsBadInput) {
    const auto rejects = [](ContainerConfig c, const std::string& needle) {
        try {
            validateConfig(c);
            ADD_FAILURE() << "accepted a config with " << needle;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), Error::Kind::Input);
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    ContainerConfig ok;
    ok.argv = {"true"};
    EXPECT_NO_THROW(validateConfig(ok));
    rejects(ContainerConfig{}, "missing command");
    ContainerConfig c = ok;
    c.hostname = "bad host!";
    rejects(c, "--hostname");
    c = ok;
    c.name = "-x";
    rejects(c, "--name");
    c = ok;
    c.rootfs = "/nonexistent/virtlab-rootfs";
    rejects(c, "/nonexistent/virtlab-rootfs");
    c = ok;
    c.rootfs = "/etc/hostname";
    rejects(c, "not a directory");
    c = ok;
    c.memory_bytes = 1024;
    rejects(c, "--memory");
    c = ok;
    c.binds = {{"/etc/hostname", "relative/path", true}};
    rejects(c, "bind target");
    c.binds = {{"/etc/hostname", "/a/../../etc", true}};
    rejects(c, "bind target");
    c.binds = {{"/no/such/source", "/x", true}};
    rejects(c, "/no/such/source");
}

TEST(ContainerIds, AreTwelveHexDigitsAndDiffer) {
    const std::string a = newContainerId(), b = newContainerId();
    EXPECT_EQ(a.size(), 12u);
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(a, b);
}

}  // namespace
}  // namespace vl::ct
