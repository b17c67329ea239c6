// Emulation of the trapped instructions that work on descriptor tables, segments and the
// stack -- lgdt, lidt, iret and mov ss -- which need guest memory and segment registers, not
// just the general registers TrapDispatcher sees.
//
// Ring compression is why iret and mov ss are here at all: on bare metal they are ordinary
// instructions for a ring-0 kernel, but the deprivileged kernel still loads selectors with
// RPL 0 (its own belief), and the CPU refuses: `mov ss` needs RPL = CPL, and an iret to RPL 0
// from ring 1 returns to a more privileged level. Both raise #GP, and the monitor completes
// them as the guest meant them, at ring 1.
#pragma once

#include "trapsim/instruction_class.h"
#include "trapsim/trap_dispatch.h"
#include "trapsim/virtual_cpu.h"

namespace vl::vm {

class GuestMachine;

// Whether the CPU faults on `insn` for this guest state: faultsAt() for the privileged
// instructions; for iret and mov ss, whether the selector they load has the wrong RPL.
bool trapsHere(const DecodedInstruction& insn, const GuestMachine& machine);

// The linear address of a memory operand (flat segments: the guest's segments all have base 0).
uint32_t effectiveAddress(const MemoryOperand& operand, const GuestMachine& machine);

// lgdt / lidt: load the virtual GDTR / IDTR; the GDT is copied, ring-compressed, into the real one.
TrapOutcome emulateDescriptorTableLoad(const DecodedInstruction& insn, GuestMachine& machine, VirtualCpu& vcpu);
// iret to the guest kernel (same privilege level in the guest's eyes): pops EIP, CS, EFLAGS
// and restores the virtual IF from the popped EFLAGS.
TrapOutcome emulateIret(GuestMachine& machine, VirtualCpu& vcpu);
// mov ss, r16 with a selector of RPL 0: loads it with the guest's real RPL.
TrapOutcome emulateMovToSs(const DecodedInstruction& insn, GuestMachine& machine, VirtualCpu& vcpu);

// The sensitive, unprivileged instructions, given their ring-0 meaning on the virtual CPU. The
// trap-and-emulate monitor never sees them; the binary translator calls these in their place.
TrapOutcome emulatePushf(GuestMachine& machine, const VirtualCpu& vcpu);
TrapOutcome emulatePopf(GuestMachine& machine, VirtualCpu& vcpu);
TrapOutcome emulateDescriptorTableStore(const DecodedInstruction& insn, GuestMachine& machine, const VirtualCpu& vcpu);
TrapOutcome emulateSmsw(const DecodedInstruction& insn, GuestMachine& machine, const VirtualCpu& vcpu);
// ltr: the virtual task register. The TSS descriptor is read from the guest's own GDT (the real
// GDT holds no system descriptors) and marked busy there, as the CPU does; interrupt delivery
// from ring 3 then takes esp0/ss0 from that TSS (guest_idt.h).
TrapOutcome emulateLtr(const DecodedInstruction& insn, GuestMachine& machine, VirtualCpu& vcpu);
TrapOutcome emulateMovFromCs(const DecodedInstruction& insn, GuestMachine& machine, const VirtualCpu& vcpu);

}  // namespace vl::vm
