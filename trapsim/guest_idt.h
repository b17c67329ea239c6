// Interrupt and exception delivery through the guest's own IDT, done by the monitor the way
// the CPU does it for a kernel at ring 0 (Intel SDM Vol. 3 §6.12.1, same-privilege case):
// read the gate, push EFLAGS, CS and EIP (and an error code for the exceptions that have one)
// on the current stack, clear IF for an interrupt gate, and continue at the gate's target.
//
// What is pushed is what the guest believes: EFLAGS with the virtual IF (the real IF is always
// 1) and CS with RPL 0. That CS is what makes the guest's `iret` come back to the monitor: an
// iret at real ring 1 to a frame whose CS has RPL 0 is a return to a more privileged level, so
// the CPU raises #GP and the monitor emulates the iret -- including restoring the virtual IF,
// which a native iret at CPL 1 > IOPL 0 would silently leave alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "trapsim/virtual_cpu.h"

namespace vl::vm {

class GuestMachine;

struct IdtGate {
    uint16_t selector = 0;
    uint32_t offset = 0;
    bool interrupt_gate = false;  // type 0xE clears IF; a trap gate (0xF) does not
    int dpl = 0;
};

// Exceptions that push an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC.
bool exceptionHasErrorCode(uint32_t vector);

// The 32-bit interrupt or trap gate for `vector`, or nullopt when the IDT has none (outside
// the limit, not present, another type, or unreadable memory).
std::optional<IdtGate> readIdtGate(const GuestMachine& machine, const DescriptorTableRegister& idtr, uint32_t vector);

struct Delivery {
    // GateDpl: `int n` from ring 3 through a gate of DPL < 3, which the CPU answers with #GP
    // (error code vector * 8 + 2: IDT, external 0).
    enum class Result { Delivered, NoGate, StackFault, BadSelector, GateDpl };
    Result result = Result::Delivered;
    std::string detail;  // "vector 0x20 -> 0x08:0x00100340, frame at 0x0010b000"
};

// Builds the frame on the guest's stack and transfers control to the gate's handler at the
// guest's real ring. `return_eip` is what the frame returns to. With `guest_owns_cpu` (the hw
// mode: the guest really runs at ring 0) the guest's IDTR, IF and CS are the real ones, and the
// monitor does what VM entry with event injection makes the CPU do. `software`: an `int n`,
// which ring 3 may raise only through a gate of DPL 3.
//
// From a user task at ring 3 the delivery changes privilege (SDM Vol. 3A §6.12.1, "inter-
// privilege-level interrupt"): the kernel stack comes from the guest's TSS (esp0, ss0: the
// virtual TR of its emulated ltr, or under hw the real TR), the frame there holds SS, ESP,
// EFLAGS, CS and EIP of the user task (its real selectors: ring 3 is not compressed), and the
// CPU moves to the kernel's ring through GuestMachine::enterKernel.
Delivery deliverThroughIdt(GuestMachine& machine, VirtualCpu& vcpu, uint32_t vector, uint32_t return_eip,
                           std::optional<uint32_t> error_code, bool guest_owns_cpu = false, bool software = false);

// The kernel stack for an entry from ring 3: ss0 and esp0 of the guest's TSS, or nullopt with
// `why` set when it has loaded none.
struct KernelStack {
    uint16_t ss = 0;
    uint32_t esp = 0;
};
std::optional<KernelStack> guestKernelStack(const GuestMachine& machine, const VirtualCpu& vcpu, bool guest_owns_cpu,
                                            std::string& why);

// The EFLAGS value the guest would see: the real flags with IF replaced by the virtual IF and
// IOPL 0.
uint32_t virtualEflags(uint32_t real_eflags, const VirtualCpu& vcpu);

}  // namespace vl::vm
