// The virtual devices and the privileged-instruction emulation, without a CPU underneath.
#include <gtest/gtest.h>

#include <capstone/capstone.h>

#include <map>

#include "trapsim/guest_machine.h"
#include "trapsim/io_bus.h"
#include "trapsim/pic_8259.h"
#include "trapsim/pit_8254.h"
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

// The initialisation every PC kernel does: IRQ 0-7 at 0x20, IRQ 8-15 at 0x28, cascade on IRQ 2.
void initialisePics(PicPair& pic, uint8_t master_mask, uint8_t slave_mask) {
    for (uint16_t base : {PicPair::kMasterPort, PicPair::kSlavePort}) pic.out(base, 1, 0x11);  // ICW1
    pic.out(0x21, 1, 0x20);  // ICW2
    pic.out(0xA1, 1, 0x28);
    pic.out(0x21, 1, 0x04);  // ICW3
    pic.out(0xA1, 1, 0x02);
    pic.out(0x21, 1, 0x01);  // ICW4
    pic.out(0xA1, 1, 0x01);
    pic.out(0x21, 1, master_mask);  // OCW1
    pic.out(0xA1, 1, slave_mask);
}

TEST(Pic8259, RemappedTimerInterruptIsDeliveredOnceUntilEoi) {
    PicPair pic;
    pic.raise(0);
    EXPECT_FALSE(pic.pendingVector()) << "masked until initialised";
    initialisePics(pic, 0xFE, 0xFF);
    EXPECT_TRUE(pic.master().initialised());
    EXPECT_EQ(pic.in(0x21, 1), 0xFEu);
    pic.raise(0);
    ASSERT_TRUE(pic.pendingVector());
    EXPECT_EQ(*pic.pendingVector(), 0x20);
    const auto taken = pic.acknowledge();
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->first, 0x20);
    EXPECT_EQ(pic.master().isr(), 1u);
    pic.raise(0);
    EXPECT_FALSE(pic.pendingVector()) << "IRQ 0 is still in service";
    pic.out(0x20, 1, 0x0A);  // OCW3: read IRR
    EXPECT_EQ(pic.in(0x20, 1) & 1, 1u);
    pic.out(0x20, 1, 0x20);  // non-specific EOI
    EXPECT_EQ(pic.master().isr(), 0u);
    EXPECT_EQ(*pic.pendingVector(), 0x20);
}

TEST(Pic8259, MaskedLinesWaitAndSlaveLinesArriveThroughTheCascade) {
    PicPair pic;
    initialisePics(pic, 0xFB, 0xFF);  // only the cascade line open on the master
    pic.raise(1);
    EXPECT_FALSE(pic.pendingVector()) << "IRQ 1 is masked";
    pic.out(0xA1, 1, 0xFE);  // unmask IRQ 8
    pic.raise(8);
    ASSERT_TRUE(pic.pendingVector());
    EXPECT_EQ(*pic.pendingVector(), 0x28);
    const auto taken = pic.acknowledge();
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->second, 8);
    pic.raise(3);
    pic.out(0x21, 1, 0xF1);  // unmask IRQ 1 and IRQ 3 too
    ASSERT_TRUE(pic.pendingVector()) << "IRQ 1 outranks the cascade line in service";
    EXPECT_EQ(*pic.pendingVector(), 0x21);
    pic.out(0x21, 1, 0xF2);  // mask IRQ 1 again: IRQ 3 ranks below the IRQ 2 in service
    EXPECT_FALSE(pic.pendingVector());
}

TEST(Pit8254, Mode2RaisesATickEveryDivisorClocks) {
    uint64_t now = 100;
    Pit8254 pit([&] { return now; });
    EXPECT_EQ(pit.nextTick(), Pit8254::kNever);
    pit.out(0x43, 1, 0x34);  // channel 0, lobyte/hibyte, mode 2
    pit.out(0x40, 1, 1000 & 0xFF);
    EXPECT_EQ(pit.nextTick(), Pit8254::kNever) << "not running until both bytes are written";
    pit.out(0x40, 1, 1000 >> 8);
    EXPECT_EQ(pit.mode(), 2);
    EXPECT_EQ(pit.divisor(), 1000u);
    EXPECT_EQ(pit.nextTick(), 1100u);
    now = 350;
    pit.out(0x43, 1, 0x00);  // latch
    const uint32_t low = pit.in(0x40, 1), high = pit.in(0x40, 1);
    EXPECT_EQ(low | (high << 8), 750u);
    now = 1100;
    pit.tickDelivered(now);
    EXPECT_EQ(pit.nextTick(), 2100u);
    now = 5500;  // a long halt: the missed ticks coalesce
    pit.tickDelivered(now);
    EXPECT_EQ(pit.nextTick(), 6100u);
    EXPECT_EQ(pit.ticks(), 2u);
}

TEST(Pit8254, DivisorZeroMeans65536AndMode0NeverRepeats) {
    uint64_t now = 0;
    Pit8254 pit([&] { return now; });
    pit.out(0x43, 1, 0x36);  // mode 3
    pit.out(0x40, 1, 0);
    pit.out(0x40, 1, 0);
    EXPECT_EQ(pit.divisor(), 65536u);
    EXPECT_EQ(pit.nextTick(), 65536u);
    pit.out(0x43, 1, 0x30);  // mode 0: interrupt on terminal count, not a rate generator
    pit.out(0x40, 1, 10);
    pit.out(0x40, 1, 0);
    EXPECT_EQ(pit.nextTick(), Pit8254::kNever);
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
    // Paging on: the shadow CR0 takes it (the monitor then rebuilds its shadow page tables).
    regs.set(X86_REG_EAX, VirtualCpu::kCr0Pe | VirtualCpu::kCr0Pg);
    EXPECT_EQ(dispatch.emulate(privileged(PrivilegedOp::MovToCr, 0, X86_REG_EAX), regs).kind,
              TrapOutcome::Kind::Resume);
    EXPECT_EQ(vcpu.cr0 & VirtualCpu::kCr0Pg, VirtualCpu::kCr0Pg);
    // Leaving protected mode is still not emulated.
    regs.set(X86_REG_EAX, 0);
    EXPECT_EQ(dispatch.emulate(privileged(PrivilegedOp::MovToCr, 0, X86_REG_EAX), regs).kind,
              TrapOutcome::Kind::Unsupported);
}

TEST(TrapDispatcher, RecognisedButUnemulatedInstructionsAreReported) {
    VirtualCpu vcpu;
    IoBus bus;
    TrapDispatcher dispatch(vcpu, bus);
    FakeRegisters regs;
    DecodedInstruction ltr = privileged(PrivilegedOp::Other);
    ltr.mnemonic = "ltr";
    ltr.operands = "ax";
    const TrapOutcome out = dispatch.emulate(ltr, regs);
    EXPECT_EQ(out.kind, TrapOutcome::Kind::Unsupported);
    EXPECT_NE(out.detail.find("ltr ax"), std::string::npos);
}

}  // namespace
}  // namespace vl::vm
