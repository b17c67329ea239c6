// The CPU state a deprivileged guest believes it has. The real CPU runs the guest at ring 1
// with interrupts really enabled; the monitor keeps the guest's idea of them here and answers
// its privileged instructions from it. Shared by every monitor mode (trap, bt, hw, pv).
#pragma once

#include <cstdint>

namespace vl::vm {

// A descriptor-table register as the guest loaded it with lgdt / lidt.
struct DescriptorTableRegister {
    uint32_t base = 0;
    uint16_t limit = 0;
    bool loaded = false;
};

struct VirtualCpu {
    static constexpr uint32_t kCr0Pe = 1u << 0;   // protection enable
    static constexpr uint32_t kCr0Et = 1u << 4;   // extension type (always 1 since the 486)
    static constexpr uint32_t kCr0Pg = 1u << 31;  // paging

    bool interrupts_enabled = false;  // virtual EFLAGS.IF: the boot protocol enters with IF=0
    int believed_cpl = 0;             // the guest kernel thinks it runs at ring 0
    uint32_t cr0 = kCr0Pe | kCr0Et;   // protected mode on, paging off
    uint32_t cr2 = 0;
    uint32_t cr3 = 0;
    uint32_t cr4 = 0;
    uint64_t idle_halts = 0;          // hlt instructions that put the virtual CPU to sleep
    DescriptorTableRegister gdtr;     // the guest's GDT (the real GDTR points at the monitor's)
    DescriptorTableRegister idtr;     // the guest's IDT, through which the monitor delivers
    // The guest's task register (ltr): its TSS holds esp0/ss0, the kernel stack the monitor
    // switches to when it delivers an interrupt or exception that arrives at ring 3.
    uint16_t tr = 0;
    uint32_t tss_base = 0;
    bool tr_loaded = false;
    // The instruction after an sti that set IF runs before any interrupt is taken (the x86
    // "interrupt shadow"), so `sti; hlt` cannot miss the wake-up.
    bool interrupt_shadow = false;
};

}  // namespace vl::vm
