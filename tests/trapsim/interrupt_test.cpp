// Interrupts and exceptions through the guest's own IDT under the trap-and-emulate monitor:
// the timer (PIT + PIC) delivered only while the virtual IF is 1, exceptions reflected to the
// guest's handlers, and the triple fault when delivery is impossible.
#include <gtest/gtest.h>

#include <regex>

#include "tests/trapsim/guest_asm.h"
#include "trapsim/trap_vmm.h"

namespace vl::vm {
namespace {

using test::guestConfig;

// The interrupted EIPs of every "interrupt" event.
std::vector<uint32_t> interruptedAt(TrapVmm& vmm) {
    std::vector<uint32_t> at;
    const std::regex pattern("^IRQ 0 \\(timer\\) at 0x([0-9a-f]+) while virtual IF=1");
    for (const Event& e : vmm.events().drain()) {
        std::smatch m;
        if (e.kind == "interrupt" && std::regex_search(e.detail, m, pattern))
            at.push_back(static_cast<uint32_t>(std::stoul(m[1].str(), nullptr, 16)));
    }
    return at;
}

// A guest with a timer handler at vector 0x20: PICs remapped, only IRQ 0 open, the PIT in
// mode 2 with a divisor of 100 (a tick every 100 guest instructions). Its cli section sits at
// 0x100100 and ends with the sti at 0x100180.
const char* const kTimerGuest = R"(
    BITS 32
    ORG 0x100000
        mov esp, 0x200000
        mov ax, cs              ; the gate's selector: this code segment
        mov [gate + 2], ax
        mov eax, timer
        mov [gate], ax
        shr eax, 16
        mov [gate + 6], ax
        lidt [idtr]
        mov al, 0x11            ; ICW1
        out 0x20, al
        mov al, 0x20            ; ICW2: IRQ 0 -> vector 0x20
        out 0x21, al
        mov al, 0x04            ; ICW3
        out 0x21, al
        mov al, 0x01            ; ICW4
        out 0x21, al
        mov al, 0xFE            ; OCW1: only IRQ 0
        out 0x21, al
        mov al, 0x34            ; PIT channel 0, lobyte/hibyte, mode 2
        out 0x43, al
        mov al, 100
        out 0x40, al
        mov al, 0
        out 0x40, al
        sti
        mov ecx, 1000
    warm:
        loop warm               ; interrupts on: about ten ticks arrive here
        jmp closed
        times 0x100 - ($ - $$) nop
    closed:                     ; 0x100100
        cli
        mov ecx, 1000
    spin:
        loop spin               ; 1000 instructions, ten timer periods: none may interrupt
        mov ebx, [ticks]
        times 0x180 - ($ - $$) nop
        sti                     ; 0x100180
        nop                     ; the interrupt shadow: the held-back tick comes after this
        mov ecx, 1000
    open:
        loop open
        mov eax, [ticks]
        sub eax, ebx            ; ticks after the cli section: at least ten
        cmp eax, 10
        setb al                 ; exit code 0 when they arrived
        out 0xF4, al
    timer:
        inc dword [ticks]
        push eax
        mov al, 0x20            ; EOI
        out 0x20, al
        pop eax
        iret
        align 8
    idt:
        times 0x20 dq 0
    gate:
        dw 0, 0, 0x8E00, 0      ; a present 32-bit interrupt gate, DPL 0
    idtr:
        dw 0x21 * 8 - 1
        dd idt
    ticks:
        dd 0
)";

TEST(TrapVmmInterrupts, TimerTicksArriveOnlyWhileTheVirtualIfIsOne) {
    TrapVmm vmm(guestConfig("timer", kTimerGuest));
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    EXPECT_EQ(vmm.exitCode(), 0) << "the guest's handler counted fewer than ten ticks after the cli section";
    const Counters c = vmm.counters();
    const std::vector<uint32_t> at = interruptedAt(vmm);
    EXPECT_EQ(at.size(), c.at("interrupts_injected"));
    EXPECT_GE(at.size(), 20u);
    EXPECT_EQ(c.at("traps.iret"), c.at("interrupts_injected")) << "every handler came back through an emulated iret";
    bool held_back_tick_taken = false;
    for (uint32_t eip : at) {
        EXPECT_FALSE(eip >= 0x100100 && eip <= 0x100181) << "an interrupt at " << std::hex << eip
                                                         << ", inside the cli section or the sti shadow";
        held_back_tick_taken |= eip == 0x100182;
    }
    EXPECT_TRUE(held_back_tick_taken) << "the tick that fell due under cli is taken right after sti; nop";
}

TEST(TrapVmmInterrupts, HltSleepsUntilTheNextTimerTick) {
    TrapVmm vmm(guestConfig("timer_hlt", std::regex_replace(std::string(kTimerGuest), std::regex("loop open"),
                                                            "hlt\n        loop open")));
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    const Counters c = vmm.counters();
    EXPECT_EQ(c.at("traps.hlt"), 1000u);
    EXPECT_GT(c.at("idle_clocks"), 0u);
    EXPECT_GE(c.at("interrupts_injected"), 1000u) << "every hlt is woken by a tick";
}

TEST(TrapVmmInterrupts, HltWithInterruptsOnButNoTimerCanNeverWake) {
    TrapVmm vmm(guestConfig("sti_hlt", R"(
        BITS 32
        ORG 0x100000
            sti
            hlt                 ; no PIT programmed: nothing will ever interrupt
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("hlt at 0x00100001 with interrupts enabled (virtual IF=1), but the PIT is not "
                                 "running"),
              std::string::npos)
        << vmm.failure();
}

// The handler records the frame the monitor built and skips the 2-byte div; the guest exits
// with 0 when the frame is what a CPU at ring 0 would have pushed.
TEST(TrapVmmInterrupts, DivideErrorIsReflectedToTheGuestsHandler) {
    TrapVmm vmm(guestConfig("divide_error", R"(
        BITS 32
        ORG 0x100000
            mov esp, 0x200000
            mov ax, cs
            mov [idt + 2], ax
            mov eax, on_divide_error
            mov [idt], ax
            shr eax, 16
            mov [idt + 6], ax
            lidt [idtr]
            xor ecx, ecx
        divide:
            div ecx             ; #DE
            mov al, 1           ; exit code 1 unless the frame checks out
            cmp dword [frame_eip], divide
            jne done
            test dword [frame_cs], 3
            jnz done            ; the kernel believes it was interrupted at ring 0
            test dword [frame_eflags], 0x200
            jnz done            ; interrupts were (virtually) off
            mov al, 0
        done:
            out 0xF4, al
        on_divide_error:
            mov eax, [esp]
            mov [frame_eip], eax
            mov eax, [esp + 4]
            mov [frame_cs], eax
            mov eax, [esp + 8]
            mov [frame_eflags], eax
            add dword [esp], 2  ; skip `div ecx`
            iret
            align 8
        idt:
            dw 0, 0, 0x8E00, 0  ; vector 0: an interrupt gate
        idtr:
            dw 7
            dd idt
        frame_eip:    dd 0
        frame_cs:     dd 0
        frame_eflags: dd 0
    )"));
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    EXPECT_EQ(vmm.exitCode(), 0);
    const Counters c = vmm.counters();
    EXPECT_EQ(c.at("exceptions_reflected"), 1u);
    EXPECT_EQ(c.at("traps.iret"), 1u);
    bool reflected = false;
    for (const Event& e : vmm.events().drain())
        reflected |= e.kind == "exception" && e.detail.find("#DE (divide error) at 0x") == 0 &&
                     e.detail.find("`div ecx` reflected to the guest") != std::string::npos;
    EXPECT_TRUE(reflected);
}

// #UD, a #GP from an ordinary instruction (with its error code on the stack) and `int n`, each
// handled by the guest, which counts them and resumes.
TEST(TrapVmmInterrupts, InvalidOpcodeGeneralProtectionAndIntNReachTheGuestsHandlers) {
    TrapVmm vmm(guestConfig("three_handlers", R"(
        BITS 32
        ORG 0x100000
            mov esp, 0x200000
            mov ebx, 6
            mov edx, on_ud
            call set_gate
            mov ebx, 13
            mov edx, on_gp
            call set_gate
            mov ebx, 0x30
            mov edx, on_int
            call set_gate
            lidt [idtr]
            ud2                 ; #UD: a fault, returns to ud2 unless skipped
            mov ax, 0xE0        ; the monitor's ring-0 code selector
            mov ds, ax          ; #GP(selector) at ring 1: an ordinary instruction's fault
            int 0x30            ; a software interrupt: returns after itself
            cmp dword [handled], 3
            setne al
            out 0xF4, al
        set_gate:               ; ebx = vector, edx = handler
            mov ax, cs
            mov [idt + ebx*8 + 2], ax
            mov [idt + ebx*8], dx
            shr edx, 16
            mov [idt + ebx*8 + 6], dx
            mov word [idt + ebx*8 + 4], 0x8E00
            ret
        on_ud:
            inc dword [handled]
            add dword [esp], 2  ; skip ud2
            iret
        on_gp:
            inc dword [handled]
            add esp, 4          ; the error code
            add dword [esp], 2  ; skip mov ds, ax
            iret
        on_int:
            inc dword [handled]
            iret
            align 8
        idt:
            times 0x31 dq 0
        idtr:
            dw 0x31 * 8 - 1
            dd idt
        handled:
            dd 0
    )"));
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure();
    EXPECT_EQ(vmm.exitCode(), 0) << "not all three handlers ran";
    EXPECT_EQ(vmm.counters().at("exceptions_reflected"), 3u);
    EXPECT_EQ(vmm.counters().at("traps.iret"), 3u);
    // lidt and the three handlers' irets trapped through #GP; the #GP of `mov ds` was the guest's own.
    EXPECT_EQ(vmm.counters().at("trap_sites_found_by_gp"), 4u);
}

TEST(TrapVmmInterrupts, AnIdtWithoutTheGateIsATripleFault) {
    TrapVmm vmm(guestConfig("no_gate", R"(
        BITS 32
        ORG 0x100000
            lidt [idtr]         ; an IDT with room for 32 vectors, all absent
            int 0x30            ; beyond its limit
        idtr:
            dw 32 * 8 - 1
            dd idt
        idt:
            times 32 dq 0
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("triple fault: interrupt 0x30 at 0x00100007 `int 0x30` could not be delivered (no "
                                 "gate for vector 0x30 in the guest's IDT), nor could the double fault"),
              std::string::npos)
        << vmm.failure();
}

TEST(TrapVmmInterrupts, AFaultWhileDeliveringIsATripleFault) {
    TrapVmm vmm(guestConfig("no_stack", R"(
        BITS 32
        ORG 0x100000
            mov ax, cs
            mov [ud_gate + 2], ax
            mov eax, handler
            mov [ud_gate], ax
            lidt [idtr]
            mov esp, 0x1004     ; one word above unmapped page 0: the frame cannot be pushed
            ud2                 ; #UD
        handler:
            iret
            align 8
        idt:
            times 6 dq 0
        ud_gate:
            dw 0, 0, 0x8E00, 0  ; vector 6 (#UD) is present
        idtr:
            dw 8 * 8 - 1
            dd idt
    )"));
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("triple fault: #UD (invalid opcode) at 0x"), std::string::npos) << vmm.failure();
    EXPECT_NE(vmm.failure().find("does not fit on the stack"), std::string::npos) << vmm.failure();
}

}  // namespace
}  // namespace vl::vm
