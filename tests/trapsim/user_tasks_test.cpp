// The built-in kernel's user tasks (assets/guest/user_tasks.inc) under every monitor mode: the
// tour's i386 ELF and a counter run at ring 3 in address spaces of their own, are preempted by
// the timer, make Linux i386 system calls with int 0x80, and the counter's read of a kernel
// page kills it with #PF while the tour carries on.
#include <gtest/gtest.h>

#include <string>

#include "tests/trapsim/guest_asm.h"
#include "trapsim/trap_vmm.h"

using namespace vl;
using namespace vl::vm;
using vl::vm::test::kernelIn;

namespace {

struct KernelRun {
    RunState state = RunState::Ready;
    int exit_code = -1;
    std::string failure;
    std::string console;
    Counters counters;
};

KernelRun runKernel(MonitorMode mode) {
    TrapVmm vmm(kernelIn(mode));
    KernelRun r;
    r.state = vmm.run();
    r.exit_code = vmm.exitCode();
    r.failure = vmm.failure();
    r.console = vmm.snapshot().console;
    r.counters = vmm.counters();
    return r;
}

// The user-task part of the console: from the kernel's announcement to "all have exited".
std::string userPart(const std::string& console) {
    const size_t from = console.find("user tasks: pid 1");
    const size_t to = console.find("user tasks: all have exited\n");
    if (from == std::string::npos || to == std::string::npos || to < from) return {};
    return console.substr(from, to - from);
}

class UserTasks : public ::testing::TestWithParam<MonitorMode> {};

TEST_P(UserTasks, TheTourAndTheCounterRunAtRing3AndThePageFaultKillsOnlyTheCounter) {
    const KernelRun r = runKernel(GetParam());
    ASSERT_EQ(r.state, RunState::Finished) << r.failure;
    EXPECT_EQ(r.exit_code, 0) << "the kernel powers off with 0 once every task has exited";
    const std::string tasks = userPart(r.console);
    ASSERT_FALSE(tasks.empty()) << r.console;
    // The tour's output, from a ring-3 task (assets/tour/tour.c).
    for (const char* line : {"VirtLab tour: one program, every world\n", "primes below 20000: 2262\n",
                             "fib(20): 6765\n", "heap checksum: ", "getpid: ok\n", "done\n"})
        EXPECT_NE(tasks.find(line), std::string::npos) << "missing " << line << " in\n" << tasks;
    // The CS the int 0x80 frame carries: both tasks' code ran at ring 3.
    EXPECT_NE(tasks.find("pid 1: first int 0x80 came from cs 0x0000001b (ring 3)\n"), std::string::npos) << tasks;
    EXPECT_NE(tasks.find("pid 2: first int 0x80 came from cs 0x0000001b (ring 3)\n"), std::string::npos) << tasks;
    // The counter reads the kernel's GDT page: present, supervisor only -> error code P | U/S.
    const size_t killed =
        tasks.find("pid 2: page fault at 0x00101000, error code 0x00000005 (user mode, protection): killed\n");
    EXPECT_NE(killed, std::string::npos) << tasks;
    const size_t tour_exit = tasks.find("pid 1 exited with code 0\n");
    EXPECT_NE(tour_exit, std::string::npos) << tasks;
    EXPECT_LT(killed, tour_exit) << "the tour carries on after the counter is killed";
    EXPECT_EQ(tasks.find("pid 2 exited"), std::string::npos);
    // Preemption: the counter's lines fall between the tour's, at timer ticks.
    const size_t first_count = tasks.find("counter 1\n");
    const size_t last_count = tasks.find("counter 6\n");
    ASSERT_NE(first_count, std::string::npos) << tasks;
    ASSERT_NE(last_count, std::string::npos) << tasks;
    EXPECT_LT(tasks.find("VirtLab tour"), last_count) << tasks;
    EXPECT_LT(first_count, tasks.find("done\n")) << tasks;
    const std::string between = tasks.substr(first_count, last_count - first_count);
    EXPECT_TRUE(between.find("primes below") != std::string::npos || between.find("fib(20)") != std::string::npos)
        << "the two tasks' output interleaves:\n" << tasks;
    // System calls: the tour's writes, brk, getpid and exit, the counter's writes.
    EXPECT_GE(r.counters.at("syscalls"), 6u + 2u + 1u + 1u + 6u);
    if (GetParam() == MonitorMode::Paravirtual)
        EXPECT_GT(r.counters.at("upcalls"), 16u) << "timer events while the tasks ran";
    else
        EXPECT_GT(r.counters.at("interrupts_injected"), 16u) << "timer interrupts while the tasks ran";
}

INSTANTIATE_TEST_SUITE_P(EveryMode, UserTasks,
                         ::testing::Values(MonitorMode::Trap, MonitorMode::BinaryTranslation,
                                           MonitorMode::HardwareAssisted, MonitorMode::Paravirtual,
                                           MonitorMode::Emulate),
                         [](const ::testing::TestParamInfo<MonitorMode>& param_info) { return modeName(param_info.param); });

// The user tasks' output is the same under every monitor: the PIT counts guest instructions,
// and the slices are restarted in step before the first task runs.
TEST(UserTasksAcrossModes, ConsolesAgree) {
    const std::string reference = userPart(runKernel(MonitorMode::HardwareAssisted).console);
    ASSERT_FALSE(reference.empty());
    for (MonitorMode mode : {MonitorMode::Trap, MonitorMode::BinaryTranslation, MonitorMode::Paravirtual,
                             MonitorMode::Emulate})
        EXPECT_EQ(userPart(runKernel(mode).console), reference) << modeName(mode);
}

// Ring compression: the kernel's ltr traps and is emulated (its TSS gives the ring-3 entries
// their kernel stack); its irets to ring 3 run natively, so only the kernel-to-kernel ones trap.
TEST(UserTasksUnderTrap, LtrIsEmulatedAndSystemCallsEnterTheMonitor) {
    const KernelRun r = runKernel(MonitorMode::Trap);
    ASSERT_EQ(r.state, RunState::Finished) << r.failure;
    EXPECT_EQ(r.counters.at("traps.ltr"), 1u);
    EXPECT_EQ(r.counters.at("traps.other"), 0u);
    // Every int 0x80 from ring 3 enters the monitor (it owns the real IDT) and is reflected.
    EXPECT_GE(r.counters.at("exceptions_reflected"), r.counters.at("syscalls") + 1 /* #DE */ + 1 /* #PF */);
}

// Xen's direct trap: a PV kernel's int 0x80 (trap_info DPL 3) does not enter the hypervisor,
// so pv needs far fewer monitor entries than trap for the same tasks.
TEST(UserTasksUnderPv, SystemCallsAreDirectTrapsAndStackSwitchNamesTheKernelStack) {
    const KernelRun pv = runKernel(MonitorMode::Paravirtual);
    const KernelRun trap = runKernel(MonitorMode::Trap);
    ASSERT_EQ(pv.state, RunState::Finished) << pv.failure;
    ASSERT_EQ(trap.state, RunState::Finished) << trap.failure;
    EXPECT_GT(pv.counters.at("hypercalls.stack_switch"), 0u);
    EXPECT_GT(pv.counters.at("syscalls"), 0u);
    EXPECT_EQ(pv.counters.at("syscalls"), trap.counters.at("syscalls"));
    EXPECT_GE(trap.counters.at("vmm_entries"), 10 * pv.counters.at("vmm_entries"));
}

}  // namespace
