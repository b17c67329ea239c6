#include "trapsim/guest_idt.h"

#include <cstdio>

#include "trapsim/guest_machine.h"

namespace vl::vm {
namespace {

constexpr uint32_t kIf = 1u << 9;
constexpr uint32_t kTf = 1u << 8;
constexpr uint32_t kNt = 1u << 14;
constexpr uint32_t kRf = 1u << 16;
constexpr uint32_t kIoplMask = 3u << 12;

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

}  // namespace

bool exceptionHasErrorCode(uint32_t vector) {
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

std::optional<IdtGate> readIdtGate(const GuestMachine& machine, const DescriptorTableRegister& idtr, uint32_t vector) {
    if (!idtr.loaded || vector * 8 + 7 > idtr.limit) return std::nullopt;
    uint32_t words[2] = {};
    if (!machine.readGuest(idtr.base + vector * 8, words, sizeof words)) return std::nullopt;
    const uint32_t low = words[0], high = words[1];
    const bool present = high & (1u << 15);
    const uint32_t type = (high >> 8) & 0x1F;  // S bit and type: 0x0E / 0x0F are 32-bit gates
    if (!present || (type != 0x0E && type != 0x0F)) return std::nullopt;
    IdtGate gate;
    gate.selector = static_cast<uint16_t>(low >> 16);
    gate.offset = (high & 0xFFFF0000u) | (low & 0xFFFFu);
    gate.interrupt_gate = type == 0x0E;
    gate.dpl = static_cast<int>((high >> 13) & 3);
    return gate;
}

uint32_t virtualEflags(uint32_t real_eflags, const VirtualCpu& vcpu) {
    return (real_eflags & ~(kIf | kIoplMask)) | (vcpu.interrupts_enabled ? kIf : 0);
}

std::optional<KernelStack> guestKernelStack(const GuestMachine& machine, const VirtualCpu& vcpu, bool guest_owns_cpu,
                                            std::string& why) {
    uint32_t tss = vcpu.tss_base;
    if (guest_owns_cpu) {
        uc_x86_mmr tr{};
        uc_reg_read(machine.uc(), UC_X86_REG_TR, &tr);
        if ((tr.selector & 0xFFFC) == 0) {
            why = "the guest has loaded no task register (ltr), so there is no kernel stack for ring 3";
            return std::nullopt;
        }
        tss = static_cast<uint32_t>(tr.base);
    } else if (!vcpu.tr_loaded) {
        why = "the guest has loaded no task register (ltr), so there is no kernel stack for ring 3";
        return std::nullopt;
    }
    uint32_t words[2] = {};  // esp0 at +4, ss0 at +8
    if (!machine.readGuest(tss + 4, words, sizeof words)) {
        why = "its TSS at " + hex(tss) + " is unreadable";
        return std::nullopt;
    }
    return KernelStack{static_cast<uint16_t>(words[1]), words[0]};
}

namespace {

Delivery deliverFromRing3(GuestMachine& machine, VirtualCpu& vcpu, uint32_t vector, const IdtGate& gate,
                          uint32_t return_eip, std::optional<uint32_t> error_code, bool guest_owns_cpu) {
    std::string why;
    const auto stack = guestKernelStack(machine, vcpu, guest_owns_cpu, why);
    if (!stack) return {Delivery::Result::StackFault, "vector " + hex(vector) + " from ring 3: " + why};
    const uint32_t user_eflags = machine.reg(UC_X86_REG_EFLAGS);
    uint32_t frame[6] = {};
    int words = 0;
    if (error_code) frame[words++] = *error_code;
    frame[words++] = return_eip;
    frame[words++] = machine.reg(UC_X86_REG_CS) & 0xFFFF;
    frame[words++] = user_eflags;
    frame[words++] = machine.reg(UC_X86_REG_ESP);
    frame[words++] = machine.reg(UC_X86_REG_SS) & 0xFFFF;
    const uint32_t esp = stack->esp - 4u * static_cast<uint32_t>(words);
    if (!machine.writeGuest(esp, frame, 4u * static_cast<uint32_t>(words)))
        return {Delivery::Result::StackFault, "the frame for vector " + hex(vector) + " from ring 3 does not fit on the "
                                                  "kernel stack at " + hex(stack->esp) + " (the TSS's esp0)"};
    const int ring = guest_owns_cpu ? 0 : layout::kGuestRing;
    const auto cs = static_cast<uint16_t>((gate.selector & ~3u) | static_cast<uint32_t>(ring));
    const auto ss = static_cast<uint16_t>((stack->ss & ~3u) | static_cast<uint32_t>(ring));
    uint32_t eflags = user_eflags & ~(kTf | kNt | kRf | kIoplMask);
    if (gate.interrupt_gate) {
        if (guest_owns_cpu) eflags &= ~kIf;
        else vcpu.interrupts_enabled = false;
    }
    if (!guest_owns_cpu) eflags |= kIf;  // the real IF stays 1 under ring compression
    if (!machine.enterKernel(cs, gate.offset, ss, esp, eflags))
        return {Delivery::Result::BadSelector, "vector " + hex(vector) + " from ring 3: the kernel's selectors " +
                                                   hex(gate.selector) + " / " + hex(stack->ss) + " (TSS ss0) are unusable"};
    vcpu.interrupt_shadow = false;
    return {Delivery::Result::Delivered, "vector " + hex(vector) + " from ring 3 -> " + hex(gate.selector) + ":" +
                                             hex(gate.offset) + ", kernel stack " + hex(stack->esp) + ", frame at " +
                                             hex(esp)};
}

}  // namespace

Delivery deliverThroughIdt(GuestMachine& machine, VirtualCpu& vcpu, uint32_t vector, uint32_t return_eip,
                           std::optional<uint32_t> error_code, bool guest_owns_cpu, bool software) {
    DescriptorTableRegister idtr = vcpu.idtr;
    if (guest_owns_cpu) {
        uc_x86_mmr real{};
        uc_reg_read(machine.uc(), UC_X86_REG_IDTR, &real);
        idtr = {static_cast<uint32_t>(real.base), static_cast<uint16_t>(real.limit), real.base != layout::kIdtAddress};
    }
    const auto gate = readIdtGate(machine, idtr, vector);
    if (!gate) return {Delivery::Result::NoGate, "no gate for vector " + hex(vector) + " in the guest's IDT"};
    if ((gate->selector & 0xFFFC) == 0)
        return {Delivery::Result::BadSelector, "the gate for vector " + hex(vector) + " has a null selector"};
    if (machine.realCpl() == 3) {
        if (software && gate->dpl < 3)
            return {Delivery::Result::GateDpl, "int " + hex(vector) + " from ring 3 through a gate of DPL " +
                                                   std::to_string(gate->dpl)};
        return deliverFromRing3(machine, vcpu, vector, *gate, return_eip, error_code, guest_owns_cpu);
    }

    const uint32_t real_eflags = machine.reg(UC_X86_REG_EFLAGS);
    const uint32_t believed_cs = guest_owns_cpu ? machine.reg(UC_X86_REG_CS)
                                                : (machine.reg(UC_X86_REG_CS) & ~3u) | static_cast<uint32_t>(vcpu.believed_cpl);
    uint32_t frame[4] = {};
    int words = 0;
    if (error_code) frame[words++] = *error_code;
    frame[words++] = return_eip;
    frame[words++] = believed_cs;
    frame[words++] = guest_owns_cpu ? real_eflags : virtualEflags(real_eflags, vcpu);
    const uint32_t esp = machine.reg(UC_X86_REG_ESP) - 4u * static_cast<uint32_t>(words);
    if (!machine.writeGuest(esp, frame, 4u * static_cast<uint32_t>(words)))
        return {Delivery::Result::StackFault,
                "the interrupt frame for vector " + hex(vector) + " does not fit on the stack at " + hex(esp + 4u * words)};

    // The handler runs at the guest's real ring: the gate's selector with that RPL, which its
    // ring-compressed descriptor (DPL 1) accepts.
    const uint16_t handler_cs =
        static_cast<uint16_t>(guest_owns_cpu ? gate->selector : (gate->selector & ~3u) | layout::kGuestRing);
    if (uc_reg_write(machine.uc(), UC_X86_REG_CS, &handler_cs) != UC_ERR_OK)
        return {Delivery::Result::BadSelector,
                "the gate for vector " + hex(vector) + " names selector " + hex(gate->selector) +
                    ", which is no code segment in the guest's GDT"};
    machine.setReg(UC_X86_REG_ESP, esp);
    uint32_t eflags = real_eflags & ~(kTf | kNt | kRf);
    if (gate->interrupt_gate) {
        if (guest_owns_cpu) eflags &= ~kIf;
        else vcpu.interrupts_enabled = false;
    }
    machine.setReg(UC_X86_REG_EFLAGS, eflags);
    vcpu.interrupt_shadow = false;
    machine.setReg(UC_X86_REG_EIP, gate->offset);
    return {Delivery::Result::Delivered,
            "vector " + hex(vector) + " -> " + hex(gate->selector) + ":" + hex(gate->offset) + ", frame at " + hex(esp)};
}

}  // namespace vl::vm
