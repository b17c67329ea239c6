#include "trapsim/system_emulation.h"

#include <capstone/capstone.h>

#include <cstdio>
#include <vector>

#include "trapsim/guest_idt.h"
#include "trapsim/guest_machine.h"

namespace vl::vm {
namespace {

using K = TrapOutcome::Kind;

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

constexpr uint32_t kIf = 1u << 9;
constexpr uint32_t kIoplMask = 3u << 12;
constexpr uint32_t kReservedOne = 1u << 1;

}  // namespace

bool trapsHere(const DecodedInstruction& insn, const GuestMachine& machine) {
    const int cpl = machine.realCpl();
    switch (insn.op) {
    case PrivilegedOp::Iret: {
        uint32_t cs = 0;
        if (!machine.readGuest(machine.reg(UC_X86_REG_ESP) + 4, &cs, 4)) return false;
        return static_cast<int>(cs & 3) < cpl;
    }
    case PrivilegedOp::MovToSs: return static_cast<int>(machine.get(insn.general_register) & 3) != cpl;
    default: return faultsAt(insn, cpl, machine.iopl());
    }
}

uint32_t effectiveAddress(const MemoryOperand& operand, const GuestMachine& machine) {
    uint32_t address = static_cast<uint32_t>(operand.disp);
    if (operand.base != X86_REG_INVALID) address += machine.get(operand.base);
    if (operand.index != X86_REG_INVALID) address += machine.get(operand.index) * static_cast<uint32_t>(operand.scale);
    return address;
}

TrapOutcome emulateDescriptorTableLoad(const DecodedInstruction& insn, GuestMachine& machine, VirtualCpu& vcpu) {
    if (!insn.memory) return {K::Unsupported, "no memory operand"};
    const uint32_t at = effectiveAddress(*insn.memory, machine);
    uint8_t pseudo[6] = {};
    if (!machine.readGuest(at, pseudo, sizeof pseudo))
        return {K::Unsupported, "its pseudo-descriptor at " + hex(at) + " is outside guest RAM"};
    DescriptorTableRegister loaded;
    loaded.limit = static_cast<uint16_t>(pseudo[0] | (pseudo[1] << 8));
    loaded.base = static_cast<uint32_t>(pseudo[2] | (pseudo[3] << 8) | (pseudo[4] << 16) | (pseudo[5] << 24));
    loaded.loaded = true;
    const std::string what = "base " + hex(loaded.base) + ", limit " + hex(loaded.limit);
    if (insn.op == PrivilegedOp::Lidt) {
        vcpu.idtr = loaded;
        return {K::Resume, "virtual IDTR = " + what};
    }
    const size_t entries = (static_cast<size_t>(loaded.limit) + 1) / 8;
    std::vector<uint64_t> descriptors(entries);
    if (entries && !machine.readGuest(loaded.base, descriptors.data(), entries * 8))
        return {K::Unsupported, "its GDT at " + hex(loaded.base) + " is outside guest RAM"};
    if (!machine.installGuestGdt(descriptors))
        return {K::Unsupported, "its GDT has " + std::to_string(entries) + " entries; this monitor keeps the top " +
                                    std::to_string(layout::kGdtEntries - layout::kGuestGdtEntries) +
                                    " of its " + std::to_string(layout::kGdtEntries) + " for itself"};
    vcpu.gdtr = loaded;
    return {K::Resume, "virtual GDTR = " + what + "; " + std::to_string(entries) +
                           " descriptors copied, ring-compressed, into the real GDT"};
}

TrapOutcome emulateIret(GuestMachine& machine, VirtualCpu& vcpu) {
    const uint32_t esp = machine.reg(UC_X86_REG_ESP);
    uint32_t frame[3] = {};  // EIP, CS, EFLAGS
    if (!machine.readGuest(esp, frame, sizeof frame)) return {K::Unsupported, "its frame at " + hex(esp) + " is unreadable"};
    const uint32_t eip = frame[0], cs = frame[1] & 0xFFFF, eflags = frame[2];
    if ((cs & 3) == 3) return {K::Unsupported, "an iret to ring 3 (user mode) is not emulated yet"};
    const uint16_t real_cs = static_cast<uint16_t>((cs & ~3u) | layout::kGuestRing);
    if (uc_reg_write(machine.uc(), UC_X86_REG_CS, &real_cs) != UC_ERR_OK)
        return {K::Unsupported, "it returns to selector " + hex(cs) + ", which is no code segment in the guest's GDT"};
    const bool before = vcpu.interrupts_enabled;
    vcpu.interrupts_enabled = eflags & kIf;
    machine.setReg(UC_X86_REG_EFLAGS, (eflags & ~kIoplMask) | kIf | kReservedOne);
    machine.setReg(UC_X86_REG_ESP, esp + sizeof frame);
    machine.setReg(UC_X86_REG_EIP, eip);
    return {K::Jumped, "return to " + hex(cs) + ":" + hex(eip) + ", virtual IF " + (before ? "1" : "0") + "->" +
                           (vcpu.interrupts_enabled ? "1" : "0")};
}

TrapOutcome emulateMovToSs(const DecodedInstruction& insn, GuestMachine& machine, VirtualCpu& vcpu) {
    const uint32_t selector = machine.get(insn.general_register) & 0xFFFF;
    const uint16_t real = static_cast<uint16_t>((selector & ~3u) | layout::kGuestRing);
    if (uc_reg_write(machine.uc(), UC_X86_REG_SS, &real) != UC_ERR_OK)
        return {K::Unsupported, "selector " + hex(selector) + " is no writable data segment in the guest's GDT"};
    // As on the CPU, no interrupt between `mov ss` and the `mov esp` that normally follows it.
    vcpu.interrupt_shadow = true;
    return {K::Resume, "ss = " + hex(real) + " (the guest loaded " + hex(selector) + ")"};
}

TrapOutcome emulatePushf(GuestMachine& machine, const VirtualCpu& vcpu) {
    const uint32_t value = virtualEflags(machine.reg(UC_X86_REG_EFLAGS), vcpu);
    const uint32_t esp = machine.reg(UC_X86_REG_ESP) - 4;
    if (!machine.writeGuest(esp, &value, 4)) return {K::Unsupported, "the stack at " + hex(esp) + " is outside guest RAM"};
    machine.setReg(UC_X86_REG_ESP, esp);
    return {K::Resume, "pushed eflags " + hex(value) + " (virtual IF)"};
}

TrapOutcome emulatePopf(GuestMachine& machine, VirtualCpu& vcpu) {
    const uint32_t esp = machine.reg(UC_X86_REG_ESP);
    uint32_t value = 0;
    if (!machine.readGuest(esp, &value, 4)) return {K::Unsupported, "the stack at " + hex(esp) + " is outside guest RAM"};
    const bool before = vcpu.interrupts_enabled;
    vcpu.interrupts_enabled = value & kIf;
    // The arithmetic flags, DF and the rest are the guest's to set; IF and IOPL stay the monitor's.
    machine.setReg(UC_X86_REG_EFLAGS, (value & ~kIoplMask) | kIf | kReservedOne);
    machine.setReg(UC_X86_REG_ESP, esp + 4);
    return {K::Resume, std::string("virtual IF ") + (before ? "1" : "0") + "->" + (vcpu.interrupts_enabled ? "1" : "0")};
}

TrapOutcome emulateDescriptorTableStore(const DecodedInstruction& insn, GuestMachine& machine, const VirtualCpu& vcpu) {
    if (!insn.memory) return {K::Unsupported, "no memory operand"};
    const DescriptorTableRegister& table = insn.op == PrivilegedOp::Sgdt ? vcpu.gdtr : vcpu.idtr;
    const uint32_t at = effectiveAddress(*insn.memory, machine);
    const uint8_t pseudo[6] = {static_cast<uint8_t>(table.limit), static_cast<uint8_t>(table.limit >> 8),
                               static_cast<uint8_t>(table.base),  static_cast<uint8_t>(table.base >> 8),
                               static_cast<uint8_t>(table.base >> 16), static_cast<uint8_t>(table.base >> 24)};
    if (!machine.writeGuest(at, pseudo, sizeof pseudo)) return {K::Unsupported, hex(at) + " is outside guest RAM"};
    return {K::Resume, "the guest's own table: base " + hex(table.base) + ", limit " + hex(table.limit)};
}

TrapOutcome emulateSmsw(const DecodedInstruction& insn, GuestMachine& machine, const VirtualCpu& vcpu) {
    const uint16_t msw = static_cast<uint16_t>(vcpu.cr0);
    if (insn.memory) {
        const uint32_t at = effectiveAddress(*insn.memory, machine);
        if (!machine.writeGuest(at, &msw, 2)) return {K::Unsupported, hex(at) + " is outside guest RAM"};
    } else {
        const uint32_t old = machine.get(insn.general_register);
        machine.set(insn.general_register, (old & 0xFFFF0000u) | msw);
    }
    return {K::Resume, "shadow cr0 low word " + hex(msw)};
}

TrapOutcome emulateMovFromCs(const DecodedInstruction& insn, GuestMachine& machine, const VirtualCpu& vcpu) {
    const uint32_t believed = (machine.reg(UC_X86_REG_CS) & ~3u) | static_cast<uint32_t>(vcpu.believed_cpl);
    machine.set(insn.general_register, believed);
    return {K::Resume, "cs as the guest believes it: " + hex(believed)};
}

TrapOutcome emulateLtr(const DecodedInstruction& insn, GuestMachine& machine, VirtualCpu& vcpu) {
    uint32_t selector = 0;
    if (insn.general_register != 0) {
        selector = machine.get(insn.general_register) & 0xFFFF;
    } else if (insn.memory) {
        uint16_t word = 0;
        const uint32_t at = effectiveAddress(*insn.memory, machine);
        if (!machine.readGuest(at, &word, 2)) return {K::Unsupported, "its operand at " + hex(at) + " is unreadable"};
        selector = word;
    } else {
        return {K::Unsupported, "no operand"};
    }
    // SDM Vol. 3A §7.2.4: an available 32-bit TSS (type 9) in the GDT, present.
    const uint32_t index = selector & ~7u;
    uint32_t descriptor[2] = {};
    if (!vcpu.gdtr.loaded || (selector & 4) || index == 0 || index + 7 > vcpu.gdtr.limit ||
        !machine.readGuest(vcpu.gdtr.base + index, descriptor, sizeof descriptor))
        return {K::Unsupported, "selector " + hex(selector) + " names no descriptor in the guest's GDT"};
    const uint32_t type = (descriptor[1] >> 8) & 0x1F;
    if (type != 0x09 || !(descriptor[1] & (1u << 15)))
        return {K::Unsupported, "selector " + hex(selector) + " is no available 32-bit TSS"};
    descriptor[1] |= 0x200;  // busy, as the CPU marks it
    machine.writeGuest(vcpu.gdtr.base + index + 4, &descriptor[1], 4);
    vcpu.tr = static_cast<uint16_t>(selector);
    vcpu.tss_base = (descriptor[0] >> 16) | ((descriptor[1] & 0xFF) << 16) | (descriptor[1] & 0xFF000000u);
    vcpu.tr_loaded = true;
    return {K::Resume, "virtual TR = " + hex(selector) + ", TSS at " + hex(vcpu.tss_base)};
}

}  // namespace vl::vm
