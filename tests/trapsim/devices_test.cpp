// The virtual devices and the privileged-instruction emulation, without a CPU underneath.
#include <gtest/gtest.h>

#include <capstone/capstone.h>

#include <map>

#include "trapsim/guest_machine.h"
#include "trapsim/io_bus.h"
#include "trapsim/power_off_device.h"
#include "trapsim/serial_16550.h"
#include "core/error.h"
#include "trapsim/trap_dispatch.h"

namespace vl::vm {
namespace {

TEST(Serial16550, TransmitsWhatTheDriverWritesToThrAndAlwaysReportsReady) {
    Serial16550 uart(0x3F8);
    EXPECT_EQ(uart.in(0x3FD, 1) & Serial16550::kLsrThrEmpty, Serial16550::kLsrThrEmpty);
    uart.out(0x3F8, 1, 'h');
    uart.out(0x3F8, 1, 'i');
    EXPECT_EQ(uart.console(), "hi");
    EXPECT_EQ(uart.bytesTransmitted(), 2u);
}

TEST(Serial16550, DivisorLatchWritesAreNotConsoleOutput) {
    Serial16550 uart(0x3F8);
    uart.out(0x3FB, 1, Serial16550::kLcrDlab);  // LCR: DLAB on
    uart.out(0x3F8, 1, 0x01);                   // DLL: 115200 baud
    uart.out(0x3F9, 1, 0x00);                   // DLM
    EXPECT_EQ(uart.in(0x3F8, 1), 0x01u);        // reads back the divisor, not data
    uart.out(0x3FB, 1, 0x03);                   // 8N1, DLAB off
    EXPECT_EQ(uart.console(), "");
}

TEST(Serial16550, ScratchRegisterHoldsWhatADriverProbesWith) {
    Serial16550 uart(0x3F8);
    uart.out(0x3FF, 1, 0x5A);
    EXPECT_EQ(uart.in(0x3FF, 1), 0x5Au);
    EXPECT_EQ(uart.in(0x3FA, 1) & 1u, 1u);  // IIR: no interrupt pending
}

TEST(PowerOffDevice, FirstWriteIsTheExitCode) {
    PowerOffDevice off;
    EXPECT_FALSE(off.exitCode().has_value());
    off.out(0xF4, 1, 0x2A);
    off.out(0xF4, 1, 0x07);
    ASSERT_TRUE(off.exitCode().has_value());
    EXPECT_EQ(*off.exitCode(), 0x2A);
}

TEST(IoBus, RoutesClaimedPortsAndFloatsTheRest) {
    IoBus bus;
    Serial16550 uart(0x3F8);
    PowerOffDevice off;
    bus.attach(0x3F8, 8, &uart);
    bus.attach(0xF4, 1, &off);
    bus.out(0x3F8, 1, 'x');
    EXPECT_EQ(uart.console(), "x");
    EXPECT_EQ(bus.in(0x80, 1), 0xFFu);
    EXPECT_EQ(bus.in(0x80, 2), 0xFFFFu);
    bus.out(0x80, 1, 0);
    EXPECT_EQ(bus.unclaimedAccesses(), 3u);
    EXPECT_THROW(bus.attach(0x3FC, 2, &off), Error);
}

// A register file without a CPU, for emulating mov to/from control registers.
class FakeRegisters : public RegisterFile {
public:
    uint32_t get(int reg) const override { return regs.count(reg) ? regs.at(reg) : 0; }
    void set(int reg, uint32_t value) override { regs[reg] = value; }
    std::map<int, uint32_t> regs;
};

DecodedInstruction privileged(PrivilegedOp op, int cr = -1, int gpr = 0) {
    DecodedInstruction insn;
    insn.op = op;
    insn.sensitivity = Sensitivity::Privileged;
    insn.control_register = cr;
    insn.general_register = gpr;
    return insn;
}

TEST(TrapDispatcher, CliAndStiMoveOnlyTheVirtualInterruptFlag) {
    VirtualCpu vcpu;
    IoBus bus;
    TrapDispatcher dispatch(vcpu, bus);
    FakeRegisters regs;
    EXPECT_FALSE(vcpu.interrupts_enabled);
    EXPECT_EQ(dispatch.emulate(privileged(PrivilegedOp::Sti), regs).kind, TrapOutcome::Kind::Resume);
    EXPECT_TRUE(vcpu.interrupts_enabled);
    dispatch.emulate(privileged(PrivilegedOp::Cli), regs);
    EXPECT_FALSE(vcpu.interrupts_enabled);
}

TEST(TrapDispatcher, HltSleepsWithInterruptsOnAndIsFatalWithThemOff) {
    VirtualCpu vcpu;
    IoBus bus;
    TrapDispatcher dispatch(vcpu, bus);
    FakeRegisters regs;
    EXPECT_EQ(dispatch.emulate(privileged(PrivilegedOp::Hlt), regs).kind, TrapOutcome::Kind::HaltedForever);
    vcpu.interrupts_enabled = true;
    EXPECT_EQ(dispatch.emulate(privileged(PrivilegedOp::Hlt), regs).kind, TrapOutcome::Kind::Idle);
    EXPECT_EQ(vcpu.idle_halts, 1u);
}

TEST(TrapDispatcher, ControlRegistersReadAndWriteTheShadows) {
    VirtualCpu vcpu;
    IoBus bus;
    TrapDispatcher dispatch(vcpu, bus);
    FakeRegisters regs;
    dispatch.emulate(privileged(PrivilegedOp::MovFromCr, 0, X86_REG_EAX), regs);  // mov eax, cr0
    EXPECT_EQ(regs.get(X86_REG_EAX), VirtualCpu::kCr0Pe | VirtualCpu::kCr0Et);
    regs.set(X86_REG_EBX, 0x5000);
    dispatch.emulate(privileged(PrivilegedOp::MovToCr, 3, X86_REG_EBX), regs);  // mov cr3, ebx
    EXPECT_EQ(vcpu.cr3, 0x5000u);
    regs.set(X86_REG_EAX, VirtualCpu::kCr0Pe | VirtualCpu::kCr0Pg);
    EXPECT_EQ(dispatch.emulate(privileged(PrivilegedOp::MovToCr, 0, X86_REG_EAX), regs).kind,
              TrapOutcome::Kind::Unsupported);  // paging needs shadow page tables
}

TEST(TrapDispatcher, RecognisedButUnemulatedInstructionsAreReported) {
    VirtualCpu vcpu;
    IoBus bus;
    TrapDispatcher dispatch(vcpu, bus);
    FakeRegisters regs;
    DecodedInstruction lgdt = privileged(PrivilegedOp::Other);
    lgdt.mnemonic = "lgdt";
    lgdt.operands = "[0x2000]";
    const TrapOutcome out = dispatch.emulate(lgdt, regs);
    EXPECT_EQ(out.kind, TrapOutcome::Kind::Unsupported);
    EXPECT_NE(out.detail.find("lgdt [0x2000]"), std::string::npos);
}

}  // namespace
}  // namespace vl::vm
