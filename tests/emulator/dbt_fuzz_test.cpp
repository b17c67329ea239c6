// Differential fuzzing in the unit suite: a few hundred random programs from the covered
// instructions, translator against Unicorn x86, must not diverge once; and the generator is
// deterministic per seed, so a reported seed reproduces.
#include <gtest/gtest.h>

#include "emulator/dbt/dbt_fuzzer.h"
#include "tests/emulator/test_guest.h"

using namespace vl::emu::dbt;

TEST(DbtFuzz, RandomProgramsMatchUnicornX86) {
    const FuzzReport report = fuzzDbt(200, 2026);
    EXPECT_EQ(report.cases, 200u);
    for (const auto& f : report.divergences) ADD_FAILURE() << "case " << f.case_index << ": " << f.reason << "\n" << f.reproducer;
}

TEST(DbtFuzz, TheSameSeedGivesTheSameProgram) {
    EXPECT_EQ(randomFuzzCase(5, 3).source(), randomFuzzCase(5, 3).source());
    EXPECT_NE(randomFuzzCase(5, 3).source(), randomFuzzCase(5, 4).source());
}

// The comparison must be able to fail, and say where. A real difference between the two
// engines: OF after a bit test is undefined (Intel SDM, BT). The translator leaves it as it was;
// Unicorn (QEMU) recomputes it from its lazy state when the previous flag setter is in the same
// x86 block, as a shift's OF: bit 31 of (eax >> 31) ^ (the cmp's result) = 1 here.
TEST(DbtCompare, ReportsTheFirstDivergingBlockAndRegister) {
    const auto image = vl::test::assembleGuest("bt_of.asm",
        "        mov eax, 0x80000000\n"
        "        cmp eax, 0              ; result 0x80000000, OF=0\n"
        "        bt eax, 31              ; CF=1; OF undefined\n"
        "        jmp .end                ; ends the block at 0x00400000\n"
        ".end:   seto dl                 ; reads OF: live across the boundary, so compared there\n"
        "        mov eax, 1              ; exit(0)\n"
        "        xor ebx, ebx\n"
        "        int 0x80\n");
    const CompareResult r = compareLockstep(image);
    EXPECT_FALSE(r.match);
    ASSERT_TRUE(r.divergence.has_value());
    EXPECT_EQ(r.divergence->block, 0x00400000u);
    EXPECT_EQ(r.divergence->kind, "flag");
    EXPECT_EQ(r.divergence->name, "OF");
    EXPECT_EQ(r.divergence->dbt, "0");
    EXPECT_EQ(r.divergence->unicorn, "1");
}
