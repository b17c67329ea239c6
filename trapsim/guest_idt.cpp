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

Delivery deliverThroughIdt(GuestMachine& machine, VirtualCpu& vcpu, uint32_t vector, uint32_t return_eip,
                           std::optional<uint32_t> error_code, bool guest_owns_cpu) {
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
