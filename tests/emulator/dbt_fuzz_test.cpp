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
// engines today: the translator has no segment bases yet, so set_thread_area (glibc's TLS
// set-up) fails with -EFAULT on it and succeeds on Unicorn x86.
TEST(DbtCompare, ReportsTheFirstDivergingBlockAndRegister) {
    const auto image = vl::test::assembleGuest("tls.asm",
        "        mov eax, 243            ; set_thread_area(&desc)\n"
        "        mov ebx, desc\n"
        "        int 0x80                ; 0x0040000a, ends the block at 0x00400000\n"
        "        mov eax, 1              ; exit(0)\n"
        "        xor ebx, ebx\n"
        "        int 0x80\n"
        "desc:   dd -1, 0, 0xfffff, 0x51 ; any free entry, base 0, 4 GiB, 32-bit, pages\n");
    const CompareResult r = compareLockstep(image);
    EXPECT_FALSE(r.match);
    ASSERT_TRUE(r.divergence.has_value());
    EXPECT_EQ(r.divergence->block, 0x00400000u);
    EXPECT_EQ(r.divergence->kind, "register");
    EXPECT_EQ(r.divergence->name, "eax");
    EXPECT_EQ(r.divergence->dbt, "0xfffffff2");  // -EFAULT
    EXPECT_EQ(r.divergence->unicorn, "0x00000000");
}
