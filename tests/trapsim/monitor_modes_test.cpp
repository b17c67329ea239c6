// The same guest kernel under the three monitors: trap-and-emulate (its holes show), binary
// translation and VT-x-style exits (the holes are closed), and the VMCS controls choosing
// what exits.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/trapsim/guest_asm.h"
#include "trapsim/trap_vmm.h"

namespace vl::vm {
namespace {

using test::guestConfig;
using test::kernelIn;

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    size_t begin = 0;
    for (size_t end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1)
        out.push_back(text.substr(begin, end - begin));
    return out;
}

TEST(MonitorModes, BinaryTranslationClosesEveryHoleWithoutASingleFault) {
    TrapVmm vmm(kernelIn(MonitorMode::BinaryTranslation));
    EXPECT_EQ(vmm.world(), "bt");
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    const std::string console = vmm.snapshot().console;
    EXPECT_NE(console.find("privilege level in cs (the kernel expects 0): 0 -> ok\n"), std::string::npos) << console;
    EXPECT_NE(console.find("pushf right after cli shows IF = 0 -> ok\n"), std::string::npos);
    EXPECT_NE(console.find("popf with IF=0, then a long critical section -> ok\n"), std::string::npos);
    EXPECT_NE(console.find("pushf; cli; popf, then a long section -> ok\n"), std::string::npos);
    EXPECT_NE(console.find("smsw: machine status word 0x00000033 -> ok\n"), std::string::npos);
    EXPECT_NE(console.find("ring-0 checks passed: 7 of 7\n"), std::string::npos);
    const Counters c = vmm.counters();
    EXPECT_EQ(c.at("trap_sites_found_by_gp"), 0u) << "the translator saw every sensitive instruction before it ran";
    EXPECT_EQ(c.at("traps.pushf"), 3u);
    EXPECT_EQ(c.at("traps.popf"), 2u);
    EXPECT_EQ(c.at("traps.sgdt"), 1u);
    EXPECT_EQ(c.at("traps.sidt"), 1u);
    EXPECT_EQ(c.at("traps.smsw"), 1u);
    EXPECT_EQ(c.at("traps.mov_cs"), 1u);
    EXPECT_GT(c.at("bt.blocks"), 50u);
    EXPECT_GT(c.at("bt.translated_instructions"), c.at("bt.rewritten"));
    EXPECT_GE(c.at("bt.rewritten"), 40u);
    EXPECT_EQ(c.at("exits"), 0u);
    const CostModel& cost = vmm.config().cost;
    EXPECT_EQ(c.at("modeled_cycles"), c.at("guest_instructions") * cost.cycles_per_instruction +
                                          c.at("vmm_entries") * cost.bt_callout_cycles +
                                          c.at("bt.translated_instructions") * cost.bt_translation_cycles_per_instruction);
    // The listing: the original beside its translation, innocuous instructions unchanged.
    const std::vector<std::string> listing = vmm.snapshot().listing;
    ASSERT_EQ(listing.size(), c.at("bt.translated_instructions"));
    EXPECT_EQ(listing.front().substr(0, 12), "0x00100020  ");
    EXPECT_NE(listing.front().find("cli"), std::string::npos);
    EXPECT_NE(listing.front().find("->  call vmm_cli"), std::string::npos);
    size_t unchanged = 0;
    for (const std::string& line : listing) unchanged += line.find("->  call vmm_") == std::string::npos;
    EXPECT_EQ(unchanged, c.at("bt.translated_instructions") - c.at("bt.rewritten"));
}

TEST(MonitorModes, HardwareAssistedGuestRunsAtRingZeroAndExitsBySdmReason) {
    TrapVmm vmm(kernelIn(MonitorMode::HardwareAssisted));
    EXPECT_EQ(vmm.world(), "hw");
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    EXPECT_NE(vmm.snapshot().console.find("ring-0 checks passed: 7 of 7\n"), std::string::npos);
    const Counters c = vmm.counters();
    EXPECT_EQ(c.at("traps"), 0u);
    EXPECT_EQ(c.at("exits.hlt"), 16u);
    // The write to cr0 in the ring-0 checks; paging: three cr3 loads and the cr0 write that turns
    // it on (reads do not exit); then a cr3 load per switch of the user tasks' spaces.
    const uint64_t task_space_loads = c.at("shadow.syncs") - 3;  // paging on (space A), B, A
    EXPECT_GT(task_space_loads, 10u);
    EXPECT_EQ(c.at("exits.cr_access"), 5u + task_space_loads);
    EXPECT_GT(c.at("exits.io"), 1000u);
    EXPECT_GT(c.at("exits.external_interrupt"), 0u);
    EXPECT_EQ(c.at("exits.exception"), 0u) << "the exception bitmap is empty: #DE goes straight to the guest";
    // #DE, the user tasks' system calls and the counter's #PF: none exits.
    EXPECT_EQ(c.at("exceptions_reflected"), 1u + c.at("syscalls") + 1u);
    EXPECT_EQ(c.at("vmm_entries"), c.at("exits"));
    EXPECT_EQ(c.at("modeled_cycles"), c.at("guest_instructions") * vmm.config().cost.cycles_per_instruction +
                                          c.at("exits") * vmm.config().cost.vm_exit_cycles);
    bool hlt_exit = false, power_off_exit = false;
    for (const Event& e : vmm.events().drain()) {
        hlt_exit |= e.kind == "exit" && e.detail.rfind("HLT (12) at 0x", 0) == 0;
        // out 0xF4, al: port 0xf4 in bits 31:16, one byte (0), out (bit 3 clear).
        power_off_exit |= e.kind == "exit" && e.detail.find("I/O instruction (30)") == 0 &&
                          e.detail.find("qualification 0xf40000") != std::string::npos;
    }
    EXPECT_TRUE(hlt_exit);
    EXPECT_TRUE(power_off_exit);
}

TEST(MonitorModes, ConsoleIsTheSameInEveryModeExceptTheHolesDemo) {
    TrapVmm trap(kernelIn(MonitorMode::Trap)), bt(kernelIn(MonitorMode::BinaryTranslation)),
        hw(kernelIn(MonitorMode::HardwareAssisted));
    ASSERT_EQ(trap.run(), RunState::Finished);
    ASSERT_EQ(bt.run(), RunState::Finished);
    ASSERT_EQ(hw.run(), RunState::Finished);
    EXPECT_EQ(bt.snapshot().console, hw.snapshot().console);
    const auto a = lines(trap.snapshot().console), b = lines(bt.snapshot().console);
    ASSERT_EQ(a.size(), b.size());
    size_t differing = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i] == b[i]) continue;
        ++differing;
        EXPECT_TRUE(b[i].find(" -> ok") != std::string::npos || b[i] == "ring-0 checks passed: 7 of 7") << b[i];
    }
    EXPECT_EQ(differing, 8u) << "seven ring-0 checks and their summary";
}

TEST(MonitorModes, VmcsControlsChooseWhatExits) {
    const char* const source = R"(
        BITS 32
        ORG 0x100000
            cpuid               ; exits unconditionally
            rdtsc               ; exits only with RDTSC exiting
            mov eax, 0
            mov cr3, eax        ; CR3-load exiting
            mov eax, 99
            vmcall              ; a hypercall: this monitor has none, -ENOSYS in eax
            cmp eax, -38
            jne bad
            mov al, 0
            out 0xF4, al        ; I/O: unconditional, or per the bitmap
        bad:
            mov al, 1
            out 0xF4, al
    )";
    TrapVmmConfig config = guestConfig("controls", source);
    config.mode = MonitorMode::HardwareAssisted;
    {
        TrapVmm vmm(config);
        ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
        EXPECT_EQ(vmm.exitCode(), 0);
        const Counters c = vmm.counters();
        EXPECT_EQ(c.at("exits.cpuid"), 1u);
        EXPECT_EQ(c.at("exits.rdtsc"), 0u);
        EXPECT_EQ(c.at("exits.cr_access"), 1u);
        EXPECT_EQ(c.at("exits.vmcall"), 1u);
        EXPECT_EQ(c.at("exits.io"), 1u);
        EXPECT_EQ(c.at("exits"), 4u);
    }
    config.controls.rdtsc_exiting = true;
    config.controls.cr3_load_exiting = false;
    config.controls.use_io_bitmaps = true;  // an empty bitmap: no port exits
    {
        TrapVmm vmm(config);
        ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
        const Counters c = vmm.counters();
        EXPECT_EQ(c.at("exits.rdtsc"), 1u);
        EXPECT_EQ(c.at("exits.cr_access"), 0u);
        EXPECT_EQ(c.at("exits.io"), 0u) << "the power-off still worked, without an exit";
        EXPECT_EQ(c.at("exits"), 3u);
    }
}

TEST(MonitorModes, ExceptionBitmapAndHltExitingChangeTheKernelsExits) {
    TrapVmmConfig config = kernelIn(MonitorMode::HardwareAssisted);
    config.controls.exception_bitmap = 1u << 0;  // #DE
    config.controls.hlt_exiting = false;
    TrapVmm vmm(config);
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    const Counters c = vmm.counters();
    EXPECT_EQ(c.at("exits.exception"), 1u);
    EXPECT_EQ(c.at("exits.hlt"), 0u) << "without HLT exiting the CPU sleeps in the guest";
    EXPECT_NE(vmm.snapshot().console.find("idle loop: woke up 16 times from hlt"), std::string::npos);
}

TEST(MonitorModes, HwTripleFaultIsAnExitWithItsReason) {
    TrapVmmConfig config = guestConfig("hw_triple", R"(
        BITS 32
        ORG 0x100000
            xor ecx, ecx
            div ecx             ; no IDT: #DE, #DF, shutdown
    )");
    config.mode = MonitorMode::HardwareAssisted;
    TrapVmm vmm(config);
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("triple fault: #DE (divide error) at 0x00100002 `div ecx`"), std::string::npos)
        << vmm.failure();
    EXPECT_EQ(vmm.counters().at("exits.triple_fault"), 1u);
}

TEST(MonitorModes, AGuestAtRingZeroStillCannotWriteMonitorMemory) {
    TrapVmmConfig config = guestConfig("hw_poke", R"(
        BITS 32
        ORG 0x100000
            mov eax, cs
            and eax, 3
            jnz wrong_ring      ; the hw guest really is at ring 0
            mov dword [0xFFFF0008], 0   ; the monitor's GDT: protected like EPT protects a VMM
        wrong_ring:
            mov al, 1
            out 0xF4, al
    )");
    config.mode = MonitorMode::HardwareAssisted;
    TrapVmm vmm(config);
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("wrote to monitor memory at 0xffff0008"), std::string::npos) << vmm.failure();
}

TEST(MonitorModes, ResetEmptiesTheTranslationCache) {
    TrapVmm vmm(kernelIn(MonitorMode::BinaryTranslation));
    ASSERT_EQ(vmm.run(), RunState::Finished);
    const Counters first = vmm.counters();
    const size_t listing = vmm.snapshot().listing.size();
    vmm.reset();
    ASSERT_EQ(vmm.run(), RunState::Finished);
    EXPECT_EQ(vmm.counters(), first) << "the same blocks translated again, the same run";
    EXPECT_EQ(vmm.snapshot().listing.size(), listing);
}

// A million consecutive traps (and callouts, and exits) without a double fault or a leak of
// state between them; the rate is printed for the closing note.
TEST(MonitorModes, AMillionConsecutiveTrapsCalloutsAndExits) {
    const char* const loop = R"(
        BITS 32
        ORG 0x100000
            mov ecx, 500000
        again:
            cli
            out 0x80, al        ; a POST-code port: unclaimed, but it traps or exits
            dec ecx
            jnz again
            mov al, 0
            out 0xF4, al
    )";
    for (MonitorMode mode : {MonitorMode::Trap, MonitorMode::BinaryTranslation, MonitorMode::HardwareAssisted}) {
        TrapVmmConfig config = guestConfig("million", loop, 5'000'000);
        config.mode = mode;
        TrapVmm vmm(config);
        const auto start = std::chrono::steady_clock::now();
        ASSERT_EQ(vmm.run(), RunState::Finished) << modeName(mode) << ": " << vmm.failure();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const Counters c = vmm.counters();
        const uint64_t expected = mode == MonitorMode::HardwareAssisted ? 500001u : 1000001u;  // hw: cli runs natively
        EXPECT_EQ(c.at("vmm_entries"), expected) << modeName(mode);
        std::printf("[ rate     ] %s: %llu vmm entries in %.3f s = %.2f M/s\n", modeName(mode).c_str(),
                    static_cast<unsigned long long>(c.at("vmm_entries")), seconds,
                    static_cast<double>(c.at("vmm_entries")) / seconds / 1e6);
    }
}

}  // namespace
}  // namespace vl::vm
