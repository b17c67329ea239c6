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
    EXPECT_EQ(decode({0x0F, 0x01, 0x15, 0, 0x20, 0, 0}).op, PrivilegedOp::Lgdt);  // lgdt [0x2000]
    EXPECT_EQ(decode({0x0F, 0x01, 0x1D, 0, 0x20, 0, 0}).op, PrivilegedOp::Lidt);  // lidt [0x2000]
    EXPECT_EQ(decode({0x0F, 0x00, 0xD8}).op, PrivilegedOp::Ltr);    // ltr ax
    EXPECT_EQ(decode({0x0F, 0x00, 0xD8}).general_register, X86_REG_AX);
    EXPECT_EQ(decode({0x0F, 0x00, 0xD0}).op, PrivilegedOp::Other);  // lldt ax
    EXPECT_EQ(decode({0x0F, 0x30}).op, PrivilegedOp::Wrmsr);        // wrmsr
    EXPECT_EQ(decode({0x0F, 0x01, 0x38}).op, PrivilegedOp::Invlpg);  // invlpg [eax]
    EXPECT_EQ(decode({0x0F, 0xA2}).op, PrivilegedOp::Cpuid);        // cpuid
    EXPECT_EQ(decode({0x0F, 0xA2}).sensitivity, Sensitivity::Innocuous);
    EXPECT_EQ(decode({0xFA}).sensitivity, Sensitivity::Privileged);
}

TEST(InstructionClass, DescriptorTableLoadsCarryTheirMemoryOperand) {
    const DecodedInstruction lgdt = decode({0x0F, 0x01, 0x54, 0x8B, 0x10});  // lgdt [ebx + ecx*4 + 0x10]
    ASSERT_TRUE(lgdt.memory.has_value());
    EXPECT_EQ(lgdt.memory->base, X86_REG_EBX);
    EXPECT_EQ(lgdt.memory->index, X86_REG_ECX);
    EXPECT_EQ(lgdt.memory->scale, 4);
    EXPECT_EQ(lgdt.memory->disp, 0x10);
    EXPECT_EQ(opName(lgdt.op), "lgdt");
}

TEST(InstructionClass, IretAndMovSsTrapOnlyThroughRingCompression) {
    const DecodedInstruction iret = decode({0xCF});  // iretd
    EXPECT_EQ(iret.op, PrivilegedOp::Iret);
    EXPECT_EQ(iret.sensitivity, Sensitivity::SensitiveUnprivileged);
    EXPECT_FALSE(faultsAt(iret, 1, 0)) << "whether it traps depends on the frame, which the monitor checks";
    const DecodedInstruction mov_ss = decode({0x8E, 0xD0});  // mov ss, ax (Capstone: "mov ss, eax")
    EXPECT_EQ(mov_ss.op, PrivilegedOp::MovToSs);
    EXPECT_EQ(mov_ss.general_register, X86_REG_EAX);
    EXPECT_EQ(opName(mov_ss.op), "mov_ss");
    EXPECT_EQ(decode({0x8E, 0xD8}).op, PrivilegedOp::None);  // mov ds, ax: fine at ring 1
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
    // They have an operation (the binary translator emulates them), but never fault.
    EXPECT_EQ(decode({0x9D}).op, PrivilegedOp::Popf);
    EXPECT_EQ(decode({0x9C}).op, PrivilegedOp::Pushf);
    EXPECT_EQ(decode({0x8C, 0xC8}).op, PrivilegedOp::MovFromCs);  // mov eax, cs
    EXPECT_EQ(decode({0x0F, 0x01, 0xE0}).op, PrivilegedOp::Smsw);  // smsw eax
    for (auto bytes : {std::vector<uint8_t>{0x9D}, {0x9C}, {0x8C, 0xC8}, {0x0F, 0x01, 0x05, 0, 0x20, 0, 0}})
        EXPECT_FALSE(faultsAt(decode(bytes), 3, 0));
}

TEST(InstructionClass, ControlTransfersEndATranslationBlock) {
    EXPECT_TRUE(decode({0xEB, 0xFE}).ends_block);        // jmp $
    EXPECT_TRUE(decode({0x75, 0x00}).ends_block);        // jnz
    EXPECT_TRUE(decode({0xC3}).ends_block);              // ret
    EXPECT_TRUE(decode({0xCF}).ends_block);              // iretd
    EXPECT_TRUE(decode({0xCD, 0x80}).ends_block);        // int 0x80
    EXPECT_FALSE(decode({0x01, 0xC8}).ends_block);       // add eax, ecx
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
