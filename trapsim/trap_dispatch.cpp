#include "trapsim/trap_dispatch.h"

#include <cstdio>

#include "trapsim/guest_machine.h"

namespace vl::vm {
namespace {

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

}  // namespace

TrapOutcome TrapDispatcher::emulate(const DecodedInstruction& insn, RegisterFile& regs) {
    using K = TrapOutcome::Kind;
    switch (insn.op) {
    case PrivilegedOp::Cli:
    case PrivilegedOp::Sti: {
        // Fifteen characters at most, so the detail stays in std::string's inline buffer: this
        // runs millions of times a second.
        static const char* const kChange[2][2] = {{"virtual IF 0->0", "virtual IF 0->1"},
                                                  {"virtual IF 1->0", "virtual IF 1->1"}};
        const bool before = vcpu_.interrupts_enabled;
        vcpu_.interrupts_enabled = insn.op == PrivilegedOp::Sti;
        if (!before && vcpu_.interrupts_enabled) vcpu_.interrupt_shadow = true;
        return {K::Resume, kChange[before][vcpu_.interrupts_enabled]};
    }
    case PrivilegedOp::Hlt:
        if (!vcpu_.interrupts_enabled)
            return {K::HaltedForever, "hlt with virtual IF=0: the vCPU can never be woken"};
        // A real monitor deschedules the vCPU until an interrupt is pending (KVM blocks the
        // vCPU thread); the caller advances the virtual clock to the next interrupt.
        ++vcpu_.idle_halts;
        return {K::Idle, "vCPU idle until the next interrupt"};
    case PrivilegedOp::MovToCr: return moveToControlRegister(insn, regs);
    case PrivilegedOp::MovFromCr: return moveFromControlRegister(insn, regs);
    case PrivilegedOp::In:
    case PrivilegedOp::Out:
    case PrivilegedOp::Lgdt:
    case PrivilegedOp::Lidt:
    case PrivilegedOp::Iret:
    case PrivilegedOp::MovToSs:  // need guest memory and segments: see system_emulation.h
    case PrivilegedOp::Pushf:
    case PrivilegedOp::Popf:
    case PrivilegedOp::Sgdt:
    case PrivilegedOp::Sidt:
    case PrivilegedOp::Smsw:
    case PrivilegedOp::MovFromCs:
    case PrivilegedOp::Ltr:
    case PrivilegedOp::Cpuid:   // the VT-x exits: see TrapVmm::handleExit
    case PrivilegedOp::Rdtsc:
    case PrivilegedOp::Invlpg:
        // The guest dropped a TLB entry after changing a page-table entry: the monitor
        // resynchronises its shadow tables after this trap (TrapVmm::syncPaging).
        return {K::Resume, "TLB entry dropped: shadow page tables resynchronised"};
    case PrivilegedOp::Vmcall:
    case PrivilegedOp::Rdmsr:   // privileged, not emulated by the trap and bt monitors
    case PrivilegedOp::Wrmsr:
    case PrivilegedOp::Other:
    case PrivilegedOp::None: break;
    }
    return {K::Unsupported, "this monitor does not emulate " + insn.text()};
}

TrapOutcome TrapDispatcher::moveToControlRegister(const DecodedInstruction& insn, RegisterFile& regs) {
    using K = TrapOutcome::Kind;
    const uint32_t value = regs.get(insn.general_register);
    switch (insn.control_register) {
    case 0:
        // Paging (PG) is the shadow page tables' business: the monitor resynchronises them
        // after this trap (TrapVmm::syncPaging, shadow_mmu.h).
        if (!(value & VirtualCpu::kCr0Pe)) return {K::Unsupported, "leaving protected mode (cr0.PE=0)"};
        vcpu_.cr0 = value | VirtualCpu::kCr0Et;
        return {K::Resume, "shadow cr0 = " + hex(vcpu_.cr0)};
    case 2: vcpu_.cr2 = value; return {K::Resume, "shadow cr2 = " + hex(value)};
    case 3: vcpu_.cr3 = value; return {K::Resume, "shadow cr3 = " + hex(value)};
    case 4: vcpu_.cr4 = value; return {K::Resume, "shadow cr4 = " + hex(value)};
    default: return {K::Unsupported, "no control register cr" + std::to_string(insn.control_register)};
    }
}

TrapOutcome TrapDispatcher::moveFromControlRegister(const DecodedInstruction& insn, RegisterFile& regs) {
    using K = TrapOutcome::Kind;
    uint32_t value = 0;
    switch (insn.control_register) {
    case 0: value = vcpu_.cr0; break;
    case 2: value = vcpu_.cr2; break;
    case 3: value = vcpu_.cr3; break;
    case 4: value = vcpu_.cr4; break;
    default: return {K::Unsupported, "no control register cr" + std::to_string(insn.control_register)};
    }
    regs.set(insn.general_register, value);
    return {K::Resume, "shadow cr" + std::to_string(insn.control_register) + " = " + hex(value)};
}

}  // namespace vl::vm
