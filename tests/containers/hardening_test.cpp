// Unit tests of the hardening data: the default capability set is Docker's, the seccomp
// filter compiles, and the start-up plan narrows privileges last, in the safe order.
#include <gtest/gtest.h>

#include <linux/capability.h>

#include <algorithm>

#include "containers/container_plan.h"
#include "containers/hardening.h"
#include "containers/seccomp_compile.h"

namespace vl::ct {
namespace {

using Op = ChildPlan::Op;

TEST(Hardening, DefaultCapabilitiesAreDockers) {
    // What `grep CapEff /proc/self/status` prints in a default Docker container.
    EXPECT_EQ(defaultCapabilityMask(), 0xa80425fbull);
    const auto names = capabilityNames(defaultCapabilityMask());
    EXPECT_EQ(names.size(), 14u);
    for (const char* kept : {"CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE", "CAP_SETFCAP"})
        EXPECT_NE(std::find(names.begin(), names.end(), kept), names.end()) << kept;
    for (const char* dropped : {"CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_NET_ADMIN", "CAP_SYS_PTRACE"})
        EXPECT_EQ(std::find(names.begin(), names.end(), dropped), names.end()) << dropped;
}

TEST(Hardening, SeccompFilterCompilesWithTheDenials) {
    const auto program = compileDefaultSeccompFilter();
    // Three architectures, ~45 denials, a few with argument checks: well over a hundred
    // instructions, and within the kernel's 4096 limit.
    EXPECT_GT(program.size(), 100u);
    EXPECT_LT(program.size(), 4096u);
    for (const char* name : {"mount", "keyctl", "ptrace", "bpf", "open_by_handle_at", "unshare", "userfaultfd"}) {
        const auto& d = defaultSeccompDenials();
        EXPECT_NE(std::find_if(d.begin(), d.end(), [&](const SeccompDenial& x) { return x.syscall == name; }), d.end()) << name;
    }
}

// The runtime carries the filter as data written at build time (tools/seccomp_bpf_gen.cpp):
// it must be exactly what libseccomp compiles from today's denial list, or a container would
// run with a stale filter.
TEST(Hardening, BuiltInSeccompFilterIsWhatLibseccompCompiles) {
    const auto compiled = compileDefaultSeccompFilter();
    const auto& built_in = defaultSeccompFilter();
    ASSERT_EQ(built_in.size(), compiled.size());
    for (size_t i = 0; i < compiled.size(); ++i) {
        EXPECT_EQ(built_in[i].code, compiled[i].code) << "instruction " << i;
        EXPECT_EQ(built_in[i].jt, compiled[i].jt) << "instruction " << i;
        EXPECT_EQ(built_in[i].jf, compiled[i].jf) << "instruction " << i;
        EXPECT_EQ(built_in[i].k, compiled[i].k) << "instruction " << i;
    }
}

TEST(Hardening, MaskedAndReadOnlyPathsAsRuncSetsThem) {
    for (const char* p : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/acpi", "/proc/scsi",
                          "/sys/firmware"})
        EXPECT_NE(std::find(maskedPaths().begin(), maskedPaths().end(), p), maskedPaths().end()) << p;
    for (const char* p : {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"})
        EXPECT_NE(std::find(readOnlyPaths().begin(), readOnlyPaths().end(), p), readOnlyPaths().end()) << p;
}

size_t indexOf(const ChildPlan& plan, Op op) {
    for (size_t i = 0; i < plan.steps().size(); ++i)
        if (plan.steps()[i].op == op) return i;
    return SIZE_MAX;
}

PlanInputs inputs(Isolation isolation) {
    PlanInputs in;
    in.rootfs = "/var/lib/virtlab/rootfs/busybox";
    in.scratch = "/run/virtlab/abc";
    in.hostname = "box";
    in.argv = {"true"};
    in.isolation = isolation;
    return in;
}

TEST(Hardening, PlanNarrowsPrivilegesLastInTheSafeOrder) {
    const ChildPlan plan = planContainerStart(inputs(Isolation::Pivot));
    const auto& steps = plan.steps();
    const size_t pivot = indexOf(plan, Op::PivotRoot), caps = indexOf(plan, Op::DropCapabilities),
                 nnp = indexOf(plan, Op::NoNewPrivs), filter = indexOf(plan, Op::InstallSeccomp),
                 hostname = indexOf(plan, Op::SetHostname);
    ASSERT_NE(filter, SIZE_MAX);
    EXPECT_EQ(filter, steps.size() - 1) << "the filter goes in last (it forbids mount and pivot_root)";
    EXPECT_LT(nnp, filter);
    EXPECT_LT(caps, nnp);
    EXPECT_LT(pivot, caps);
    EXPECT_LT(hostname, caps) << "sethostname needs CAP_SYS_ADMIN";
    EXPECT_EQ(steps[caps].flags, defaultCapabilityMask());
    // Every mask lands on the new root before the switch.
    size_t masks = 0;
    for (size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].op != Op::MaskPath && steps[i].op != Op::ReadOnlyPath) continue;
        ++masks;
        EXPECT_LT(i, pivot);
        EXPECT_EQ(steps[i].a.rfind("/run/virtlab/abc/root/", 0), 0u) << steps[i].a;
    }
    EXPECT_EQ(masks, maskedPaths().size() + readOnlyPaths().size());
    EXPECT_EQ(plan.phaseNames().back(), "security");
}

TEST(Hardening, ChrootIsolationChrootsInsteadOfPivoting) {
    const ChildPlan plan = planContainerStart(inputs(Isolation::Chroot));
    EXPECT_EQ(indexOf(plan, Op::PivotRoot), SIZE_MAX);
    const size_t chroot = indexOf(plan, Op::ChrootInto);
    ASSERT_NE(chroot, SIZE_MAX);
    EXPECT_EQ(plan.steps()[chroot].a, "/run/virtlab/abc/root");
    EXPECT_EQ(plan.phaseNames(), childPhaseNames(Isolation::Chroot));
    EXPECT_NE(std::find(plan.phaseNames().begin(), plan.phaseNames().end(), "chroot"), plan.phaseNames().end());
}

}  // namespace
}  // namespace vl::ct
