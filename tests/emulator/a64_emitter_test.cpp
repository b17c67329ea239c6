// The AArch64 encoder, form by form: each emitted word is disassembled by Capstone and must
// read back as the instruction that was meant (in Capstone 4's spelling: hex above 9, aliases
// such as sxth for sbfm). Capstone is an independent decoder, so a wrong
// bit in any field shows up as different text (or as no instruction at all).
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "emulator/dbt/a64_emitter.h"
#include "emulator/disassembler.h"

namespace vl::emu::dbt {
namespace {

constexpr uint64_t kBase = 0x10000000;

std::string textOf(const std::function<void(A64Emitter&)>& emit) {
    A64Emitter e(kBase);
    emit(e);
    EXPECT_EQ(e.size(), 1u);
    const uint32_t word = e.words().at(0);
    Disassembler arm(Disassembler::Arch::AArch64);
    Instruction in;
    if (!arm.decodeOne(reinterpret_cast<const uint8_t*>(&word), 4, static_cast<uint32_t>(kBase), in)) return "<invalid>";
    return in.text();
}

using W = Width;

struct Case {
    const char* expected;
    std::function<void(A64Emitter&)> emit;
};

TEST(A64Emitter, EveryFormReadsBackThroughCapstone) {
    const Case cases[] = {
        {"add w0, w1, #0x10", [](A64Emitter& e) { e.addImm(W::W, 0, 1, 16); }},
        {"add x9, x27, #1, lsl #12", [](A64Emitter& e) { e.addImm(W::X, 9, 27, 1, true); }},
        {"sub w4, w4, #4", [](A64Emitter& e) { e.subImm(W::W, 4, 4, 4); }},
        {"adds w0, w0, #1", [](A64Emitter& e) { e.addsImm(W::W, 0, 0, 1); }},
        {"cmp w9, #0", [](A64Emitter& e) { e.subsImm(W::W, kZr, 9, 0); }},
        {"add w10, w3, w6, lsl #2", [](A64Emitter& e) { e.addReg(W::W, 10, 3, 6, Shift::LSL, 2); }},
        {"sub x9, x23, x25", [](A64Emitter& e) { e.subReg(W::X, 9, 23, 25); }},
        {"adds w12, w12, w13, lsl #24", [](A64Emitter& e) { e.addsReg(W::W, 12, 12, 13, Shift::LSL, 24); }},
        {"subs w0, w0, w3", [](A64Emitter& e) { e.subsReg(W::W, 0, 0, 3); }},
        {"negs w1, w1", [](A64Emitter& e) { e.subsReg(W::W, 1, kZr, 1); }},
        {"cmp x9, w9, sxtw", [](A64Emitter& e) { e.subsExt(W::X, kZr, 9, 9, Extend::SXTW); }},
        {"add x23, x23, w1, uxtw", [](A64Emitter& e) { e.addExt(W::X, 23, 23, 1, Extend::UXTW); }},
        {"sub x23, x23, w1, uxtw", [](A64Emitter& e) { e.subExt(W::X, 23, 23, 1, Extend::UXTW); }},
        {"and w0, w0, w3", [](A64Emitter& e) { e.andReg(W::W, 0, 0, 3); }},
        {"orr w9, w9, w10, lsl #8", [](A64Emitter& e) { e.orrReg(W::W, 9, 9, 10, Shift::LSL, 8); }},
        {"eor w9, w16, w16, lsr #4", [](A64Emitter& e) { e.eorReg(W::W, 9, 16, 16, Shift::LSR, 4); }},
        {"tst w0, w3", [](A64Emitter& e) { e.andsReg(W::W, kZr, 0, 3); }},
        {"mvn w2, w5", [](A64Emitter& e) { e.ornReg(W::W, 2, kZr, 5); }},
        {"mov w16, w9", [](A64Emitter& e) { e.movReg(W::W, 16, 9); }},
        {"and w9, w9, #0xff", [](A64Emitter& e) { e.andImm(W::W, 9, 9, 0xFF); }},
        {"orr w0, w0, #0xffff0000", [](A64Emitter& e) { e.orrImm(W::W, 0, 0, 0xFFFF0000); }},
        {"eor x9, x9, #0x20000000", [](A64Emitter& e) { e.eorImm(W::X, 9, 9, 0x20000000); }},
        {"and w9, w9, #0x55555555", [](A64Emitter& e) { e.andImm(W::W, 9, 9, 0x55555555); }},
        {"movz w9, #0x1234", [](A64Emitter& e) { e.movz(W::W, 9, 0x1234); }},
        {"sdiv x9, x10, x11", [](A64Emitter& e) { e.sdiv(W::X, 9, 10, 11); }},
        {"ror w9, w10, w11", [](A64Emitter& e) { e.rorv(W::W, 9, 10, 11); }},
        {"ror w9, w10, #7", [](A64Emitter& e) { e.rorImm(W::W, 9, 10, 7); }},
        {"clz w9, w10", [](A64Emitter& e) { e.clz(W::W, 9, 10); }},
        {"rbit w9, w10", [](A64Emitter& e) { e.rbit(W::W, 9, 10); }},
        {"movk w9, #0x804, lsl #16", [](A64Emitter& e) { e.movk(W::W, 9, 0x804, 1); }},
        {"movn w9, #0x1", [](A64Emitter& e) { e.movn(W::W, 9, 1); }},
        {"lsl w12, w0, #0x18", [](A64Emitter& e) { e.lslImm(W::W, 12, 0, 24); }},
        {"lsr w2, w9, #3", [](A64Emitter& e) { e.lsrImm(W::W, 2, 9, 3); }},
        {"lsr x2, x9, #0x20", [](A64Emitter& e) { e.lsrImm(W::X, 2, 9, 32); }},
        {"asr w0, w0, #0x1f", [](A64Emitter& e) { e.asrImm(W::W, 0, 0, 31); }},
        {"ubfx w9, w0, #8, #8", [](A64Emitter& e) { e.ubfx(W::W, 9, 0, 8, 8); }},
        {"sxth w9, w1", [](A64Emitter& e) { e.sbfx(W::W, 9, 1, 0, 16); }},
        {"bfi w3, w9, #8, #8", [](A64Emitter& e) { e.bfi(W::W, 3, 9, 8, 8); }},
        {"bfi x9, x10, #0x1d, #1", [](A64Emitter& e) { e.bfi(W::X, 9, 10, 29, 1); }},
        {"ubfiz x9, x20, #4, #0xc", [](A64Emitter& e) { e.ubfiz(W::X, 9, 20, 4, 12); }},
        {"lsl w0, w0, w10", [](A64Emitter& e) { e.lslv(W::W, 0, 0, 10); }},
        {"lsr w0, w0, w10", [](A64Emitter& e) { e.lsrv(W::W, 0, 0, 10); }},
        {"asr w0, w0, w10", [](A64Emitter& e) { e.asrv(W::W, 0, 0, 10); }},
        {"udiv x10, x9, x3", [](A64Emitter& e) { e.udiv(W::X, 10, 9, 3); }},
        {"madd w0, w1, w2, w3", [](A64Emitter& e) { e.madd(W::W, 0, 1, 2, 3); }},
        {"msub x11, x10, x3, x9", [](A64Emitter& e) { e.msub(W::X, 11, 10, 3, 9); }},
        {"umull x9, w0, w7", [](A64Emitter& e) { e.umull(9, 0, 7); }},
        {"smull x9, w0, w7", [](A64Emitter& e) { e.smull(9, 0, 7); }},
        {"csel w0, w3, w0, gt", [](A64Emitter& e) { e.csel(W::W, 0, 3, 0, Cond::GT); }},
        {"cset w9, lo", [](A64Emitter& e) { e.cset(W::W, 9, Cond::LO); }},
        {"csinc w9, w1, w2, ne", [](A64Emitter& e) { e.csinc(W::W, 9, 1, 2, Cond::NE); }},
        {"str w9, [x28, w10, uxtw]", [](A64Emitter& e) { e.strRegUxtw(MemSize::Word, 9, 28, 10); }},
        {"ldr w0, [x28, w4, uxtw]", [](A64Emitter& e) { e.ldrRegUxtw(MemSize::Word, 0, 28, 4); }},
        {"ldrb w9, [x28, w10, uxtw]", [](A64Emitter& e) { e.ldrRegUxtw(MemSize::Byte, 9, 28, 10); }},
        {"strh w9, [x28, w10, uxtw]", [](A64Emitter& e) { e.strRegUxtw(MemSize::Half, 9, 28, 10); }},
        {"ldrsb w9, [x28, w10, uxtw]", [](A64Emitter& e) { e.ldrsRegUxtw(MemSize::Byte, 9, 28, 10); }},
        {"ldrsh w9, [x28, w10, uxtw]", [](A64Emitter& e) { e.ldrsRegUxtw(MemSize::Half, 9, 28, 10); }},
        {"ldr x9, [x27, #0x18]", [](A64Emitter& e) { e.ldrImm(MemSize::Dword, 9, 27, 24); }},
        {"str x9, [x27, #8]", [](A64Emitter& e) { e.strImm(MemSize::Dword, 9, 27, 8); }},
        {"ldp x10, x11, [x9]", [](A64Emitter& e) { e.ldpX(10, 11, 9, 0); }},
        {"ldr w9, #0x10000040", [](A64Emitter& e) { e.ldrLiteral(W::W, 9, kBase + 0x40); }},
        {"ldr x10, #0xffffff8", [](A64Emitter& e) { e.ldrLiteral(W::X, 10, kBase - 8); }},
        {"b #0x10000040", [](A64Emitter& e) { e.b(kBase + 0x40); }},
        {"b #0xffffff0", [](A64Emitter& e) { e.b(kBase - 0x10); }},
        {"b.hi #0x10000008", [](A64Emitter& e) { e.bCond(Cond::HI, kBase + 8); }},
        {"cbz w1, #0x10000100", [](A64Emitter& e) { e.cbz(W::W, 1, kBase + 0x100); }},
        {"cbnz x10, #0x1000000c", [](A64Emitter& e) { e.cbnz(W::X, 10, kBase + 12); }},
        {"tbz w9, #0, #0x10000020", [](A64Emitter& e) { e.tbz(9, 0, kBase + 0x20); }},
        {"tbnz x23, #0x3f, #0x10000010", [](A64Emitter& e) { e.tbnz(23, 63, kBase + 0x10); }},
        {"br x11", [](A64Emitter& e) { e.br(11); }},
        {"adr x21, #0x10000014", [](A64Emitter& e) { e.adr(21, kBase + 0x14); }},
        {"svc #0x80", [](A64Emitter& e) { e.svc(0x80); }},
        {"brk #0x1", [](A64Emitter& e) { e.brk(1); }},
        {"mrs x9, nzcv", [](A64Emitter& e) { e.mrsNzcv(9); }},
        {"msr nzcv, x9", [](A64Emitter& e) { e.msrNzcv(9); }},
        {"nop", [](A64Emitter& e) { e.nop(); }},
    };
    for (const auto& c : cases) EXPECT_EQ(textOf(c.emit), c.expected);
}

TEST(A64Emitter, MovImm32UsesTheShortestSequence) {
    const struct {
        uint32_t value;
        size_t words;
    } cases[] = {{0, 1}, {0x1234, 1}, {0x80490000, 1}, {0xFFFFFFF0, 1}, {0x0804A07C, 2}, {0x7FFFFFFF, 1}};
    for (const auto& c : cases) {
        A64Emitter e(kBase);
        e.movImm32(9, c.value);
        EXPECT_EQ(e.size(), c.words) << std::hex << c.value;
    }
}

TEST(A64Emitter, LogicalImmediatesFollowTheBitmaskRules) {
    EXPECT_TRUE(encodeLogicalImmediate(0xFF, Width::W));
    EXPECT_TRUE(encodeLogicalImmediate(0x80000000, Width::W));
    EXPECT_TRUE(encodeLogicalImmediate(0xF0F0F0F0, Width::W));
    EXPECT_FALSE(encodeLogicalImmediate(0, Width::W));
    EXPECT_FALSE(encodeLogicalImmediate(0xFFFFFFFF, Width::W));
    EXPECT_FALSE(encodeLogicalImmediate(0x12345678, Width::W));
    EXPECT_FALSE(encodeLogicalImmediate(0x101, Width::W));
}

TEST(A64Emitter, ForwardBranchesArePatchedInPlace) {
    A64Emitter e(kBase);
    e.bCond(Cond::EQ, kBase);
    e.cbnz(Width::W, 1, kBase);
    e.tbz(9, 0, kBase);
    e.b(kBase);
    e.ldrLiteral(Width::W, 12, kBase);
    for (size_t i = 0; i < 5; ++i) e.patchBranch(i, kBase + 0x40);
    Disassembler arm(Disassembler::Arch::AArch64);
    const auto out = arm.decode(reinterpret_cast<const uint8_t*>(e.words().data()), e.size() * 4, static_cast<uint32_t>(kBase));
    ASSERT_EQ(out.size(), 5u);
    EXPECT_EQ(out[0].text(), "b.eq #0x10000040");
    EXPECT_EQ(out[1].text(), "cbnz w1, #0x10000040");
    EXPECT_EQ(out[2].text(), "tbz w9, #0, #0x10000040");
    EXPECT_EQ(out[3].text(), "b #0x10000040");
    EXPECT_EQ(out[4].text(), "ldr w12, #0x10000040");
}

}  // namespace
}  // namespace vl::emu::dbt
