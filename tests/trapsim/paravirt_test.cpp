// The Xen-style hypervisor (pv mode): the paravirtual build of the guest kernel, its hypercalls
// by Xen's numbers, event masking through the shared-info page, the timer as an event-channel
// upcall, and small guests written against the interface in trapsim/README.md.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/trapsim/guest_asm.h"
#include "trapsim/trap_vmm.h"

namespace vl::vm {
namespace {

using test::guestConfig;
using test::kernelIn;

uint64_t count(const Counters& c, const std::string& name) {
    const auto it = c.find(name);
    return it == c.end() ? 0 : it->second;
}

TEST(Paravirtual, TheKernelsPvBuildPrintsWhatTheNativeBuildPrintsUnderHw) {
    TrapVmm pv(kernelIn(MonitorMode::Paravirtual)), hw(kernelIn(MonitorMode::HardwareAssisted));
    EXPECT_EQ(pv.world(), "pv");
    EXPECT_NE(pv.image().path.find("kernel-pv.bin"), std::string::npos) << "pv mode boots the paravirtual build";
    ASSERT_EQ(pv.run(), RunState::Finished) << pv.failure();
    ASSERT_EQ(hw.run(), RunState::Finished) << hw.failure();
    EXPECT_EQ(pv.exitCode(), 0);
    EXPECT_EQ(pv.snapshot().console, hw.snapshot().console);
    EXPECT_NE(pv.snapshot().console.find("ring-0 checks passed: 7 of 7\n"), std::string::npos)
        << "the POPF hole is closed: the PV kernel masks events instead of relying on popf";
}

TEST(Paravirtual, HypercallsReplaceThePrivilegedInstructions) {
    TrapVmm vmm(kernelIn(MonitorMode::Paravirtual));
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    const Counters c = vmm.counters();
    const std::string console = vmm.snapshot().console;
    const uint64_t lines = static_cast<uint64_t>(std::count(console.begin(), console.end(), '\n'));
    // kernel.asm (PARAVIRT): set_gdt and set_trap_table at boot, one multicall holding
    // bind_virq + set_callbacks + set_periodic_timer, one console_io per line, 16 blocks and
    // one shutdown through sched_op.
    EXPECT_EQ(count(c, "hypercalls.set_gdt"), 1u);
    EXPECT_EQ(count(c, "hypercalls.set_trap_table"), 1u);
    // The second multicall: the paging check's six mmu_update entries and the switch to space A;
    // then two mmuext_op switches (B, back to A).
    EXPECT_EQ(count(c, "hypercalls.multicall"), 2u);
    // Then the user tasks (user_tasks.inc): one mmu_update per entry of their page tables, an
    // mmuext_op per switch of address space, a stack_switch per task switch.
    const uint64_t task_entries = c.at("pv.page_table_updates") - 6;
    EXPECT_GT(task_entries, 20u);
    EXPECT_EQ(count(c, "hypercalls.mmu_update"), 1u + task_entries);
    EXPECT_GT(count(c, "hypercalls.mmuext_op"), 3u + 10u);
    EXPECT_GT(count(c, "hypercalls.stack_switch"), 10u);
    EXPECT_EQ(c.at("pv.batched_calls"), 3u + 2u) << "members of the two multicalls";
    EXPECT_GT(c.at("shadow.syncs"), 3u + 10u);
    // event_channel_op: bind the timer; for the disk, alloc_unbound and two sends (the store,
    // then the ring); grant_table_op once, to find the grant table.
    EXPECT_EQ(count(c, "hypercalls.event_channel_op"), 4u);
    EXPECT_EQ(count(c, "hypercalls.grant_table_op"), 1u);
    EXPECT_EQ(count(c, "hypercalls.set_callbacks"), 1u);
    EXPECT_EQ(count(c, "hypercalls.vcpu_op"), 2u) << "the timer started, then restarted for the tasks";
    EXPECT_EQ(count(c, "hypercalls.console_io"), lines);
    EXPECT_EQ(count(c, "hypercalls.sched_op"), 16u + 1u);
    // No cli, sti, hlt, in, out, lgdt, lidt, iret traps: only the one cr0 read Xen emulates.
    EXPECT_EQ(c.at("traps"), 1u);
    EXPECT_EQ(c.at("traps.mov_cr"), 1u);
    EXPECT_EQ(c.at("exits"), 0u);
    EXPECT_GE(c.at("upcalls"), 16u) << "every block is ended by a timer upcall";
    EXPECT_EQ(c.at("interrupts_injected"), c.at("upcalls"));
    // Entries: int 0x82 (multicall members run inside one), upcalls, the trap, the #DE bounce.
    // int 0x80 from the user tasks is Xen's direct trap: delivered, but no entry.
    EXPECT_EQ(c.at("vmm_entries"), c.at("hypercalls") + c.at("upcalls") + c.at("traps") + c.at("exceptions_reflected") -
                                       c.at("syscalls"));
    EXPECT_EQ(c.at("exceptions_reflected"), 1u + c.at("syscalls") + 1u) << "#DE, the system calls, the counter's #PF";
    EXPECT_EQ(c.at("modeled_cycles"), c.at("guest_instructions") * vmm.config().cost.cycles_per_instruction +
                                          c.at("vmm_entries") * vmm.config().cost.hypercall_cycles);
}

TEST(Paravirtual, TheDiskIsReadThroughBlkfrontAndDom0sBlkback) {
    TrapVmm vmm(kernelIn(MonitorMode::Paravirtual));
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    const Counters c = vmm.counters();
    EXPECT_NE(vmm.snapshot().console.find("disk sector 1 says: a sector read from the VirtLab disk (LBA 1)\n"),
              std::string::npos);
    EXPECT_EQ(c.at("blkback.requests"), 1u);
    EXPECT_EQ(c.at("blkback.sectors_read"), 1u);
    EXPECT_EQ(c.at("disk.sectors_read"), 0u) << "the PV guest never touches the ATA ports";
    EXPECT_EQ(c.at("grant_maps"), 2u) << "dom0 mapped the ring and the data page";
    bool connected = false;
    for (const Event& e : vmm.events().drain()) connected |= e.kind == "dom0" && e.detail.find("connected") != std::string::npos;
    EXPECT_TRUE(connected);
}

TEST(Paravirtual, NeedsAtLeastTenTimesFewerMonitorEntriesThanTrapAndEmulate) {
    TrapVmm pv(kernelIn(MonitorMode::Paravirtual)), trap(kernelIn(MonitorMode::Trap));
    ASSERT_EQ(pv.run(), RunState::Finished) << pv.failure();
    ASSERT_EQ(trap.run(), RunState::Finished) << trap.failure();
    const uint64_t pv_entries = pv.counters().at("vmm_entries"), trap_entries = trap.counters().at("vmm_entries");
    std::printf("[ entries  ] trap %llu, pv %llu (%.1fx fewer)\n", static_cast<unsigned long long>(trap_entries),
                static_cast<unsigned long long>(pv_entries), static_cast<double>(trap_entries) / pv_entries);
    EXPECT_GE(trap_entries, 10 * pv_entries);
}

TEST(Paravirtual, TheEventLogNamesEachHypercall) {
    TrapVmm vmm(kernelIn(MonitorMode::Paravirtual));
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    bool console_io = false, multicall = false, shutdown = false, upcall = false;
    for (const Event& e : vmm.events().drain()) {
        if (e.kind == "hypercall") {
            console_io |= e.detail.rfind("console_io(CONSOLEIO_write, ", 0) == 0;
            multicall |= e.detail.rfind("multicall(3 calls) = 0; event_channel_op(EVTCHNOP_bind_virq, VIRQ_TIMER -> port 2) = 0", 0) == 0;  // port 1: the store
            shutdown |= e.detail.rfind("sched_op(SCHEDOP_shutdown, SHUTDOWN_poweroff) = 0", 0) == 0;
        }
        upcall |= e.kind == "interrupt" && e.detail.rfind("event upcall at 0x", 0) == 0;
    }
    EXPECT_TRUE(console_io);
    EXPECT_TRUE(multicall);
    EXPECT_TRUE(shutdown);
    EXPECT_TRUE(upcall);
}

// A guest written from the README's interface: bind the timer, register the callback, start a
// 1 ms periodic timer, then spin with events masked across several periods. No upcall may
// arrive while masked; the pending flag shows the held-back event; unmasking and any
// hypercall (xen_version) deliver it.
const char* const kMaskedTimer = R"(
    BITS 32
    ORG 0x100000
    SHARED equ 0x2000
        mov esp, 0x200000
        mov ebx, calls
        mov ecx, 3
        mov eax, 13                 ; multicall
        int 0x82
        mov ecx, 30000              ; events are masked at entry: spin across ~25 timer periods
    spin:
        dec ecx
        jnz spin
        mov eax, [upcalls]          ; must still be 0
        mov [seen_while_masked], eax
        movzx eax, byte [SHARED]    ; evtchn_upcall_pending: the tick is waiting
        mov [pending_while_masked], eax
        mov byte [SHARED + 1], 0    ; unmask: no trap, so nothing happens yet
        mov eax, [upcalls]
        mov [seen_after_unmask], eax
        mov eax, 17                 ; xen_version: the return to the guest delivers the upcall
        xor ebx, ebx
        int 0x82
        cmp dword [seen_while_masked], 0
        jne bad
        cmp dword [pending_while_masked], 1
        jne bad
        cmp dword [seen_after_unmask], 0
        jne bad
        cmp dword [upcalls], 1
        jne bad
        mov ecx, off
        jmp shutdown
    bad:
        mov ecx, crashed
    shutdown:
        mov eax, 29                 ; sched_op(SCHEDOP_shutdown, &reason)
        mov ebx, 2
        int 0x82
    callback:
        inc dword [upcalls]
        mov byte [SHARED], 0        ; evtchn_upcall_pending
        mov dword [SHARED + 4], 0   ; evtchn_pending_sel
        mov dword [SHARED + 2048], 0 ; evtchn_pending
        iret                        ; events stay masked (the upcall set the mask)
    calls:
        dd 32, 0, 1, bind, 0, 0, 0, 0          ; event_channel_op(EVTCHNOP_bind_virq)
        dd 4, 0, 0xF1, callback, 0xF1, 0, 0, 0 ; set_callbacks(cs, eip, failsafe cs, eip)
        dd 24, 0, 6, 0, period, 0, 0, 0        ; vcpu_op(VCPUOP_set_periodic_timer, vcpu 0)
    bind:   dd 0, 0, 0                           ; VIRQ_TIMER, vcpu 0, port (out)
    period: dq 1000000                           ; 1 ms: 1193 clocks
    off:    dd 0                                 ; SHUTDOWN_poweroff
    crashed: dd 3                                ; SHUTDOWN_crash
    upcalls: dd 0
    seen_while_masked: dd 0
    pending_while_masked: dd 0
    seen_after_unmask: dd 0
)";

TEST(Paravirtual, NoUpcallWhileEventsAreMaskedAndOneAsSoonAsTheGuestReturnsUnmasked) {
    TrapVmmConfig config = guestConfig("masked_timer", kMaskedTimer);
    config.mode = MonitorMode::Paravirtual;
    TrapVmm vmm(config);
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    EXPECT_EQ(vmm.exitCode(), 0) << "the guest's own checks failed (SHUTDOWN_crash)";
    const Counters c = vmm.counters();
    EXPECT_EQ(c.at("upcalls"), 1u);
    EXPECT_EQ(c.at("traps"), 0u) << "masking and unmasking events never traps";
}

// Hypercall errors come back in EAX, as Xen returns them (-errno).
const char* const kBadHypercalls = R"(
    BITS 32
    ORG 0x100000
        mov eax, 99                 ; no such hypercall
        int 0x82
        mov [r_unknown], eax
        mov eax, 18                 ; console_io(CONSOLEIO_write, 4, an address outside RAM)
        xor ebx, ebx
        mov ecx, 4
        mov edx, 0x80000000
        int 0x82
        mov [r_fault], eax
        mov eax, 1                  ; mmu_update: map a frame the domain does not own
        mov ebx, update
        mov ecx, 1
        xor edx, edx
        int 0x82
        mov [r_perm], eax
        mov eax, 29
        mov ebx, 2
        mov ecx, reason
        cmp dword [r_unknown], -38  ; -ENOSYS
        jne bad
        cmp dword [r_fault], -14    ; -EFAULT
        jne bad
        cmp dword [r_perm], -1      ; -EPERM
        jne bad
        mov dword [reason], 0
    bad:
        int 0x82
        align 8                     ; ptr's low two bits are the command: entries are aligned
    update: dq pte, 0x7FFFF001      ; ptr (MMU_NORMAL_PT_UPDATE), val: frame 0x7FFFF, present
    pte:    dd 0
    reason: dd 3
    r_unknown: dd 0
    r_fault: dd 0
    r_perm: dd 0
)";

TEST(Paravirtual, HypercallErrorsReturnXensErrorNumbers) {
    TrapVmmConfig config = guestConfig("bad_hypercalls", kBadHypercalls);
    config.mode = MonitorMode::Paravirtual;
    TrapVmm vmm(config);
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    EXPECT_EQ(vmm.exitCode(), 0) << "a hypercall returned the wrong error";
    EXPECT_EQ(vmm.counters().at("hypercalls.unknown"), 1u);
}

TEST(Paravirtual, BlockingWithNoTimerEndsTheRunWithAReport) {
    TrapVmmConfig config = guestConfig("block_forever", R"(
        BITS 32
        ORG 0x100000
            mov eax, 29             ; sched_op(SCHEDOP_block) with no timer bound
            mov ebx, 1
            int 0x82
    )");
    config.mode = MonitorMode::Paravirtual;
    TrapVmm vmm(config);
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("the guest blocked in sched_op at 0x0010000a with no timer event bound"),
              std::string::npos)
        << vmm.failure();
}

TEST(Emulate, TheNativeKernelRunsWholeWithNoMonitorEntries) {
    TrapVmm emu(kernelIn(MonitorMode::Emulate)), hw(kernelIn(MonitorMode::HardwareAssisted));
    EXPECT_EQ(emu.world(), "emulate");
    ASSERT_EQ(emu.run(), RunState::Finished) << emu.failure();
    ASSERT_EQ(hw.run(), RunState::Finished) << hw.failure();
    EXPECT_EQ(emu.snapshot().console, hw.snapshot().console);
    const Counters c = emu.counters();
    EXPECT_EQ(c.at("vmm_entries"), 0u);
    EXPECT_EQ(c.at("traps"), 0u);
    EXPECT_EQ(c.at("exits"), 0u);
    EXPECT_GT(c.at("blocks_translated"), 50u);
    EXPECT_GT(c.at("translated_instructions"), c.at("blocks_translated"));
    EXPECT_GE(c.at("interrupts_injected"), 16u);
    EXPECT_EQ(c.at("guest_instructions"), hw.counters().at("guest_instructions"))
        << "the same instructions run, only nothing leaves the emulator";
    EXPECT_EQ(c.at("modeled_cycles"), c.at("guest_instructions") * emu.config().cost.cycles_per_instruction +
                                          c.at("translated_instructions") *
                                              emu.config().cost.bt_translation_cycles_per_instruction);
}

}  // namespace
}  // namespace vl::vm
