// The trap-and-emulate monitor on real guests: the built-in kernel, and small guests assembled
// here from the NASM source shown beside each test.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "core/assets.h"
#include "tests/trapsim/guest_asm.h"
#include "trapsim/trap_vmm.h"

namespace vl::vm {
namespace {

using test::guestConfig;

std::string registerValue(const Snapshot& s, const std::string& name) {
    for (const auto& [n, v] : s.registers)
        if (n == name) return v;
    ADD_FAILURE() << "no register " << name;
    return "";
}

// The value of `NAME equ VALUE` in the kernel's source, so the expectations follow the kernel.
uint64_t kernelConstant(const std::string& name) {
    std::ifstream in(sourceAsset("guest/kernel.asm"));
    std::stringstream text;
    text << in.rdbuf();
    const std::regex line("\\n" + name + "\\s+equ\\s+(\\w+)");
    std::smatch m;
    const std::string s = text.str();
    if (!std::regex_search(s, m, line)) {
        ADD_FAILURE() << name << " not found in kernel.asm";
        return 0;
    }
    return std::stoull(m[1].str(), nullptr, 0);
}

TEST(TrapVmmKernel, PrintsItsConsoleAndPowersOffCleanly) {
    TrapVmm vmm;
    EXPECT_EQ(vmm.world(), "trap");
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    EXPECT_EQ(vmm.exitCode(), 0);
    const std::string console = vmm.snapshot().console;
    EXPECT_EQ(console,
              "VirtLab guest kernel 1.0: a 32-bit kernel that believes it owns the machine\n"
              "booted by a Multiboot loader? eax was 0x2badb002 (yes)\n"
              "cr0 = 0x00000011: protected mode, paging off\n"
              "divide error (#DE) caught by the kernel's handler at 0x00100039\n"
              "sieve of Eratosthenes below 10000: 1229 primes, sum 5736396\n"
              "fibonacci(40) = 102334155\n"
              "disk sector 1 says: a sector read from the VirtLab disk (LBA 1)\n"
              "critical sections: 2000 cli/sti pairs, shared counter = 2000\n"
              "timer interrupts taken inside cli sections: 0\n"
              "timer ticks that waited for sti: yes\n"
              // x86's holes, as trap-and-emulate leaves them: every check of them fails.
              "privilege level in cs (the kernel expects 0): 1 -> not ring 0: something runs above me\n"
              "pushf right after cli shows IF = 1 -> the flags lie: cli did not change what pushf sees\n"
              "popf with IF=0, then a long critical section -> the timer interrupted it: lost interrupt-disable "
              "(popf kept IF=1)\n"
              "pushf; cli; popf, then a long section -> no timer interrupt: lost interrupt-enable (popf did not "
              "restore IF=1)\n"
              "sgdt: GDT at 0xffff0000 -> not the table I loaded: someone else's\n"
              "sidt: IDT at 0xffff0800 -> not the table I loaded: someone else's\n"
              "smsw: machine status word 0x00000011 -> not the cr0 I wrote: someone else's\n"
              "ring-0 checks passed: 0 of 7\n"
        "paging: two address spaces switched by cr3, each sees its own page -> ok\n"
              "idle loop: woke up 16 times from hlt\n"
              "timer handler ran for every wake-up: yes\n"
              // user_tasks.inc: the tour and the counter at ring 3, switched at timer ticks
              "user tasks: pid 1 runs the tour's i386 ELF (entry 0x08049000), pid 2 a counter; both at ring 3, "
              "switched at timer ticks\n"
              "pid 1: first int 0x80 came from cs 0x0000001b (ring 3)\n"
              "VirtLab tour: one program, every world\n"
              "pid 2: first int 0x80 came from cs 0x0000001b (ring 3)\n"
              "counter 1\n"
              "counter 2\n"
              "primes below 20000: 2262\n"
              "counter 3\n"
              "counter 4\n"
              "fib(20): 6765\n"
              "counter 5\n"
              "counter 6\n"
              "pid 2: page fault at 0x00101000, error code 0x00000005 (user mode, protection): killed\n"
              "heap checksum: 1864400896\n"
              "getpid: ok\n"
              "done\n"
              "pid 1 exited with code 0\n"
              "user tasks: all have exited\n"
              "powering off with exit code 0\n");
}

TEST(TrapVmmKernel, TrapCountsMatchWhatTheKernelSourceDoes) {
    TrapVmm vmm;
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    const Counters c = vmm.counters();
    const uint64_t critical = kernelConstant("CRITICAL_SECTIONS");
    const uint64_t halts = kernelConstant("IDLE_HALTS");
    const uint64_t chars = vmm.snapshot().console.size();
    const uint64_t interrupts = c.at("interrupts_injected");
    ASSERT_GT(critical, 0u);
    // kernel.asm: one cli at entry, CRITICAL_SECTIONS x (cli; sti), 2 cli and 3 sti in the
    // ring-0 checks, the sti that starts the timer, IDLE_HALTS x (sti; hlt); user_tasks.inc:
    // 2 cli and 1 sti around the timer's restart.
    EXPECT_EQ(c.at("traps.cli"), 1 + critical + 2 + 2);
    EXPECT_EQ(c.at("traps.sti"), 1 + critical + 3 + halts + 1);
    EXPECT_EQ(c.at("traps.hlt"), halts);
    // mov eax, cr0 twice, mov cr0, eax once; paging: three cr3 loads, cr0 read and write; then
    // the user tasks: a cr3 load per address-space switch (each a shadow rebuild) and one read
    // of cr2 in the page-fault handler.
    const uint64_t task_space_loads = c.at("shadow.syncs") - 3;
    EXPECT_GT(task_space_loads, 10u) << "the tasks' spaces are switched at timer ticks";
    EXPECT_EQ(c.at("traps.mov_cr"), 8u + task_space_loads + 1);
    // The break grows in the live table: the first write faults, is tracked, then CR3 is reloaded.
    EXPECT_EQ(c.at("shadow.page_table_writes"), 1u);
    EXPECT_EQ(c.at("traps.lgdt"), 1u);
    EXPECT_EQ(c.at("traps.lidt"), 1u);
    EXPECT_EQ(c.at("traps.ltr"), 1u);
    EXPECT_EQ(c.at("traps.mov_ss"), 1u);  // its RPL-0 stack selector
    // The divide error, every system call and the counter's page fault are reflected.
    EXPECT_EQ(c.at("exceptions_reflected"), 1u + c.at("syscalls") + 1u);
    EXPECT_GE(interrupts, halts) << "every hlt is woken by a timer interrupt";
    // Handlers that return to the kernel iret through the monitor (one per timer interrupt in
    // the kernel and one for the divide error); returns to ring 3 run natively.
    EXPECT_GT(c.at("interrupts_from_ring3"), 10u);
    EXPECT_EQ(c.at("traps.iret"), interrupts - c.at("interrupts_from_ring3") + 1);
    // serial_init: 8 register writes and a scratch-register read; per character one LSR poll
    // and one THR write; timer_init: 10 writes to the PICs and 3 to the PIT; per critical
    // section an OCW3 write and an IRR read; per tick an EOI; finally the power-off byte. The
    // disk read: 6 writes to the ATA command block, a status read, 256 data-word reads.
    EXPECT_EQ(c.at("traps.out"), 8 + chars + 13 + critical + interrupts + 1 + 6 + 3);  // + the PIT's restart
    EXPECT_EQ(c.at("traps.in"), 1 + chars + critical + 1 + 256);
    EXPECT_EQ(c.at("disk.sectors_read"), 1u);
    EXPECT_EQ(c.at("traps.other"), 0u);
    uint64_t traps = 0;
    for (const char* op : {"cli", "sti", "hlt", "mov_cr", "lgdt", "lidt", "ltr", "mov_ss", "iret", "out", "in"})
        traps += c.at(std::string("traps.") + op);
    EXPECT_EQ(c.at("traps"), traps);
    EXPECT_GT(traps, 4000u) << "thousands of consecutive traps";
    // (and the one page-table write the shadow MMU let through)
    const uint64_t entries = traps + interrupts + c.at("exceptions_reflected") + c.at("shadow.page_table_writes");
    EXPECT_EQ(c.at("vmm_entries"), entries);
    EXPECT_EQ(c.at("modeled_cycles"), c.at("guest_instructions") * vmm.config().cost.cycles_per_instruction +
                                          entries * vmm.config().cost.trap_round_trip_cycles);
    EXPECT_GT(c.at("idle_clocks"), 0u) << "hlt skips the virtual clock ahead to the next tick";
    // Each distinct privileged-instruction site (not in/out) first traps through a real #GP.
    EXPECT_GE(c.at("trap_sites_found_by_gp"), 10u);
    EXPECT_LE(c.at("trap_sites_found_by_gp"), 35u);
}

TEST(TrapVmmKernel, SnapshotShowsRealAndVirtualCpuSideBySide) {
    TrapVmm vmm;
    ASSERT_EQ(vmm.run(), RunState::Finished);
    const Snapshot s = vmm.snapshot();
    EXPECT_EQ(registerValue(s, "cpl (real)"), "1");
    EXPECT_EQ(registerValue(s, "cpl (guest believes)"), "0");
    EXPECT_EQ(registerValue(s, "IF (real)"), "1");
    EXPECT_EQ(registerValue(s, "cs"), "0x00000009") << "the kernel's own code selector 0x08, at ring 1";
    EXPECT_EQ(registerValue(s, "gdtr (real)"), "0xffff0000");
    EXPECT_NE(registerValue(s, "gdtr (virtual)"), "0xffff0000");
    EXPECT_NE(registerValue(s, "idtr (virtual)"), "0x00000000");
    EXPECT_EQ(registerValue(s, "cr0 (shadow)"), "0x80000033") << "the kernel set MP and NE, then PG";
    ASSERT_FALSE(s.listing.empty());
    EXPECT_EQ(s.listing.front(), "0x00100020  cli");  // the kernel's first instruction
}

TEST(TrapVmmKernel, EventsNameEachTrapAndThePowerOff) {
    TrapVmm vmm;
    ASSERT_EQ(vmm.run(), RunState::Finished);
    bool saw_cli = false, saw_power_off = false;
    for (const Event& e : vmm.events().drain()) {
        if (e.kind == "trap" && e.detail.rfind("cli at 0x100020", 0) == 0) saw_cli = true;
        if (e.kind == "power-off") saw_power_off = e.detail.find("exit code 0") != std::string::npos;
    }
    EXPECT_TRUE(saw_cli);
    EXPECT_TRUE(saw_power_off);
}

TEST(TrapVmmKernel, ResetRunsTheSameMachineAgain) {
    TrapVmm vmm;
    ASSERT_EQ(vmm.run(), RunState::Finished);
    const Counters first = vmm.counters();
    vmm.reset();
    EXPECT_EQ(vmm.state(), RunState::Ready);
    EXPECT_EQ(vmm.snapshot().console, "");
    ASSERT_EQ(vmm.run(), RunState::Finished);
    EXPECT_EQ(vmm.counters(), first);
}

TEST(TrapVmmGuests, TwoHundredThousandConsecutiveTraps) {
    TrapVmm vmm(guestConfig("cli_sti_loop", R"(
        BITS 32
        ORG 0x100000            ; a headerless flat binary loads at 1 MiB
            mov ecx, 100000
        again:
            cli
            sti
            dec ecx
            jnz again
            mov al, 0
            out 0xF4, al        ; power off, exit code 0
    )"));
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    const Counters c = vmm.counters();
    EXPECT_EQ(c.at("traps.cli"), 100000u);
    EXPECT_EQ(c.at("traps.sti"), 100000u);
    EXPECT_EQ(c.at("traps.out"), 1u);
    EXPECT_EQ(c.at("traps"), 200001u);
    EXPECT_EQ(c.at("guest_instructions"), 1 + 4 * 100000u + 2);
    EXPECT_EQ(c.at("trap_sites_found_by_gp"), 2u);
}

TEST(TrapVmmGuests, VirtualInterruptFlagFollowsCliAndSti) {
    TrapVmm vmm(guestConfig("if_steps", R"(
        BITS 32
        ORG 0x100000
            sti                 ; 1
            nop                 ; 2
            cli                 ; 3
            nop                 ; 4
            sti                 ; 5
            mov al, 7
            out 0xF4, al
    )"));
    EXPECT_EQ(registerValue(vmm.snapshot(), "IF (virtual)"), "0");  // the boot protocol enters with IF=0
    ASSERT_EQ(vmm.run(1), RunState::Paused);
    EXPECT_EQ(vmm.counters().at("guest_instructions"), 1u);
    EXPECT_EQ(registerValue(vmm.snapshot(), "IF (virtual)"), "1");
    EXPECT_EQ(registerValue(vmm.snapshot(), "eip"), "0x00100001");
    ASSERT_EQ(vmm.run(2), RunState::Paused);
    EXPECT_EQ(registerValue(vmm.snapshot(), "IF (virtual)"), "0");
    EXPECT_EQ(registerValue(vmm.snapshot(), "IF (real)"), "1") << "the guest never masks the real CPU";
    ASSERT_EQ(vmm.run(2), RunState::Paused);
    EXPECT_EQ(registerValue(vmm.snapshot(), "IF (virtual)"), "1");
    EXPECT_EQ(vmm.run(), RunState::Finished);
    EXPECT_EQ(vmm.exitCode(), 7);
    EXPECT_EQ(vmm.counters().at("guest_instructions"), 7u);
}

TEST(TrapVmmGuests, HltWithInterruptsDisabledCanNeverWake) {
    TrapVmm vmm(guestConfig("cli_hlt", R"(
        BITS 32
        ORG 0x100000
            cli
            hlt
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("hlt at 0x00100001 with interrupts disabled"), std::string::npos) << vmm.failure();
}

TEST(TrapVmmGuests, JumpIntoUnmappedMemoryFailsWithAClearReport) {
    TrapVmm vmm(guestConfig("wild_jump", R"(
        BITS 32
        ORG 0x100000
            mov eax, 0x00800000 ; beyond the 4 MiB of RAM
            jmp eax
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("jumped to unmapped memory at 0x00800000"), std::string::npos) << vmm.failure();
    bool fault_event = false;
    for (const Event& e : vmm.events().drain()) fault_event |= e.kind == "fault";
    EXPECT_TRUE(fault_event);
}

TEST(TrapVmmGuests, NullPointerReadFails) {
    TrapVmm vmm(guestConfig("null_read", R"(
        BITS 32
        ORG 0x100000
            xor ebx, ebx
            mov eax, [ebx]      ; page 0 is not mapped
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("read unmapped memory at 0x00000000"), std::string::npos) << vmm.failure();
}

TEST(TrapVmmGuests, DivideByZeroWithoutAnIdtIsATripleFault) {
    TrapVmm vmm(guestConfig("triple_fault", R"(
        BITS 32
        ORG 0x100000
            cli                 ; one trap first, so the fault follows a handled #GP
            xor ecx, ecx
            div ecx             ; #DE, and there is no IDT to deliver it through
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    const std::string report = vmm.failure();
    EXPECT_NE(report.find("triple fault: #DE (divide error) at 0x00100003 `div ecx`"), std::string::npos) << report;
}

TEST(TrapVmmGuests, SoftwareInterruptWithoutAnIdtNamesTheIntInstruction) {
    TrapVmm vmm(guestConfig("int80", R"(
        BITS 32
        ORG 0x100000
            mov eax, 1
            int 0x80            ; a Linux system call, but this kernel is the one in charge
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("triple fault: interrupt 0x80 at 0x00100005 `int 0x80`"), std::string::npos)
        << vmm.failure();
}

TEST(TrapVmmGuests, InvalidOpcodeWithoutAnIdtIsATripleFault) {
    TrapVmm vmm(guestConfig("ud2", R"(
        BITS 32
        ORG 0x100000
            ud2
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("triple fault: #UD (invalid opcode) at 0x00100000 `ud2`"), std::string::npos)
        << vmm.failure();
}

TEST(TrapVmmGuests, GeneralProtectionOnAnInnocuousInstructionIsTheGuestsFault) {
    TrapVmm vmm(guestConfig("bad_selector", R"(
        BITS 32
        ORG 0x100000
            mov ax, 0x08        ; the ring-0 code selector: not loadable into DS from ring 1
            mov ds, ax
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("triple fault: #GP (general protection) at 0x00100004 `mov ds, "),
              std::string::npos)
        << vmm.failure();
}

TEST(TrapVmmGuests, WritingMonitorMemoryFails) {
    TrapVmm vmm(guestConfig("poke_monitor", R"(
        BITS 32
        ORG 0x100000
            mov dword [0xFFFF0008], 0   ; try to rewrite the monitor's GDT
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("wrote to monitor memory at 0xffff0008"), std::string::npos) << vmm.failure();
}

TEST(TrapVmmGuests, JumpingIntoMonitorCodeFails) {
    TrapVmm vmm(guestConfig("into_monitor", R"(
        BITS 32
        ORG 0x100000
            mov eax, 0xFFFF1000 ; the monitor's entry trampoline
            jmp eax
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("jumped into monitor memory at 0xffff1000"), std::string::npos) << vmm.failure();
}

TEST(TrapVmmGuests, PrivilegedInstructionsThisMonitorDoesNotEmulateAreNamed) {
    TrapVmm vmm(guestConfig("lldt", R"(
        BITS 32
        ORG 0x100000
            lldt ax             ; a local descriptor table: not modelled
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("privileged instruction `lldt ax`"), std::string::npos) << vmm.failure();
    EXPECT_EQ(vmm.counters().at("traps.other"), 1u);
    EXPECT_EQ(vmm.counters().at("guest_instructions"), 1u);
}

TEST(TrapVmmGuests, RunningPastTheInstructionLimitFails) {
    TrapVmm vmm(guestConfig("spin", R"(
        BITS 32
        ORG 0x100000
        forever:
            jmp forever
    )", 10000));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("ran past its limit of 10000 instructions"), std::string::npos) << vmm.failure();
    EXPECT_EQ(vmm.counters().at("guest_instructions"), 10000u);
}

TEST(TrapVmmGuests, PauseFromAnotherThreadStopsARunAndItResumes) {
    TrapVmm vmm(guestConfig("trap_forever", R"(
        BITS 32
        ORG 0x100000
        forever:
            cli
            sti
            jmp forever
    )", UINT64_MAX));
    RunState result = RunState::Ready;
    std::thread worker([&] { result = vmm.run(); });
    // Wait until the guest is really trapping, then pause it from this thread.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (vmm.counters().at("traps") < 10000 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    vmm.pause();
    worker.join();
    EXPECT_EQ(result, RunState::Paused);
    EXPECT_EQ(vmm.state(), RunState::Paused);
    const uint64_t done = vmm.counters().at("guest_instructions");
    EXPECT_GE(vmm.counters().at("traps"), 10000u);
    ASSERT_EQ(vmm.run(3000), RunState::Paused);
    EXPECT_EQ(vmm.counters().at("guest_instructions"), done + 3000);
}

}  // namespace
}  // namespace vl::vm
