// Emulation of the privileged instructions a deprivileged guest kernel traps on, against the
// virtual CPU and the I/O bus. It knows nothing about how the trap arrived (a #GP, a code
// hook, a VM exit), so the trap, bt and hw monitors share it.
#pragma once

#include <cstdint>
#include <string>

#include "trapsim/instruction_class.h"
#include "trapsim/io_bus.h"
#include "trapsim/virtual_cpu.h"

namespace vl::vm {

class RegisterFile;

struct TrapOutcome {
    enum class Kind {
        Resume,         // emulated; continue after the instruction
        Idle,           // hlt with virtual IF=1: the vCPU slept until the next wake-up; continue after it
        HaltedForever,  // hlt with virtual IF=0: nothing can ever wake the vCPU
        Unsupported,    // privileged, but this monitor does not emulate it
        Jumped,         // emulated, and it set EIP itself (iret)
    };
    Kind kind = Kind::Resume;
    std::string detail;  // for the event log: "virtual IF 1 -> 0", "cr0 -> eax = 0x11"
};

class TrapDispatcher {
public:
    TrapDispatcher(VirtualCpu& vcpu, IoBus& bus) : vcpu_(vcpu), bus_(bus) {}

    // Emulates a trapped cli, sti, hlt or mov to/from a control register. Port I/O goes
    // through portIn/portOut because Unicorn hands it over already decoded.
    TrapOutcome emulate(const DecodedInstruction& insn, RegisterFile& regs);
    uint32_t portIn(uint16_t port, int size) { return bus_.in(port, size); }
    void portOut(uint16_t port, int size, uint32_t value) { bus_.out(port, size, value); }

private:
    TrapOutcome moveToControlRegister(const DecodedInstruction& insn, RegisterFile& regs);
    TrapOutcome moveFromControlRegister(const DecodedInstruction& insn, RegisterFile& regs);

    VirtualCpu& vcpu_;
    IoBus& bus_;
};

}  // namespace vl::vm
