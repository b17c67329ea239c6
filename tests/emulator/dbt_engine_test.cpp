// DbtEngine: programs on the x86 -> AArch64 translator give the same output, exit status,
// instruction count and final registers as on Unicorn's x86 CPU; what the translator does not
// cover stops the run with a clear message; the runtime chains, caches and honours budgets.
#include <gtest/gtest.h>

#include "core/assets.h"
#include "emulator/dbt/dbt_engine.h"
#include "emulator/dbt/flag_liveness.h"
#include "emulator/dbt/lockstep.h"
#include "emulator/guest_loader.h"
#include "emulator/unicorn_x86_engine.h"
#include "tests/emulator/test_guest.h"

using namespace vl::emu;
using vl::RunState;
using vl::test::assembleGuest;

namespace {

void expectSameRun(const GuestImage& image) {
    DbtEngine dbt(image);
    UnicornX86Engine ref(image);
    const RunState ds = dbt.run(), us = ref.run();
    EXPECT_EQ(ds, us) << image.path << ": " << dbt.failure();
    EXPECT_EQ(dbt.exitCode(), ref.exitCode()) << image.path;
    EXPECT_EQ(dbt.guestStdout(), ref.guestStdout()) << image.path;
    EXPECT_EQ(dbt.guestInstructions(), ref.guestInstructions()) << image.path;
    EXPECT_EQ(dbt.registers(), ref.registers()) << image.path;
}

}  // namespace

TEST(DbtEngine, DemoProgramsRunAsOnUnicornX86) {
    for (const char* name : {"hello.bin", "hello.elf", "fib.bin", "fib.elf", "syscalls.bin", "syscalls.elf"})
        expectSameRun(loadGuest(vl::builtAsset(std::string("programs/") + name)));
}

TEST(DbtEngine, TourProgramRunsAsOnUnicornX86) {
    const GuestImage image = loadGuest(vl::builtAsset("tour/tour-i386"));
    expectSameRun(image);
    DbtEngine dbt(image);
    ASSERT_EQ(dbt.run(), RunState::Finished);
    EXPECT_NE(dbt.guestStdout().find("primes below 20000: 2262\nfib(20): 6765\n"), std::string::npos);
    const auto c = dbt.counters();
    // Hot loops run chained inside Unicorn: far fewer exits to the dispatcher than blocks run.
    EXPECT_GT(c.at("chained_jumps"), 50u);
    EXPECT_LT(c.at("helper_exits") * 100, c.at("blocks"));
    EXPECT_GT(c.at("host_instructions"), c.at("guest_instructions"));
    EXPECT_GT(dbt.expansion(), 1.0);
}

TEST(DbtEngine, TourProgramMatchesUnicornBlockByBlock) {
    const dbt::CompareResult r = dbt::compareLockstep(loadGuest(vl::builtAsset("tour/tour-i386")));
    EXPECT_TRUE(r.match) << (r.divergence ? r.divergence->message() : r.dbt_failure);
    EXPECT_TRUE(r.exited);
    EXPECT_GT(r.blocks_compared, 100000u);
}

TEST(DbtEngine, UnsupportedInstructionStopsWithItsNameAndAddress) {
    // 0x00400000 mov eax, 7 ; 0x00400005 rdtsc (a time stamp: nothing a translator can agree on)
    DbtEngine dbt(assembleGuest("rdtsc.asm", "        mov eax, 7\n        rdtsc\n"));
    EXPECT_EQ(dbt.run(), RunState::Failed);
    EXPECT_EQ(dbt.failure(), "unsupported instruction rdtsc at 0x00400005");
    EXPECT_EQ(dbt.guestInstructions(), 1u);
    EXPECT_EQ(dbt.registers().eax, 7u);
    EXPECT_EQ(dbt.registers().eip, 0x00400005u);
}

TEST(DbtEngine, DivideByZeroIsTheSameFaultAsOnX86) {
    const GuestImage image = assembleGuest("de.asm", "        mov eax, 5\n        xor ecx, ecx\n        div ecx\n");
    DbtEngine dbt(image);
    UnicornX86Engine ref(image);
    EXPECT_EQ(dbt.run(), RunState::Failed);
    EXPECT_EQ(ref.run(), RunState::Failed);
    EXPECT_EQ(dbt.failure(), ref.failure());
    EXPECT_EQ(dbt.guestInstructions(), ref.guestInstructions());
}

TEST(DbtEngine, BadMemoryAccessEndsTheRunWithTheGuestAddress) {
    DbtEngine dbt(assembleGuest("bad.asm", "        mov eax, [0x10]\n"));
    EXPECT_EQ(dbt.run(), RunState::Failed);
    EXPECT_NE(dbt.failure().find("invalid memory read at 0x00000010"), std::string::npos) << dbt.failure();
    EXPECT_NE(dbt.failure().find("0x00400000: mov eax, dword ptr [0x10]"), std::string::npos) << dbt.failure();
}

TEST(DbtEngine, BudgetStopsAtABlockBoundaryAndTheRunContinues) {
    const GuestImage image = loadGuest(vl::builtAsset("programs/fib.bin"));
    DbtEngine dbt(image);
    EXPECT_EQ(dbt.run(10), RunState::Paused);
    EXPECT_GE(dbt.guestInstructions(), 10u);
    EXPECT_LT(dbt.guestInstructions(), 10u + 64u);
    // The pane's listing: the next block's x86 instructions, each followed by its AArch64.
    const auto listing = dbt.snapshot().listing;
    ASSERT_FALSE(listing.empty());
    EXPECT_EQ(listing.front().substr(0, 12), hex32(dbt.registers().eip) + "  ");
    EXPECT_EQ(dbt.run(), RunState::Finished);
    EXPECT_EQ(dbt.guestStdout(), "fib(40) = 102334155\n");
    EXPECT_EQ(dbt.guestInstructions(), 259u);
}

TEST(DbtEngine, MaxInstructionsEndsAnEndlessLoop) {
    EmulationOptions options;
    options.max_instructions = 100000;
    DbtEngine dbt(assembleGuest("forever.asm", "        xor ecx, ecx\nl:      inc ecx\n        jmp l\n"), options);
    EXPECT_EQ(dbt.run(), RunState::Failed);
    EXPECT_NE(dbt.failure().find("instruction limit of 100000 reached"), std::string::npos) << dbt.failure();
    EXPECT_LE(dbt.guestInstructions(), 100000u);
}

TEST(DbtLiveness, FlagsOverwrittenBeforeAnyReaderAreNotComputed) {
    // add eax, ebx ; add eax, ecx ; jmp $+2: the first add's flags are all dead.
    DbtEngine dbt(assembleGuest("dead.asm", "        add eax, ebx\n        add eax, ecx\n        jmp .n\n.n:     mov eax, 1\n        int 0x80\n"));
    ASSERT_EQ(dbt.run(), RunState::Finished);
    const auto blocks = dbt.translatedBlocks();
    ASSERT_FALSE(blocks.empty());
    const dbt::TranslatedBlock& first = *blocks.front();
    ASSERT_GE(first.insns.size(), 2u);
    EXPECT_EQ(first.flags_computed[0], 0);
    EXPECT_EQ(first.flags_skipped[0], dbt::kAllFlags);
    EXPECT_EQ(first.flags_computed[1], dbt::kAllFlags);  // live at the block's end
    EXPECT_LT(first.map[0].arm64_count, first.map[1].arm64_count);
}
