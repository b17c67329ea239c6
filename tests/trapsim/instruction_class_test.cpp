// Capstone-based classification of guest instructions (Popek & Goldberg; Robin & Irvine).
#include <gtest/gtest.h>

#include <capstone/capstone.h>

#include <vector>

#include "trapsim/instruction_class.h"

namespace vl::vm {
namespace {

DecodedInstruction decode(std::vector<uint8_t> bytes) {
    InstructionDecoder decoder;
    auto insn = decoder.decode(bytes.data(), bytes.size(), 0x100000);
    EXPECT_TRUE(insn.has_value());
    return insn.value_or(DecodedInstruction{});
}

TEST(InstructionClass, PrivilegedInstructionsAreRecognised) {
    EXPECT_EQ(decode({0xFA}).op, PrivilegedOp::Cli);                // cli
    EXPECT_EQ(decode({0xFB}).op, PrivilegedOp::Sti);                // sti
    EXPECT_EQ(decode({0xF4}).op, PrivilegedOp::Hlt);                // hlt
    EXPECT_EQ(decode({0xEE}).op, PrivilegedOp::Out);                // out dx, al
    EXPECT_EQ(decode({0xE6, 0xF4}).op, PrivilegedOp::Out);          // out 0xf4, al
    EXPECT_EQ(decode({0xEC}).op, PrivilegedOp::In);                 // in al, dx
    EXPECT_EQ(decode({0x0F, 0x01, 0x15, 0, 0x20, 0, 0}).op, PrivilegedOp::Other);  // lgdt [0x2000]
    EXPECT_EQ(decode({0x0F, 0x30}).op, PrivilegedOp::Other);        // wrmsr
    EXPECT_EQ(decode({0xFA}).sensitivity, Sensitivity::Privileged);
}

TEST(InstructionClass, ControlRegisterMovesNameBothRegisters) {
    const DecodedInstruction from = decode({0x0F, 0x20, 0xC0});  // mov eax, cr0
    EXPECT_EQ(from.op, PrivilegedOp::MovFromCr);
    EXPECT_EQ(from.control_register, 0);
    EXPECT_EQ(from.general_register, X86_REG_EAX);
    EXPECT_EQ(from.text(), "mov eax, cr0");
    const DecodedInstruction to = decode({0x0F, 0x22, 0xDB});    // mov cr3, ebx
    EXPECT_EQ(to.op, PrivilegedOp::MovToCr);
    EXPECT_EQ(to.control_register, 3);
    EXPECT_EQ(to.general_register, X86_REG_EBX);
    EXPECT_EQ(opName(to.op), "mov_cr");
}

TEST(InstructionClass, X86HolesAreSensitiveButNotPrivileged) {
    EXPECT_EQ(decode({0x9D}).sensitivity, Sensitivity::SensitiveUnprivileged);  // popfd
    EXPECT_EQ(decode({0x9C}).sensitivity, Sensitivity::SensitiveUnprivileged);  // pushfd
    EXPECT_EQ(decode({0x0F, 0x01, 0x05, 0, 0x20, 0, 0}).sensitivity, Sensitivity::SensitiveUnprivileged);  // sgdt
    EXPECT_EQ(decode({0x9D}).op, PrivilegedOp::None);
}

TEST(InstructionClass, OrdinaryInstructionsAreInnocuous) {
    EXPECT_EQ(decode({0x01, 0xC8}).sensitivity, Sensitivity::Innocuous);  // add eax, ecx
    EXPECT_EQ(decode({0x89, 0xD8}).op, PrivilegedOp::None);              // mov eax, ebx
}

TEST(InstructionClass, WhatFaultsDependsOnCplAndIopl) {
    const DecodedInstruction cli = decode({0xFA}), hlt = decode({0xF4}), out = decode({0xEE});
    EXPECT_FALSE(faultsAt(cli, 0, 0));
    EXPECT_TRUE(faultsAt(cli, 1, 0));
    EXPECT_FALSE(faultsAt(cli, 1, 1));   // IOPL 1 lets ring 1 mask interrupts
    EXPECT_TRUE(faultsAt(hlt, 1, 3));    // hlt needs ring 0 whatever IOPL says
    EXPECT_TRUE(faultsAt(out, 3, 0));
    EXPECT_FALSE(faultsAt(decode({0x90}), 3, 0));  // nop
}

TEST(InstructionClass, GarbageIsNoInstruction) {
    InstructionDecoder decoder;
    const uint8_t truncated[] = {0x0F};  // first byte of a two-byte opcode
    EXPECT_FALSE(decoder.decode(truncated, sizeof truncated, 0).has_value());
}

}  // namespace
}  // namespace vl::vm
