// DbtEngine: programs on the x86 -> AArch64 translator give the same output, exit status,
// instruction count and final registers as on Unicorn's x86 CPU; what the translator does not
// cover stops the run with a clear message; the runtime chains, caches and honours budgets.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>

#include "core/assets.h"
#include "emulator/dbt/code_cache.h"
#include "emulator/dbt/dbt_engine.h"
#include "emulator/dbt/flag_liveness.h"
#include "emulator/dbt/lockstep.h"
#include "emulator/guest_loader.h"
#include "emulator/unicorn_x86_engine.h"
#include "tests/emulator/test_guest.h"
#include "tests/support/guest_programs.h"

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

// ---- hit counts (code_cache.h's counting preamble) ----

namespace {

uint64_t hitsAt(const DbtEngine& dbt, uint32_t guest) {
    for (const DbtBlockStats& b : dbt.blockStats())
        if (b.guest_address == guest) return b.hits;
    return UINT64_MAX;
}

using vl::test::kCountedLoop;

}  // namespace

TEST(DbtHitCounts, EveryBlockExecutionIsCountedOnce) {
    DbtEngine dbt(assembleGuest("loop.asm", kCountedLoop));
    ASSERT_EQ(dbt.run(), RunState::Finished) << dbt.failure();
    EXPECT_EQ(dbt.exitCode(), 55);
    EXPECT_EQ(hitsAt(dbt, 0x00400000), 1u);
    EXPECT_EQ(hitsAt(dbt, 0x00400005), 9u);
    EXPECT_EQ(hitsAt(dbt, 0x0040000a), 1u);  // mov ebx, eax ... int 0x80
    // Blocks translated ahead (past the exit) never ran.
    for (const DbtBlockStats& b : dbt.blockStats()) {
        if (b.guest_address != 0x00400000 && b.guest_address != 0x00400005 && b.guest_address != 0x0040000a) {
            EXPECT_EQ(b.hits, 0u) << hex32(b.guest_address);
        }
    }
}

TEST(DbtHitCounts, HitsTimesBlockLengthsAddUpToTheGuestInstructions) {
    DbtEngine dbt(loadGuest(vl::builtAsset("tour/tour-i386")));
    ASSERT_EQ(dbt.run(), RunState::Finished) << dbt.failure();
    const auto c = dbt.counters();
    ASSERT_EQ(c.at("cache_flushes"), 0u);
    ASSERT_EQ(c.at("invalidations"), 0u);
    uint64_t executions = 0, instructions = 0;
    for (const DbtBlockStats& b : dbt.blockStats()) {
        executions += b.hits;
        instructions += b.hits * b.guest_instructions;
    }
    EXPECT_EQ(executions, c.at("blocks"));
    EXPECT_EQ(instructions, dbt.guestInstructions());
}

TEST(DbtHitCounts, WithoutCountingTheRunIsTheSameAndEveryCountIsZero) {
    const GuestImage image = loadGuest(vl::builtAsset("tour/tour-i386"));
    EmulationOptions uncounted;
    uncounted.count_block_hits = false;
    DbtEngine counted(image), plain(image, uncounted);
    ASSERT_EQ(counted.run(), RunState::Finished) << counted.failure();
    ASSERT_EQ(plain.run(), RunState::Finished) << plain.failure();
    EXPECT_EQ(plain.snapshot().console, counted.snapshot().console);
    EXPECT_EQ(plain.guestInstructions(), counted.guestInstructions());
    EXPECT_EQ(plain.hostInstructions(), counted.hostInstructions());
    EXPECT_EQ(plain.counters().at("blocks"), counted.counters().at("blocks"));
    uint64_t counted_hits = 0;
    for (const DbtBlockStats& b : counted.blockStats()) counted_hits += b.hits;
    EXPECT_GT(counted_hits, 0u);
    for (const DbtBlockStats& b : plain.blockStats()) EXPECT_EQ(b.hits, 0u) << hex32(b.guest_address);
}

TEST(DbtHitCounts, BudgetExitsAreNotCountedAsHits) {
    // Budgets of one instruction end almost every entry with the prologue's budget exit.
    const GuestImage image = loadGuest(vl::builtAsset("programs/fib.bin"));
    DbtEngine whole(image), sliced(image);
    ASSERT_EQ(whole.run(), RunState::Finished);
    RunState s = RunState::Paused;
    while (s == RunState::Paused) s = sliced.run(1);
    ASSERT_EQ(s, RunState::Finished) << sliced.failure();
    const auto a = whole.blockStats(), b = sliced.blockStats();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].guest_address, b[i].guest_address);
        EXPECT_EQ(a[i].hits, b[i].hits) << hex32(a[i].guest_address);
    }
}

// ---- host-instruction stepping ----

namespace {

// Steps `dbt` one AArch64 instruction at a time to the end; returns the number of steps.
uint64_t stepHostToEnd(DbtEngine& dbt) {
    uint64_t steps = 0;
    RunState s = RunState::Paused;
    while (s == RunState::Paused && steps < 1'000'000) {
        s = dbt.stepHost();
        ++steps;
    }
    return steps;
}

void expectSameEnd(DbtEngine& stepped, DbtEngine& ran) {
    EXPECT_EQ(stepped.state(), ran.state()) << stepped.failure();
    EXPECT_EQ(stepped.failure(), ran.failure());
    EXPECT_EQ(stepped.exitCode(), ran.exitCode());
    EXPECT_EQ(stepped.guestStdout(), ran.guestStdout());
    EXPECT_EQ(stepped.guestInstructions(), ran.guestInstructions());
    EXPECT_EQ(stepped.registers(), ran.registers());
    EXPECT_EQ(stepped.counters().at("host_instructions"), ran.counters().at("host_instructions"));
    EXPECT_EQ(stepped.counters().at("blocks"), ran.counters().at("blocks"));
    const auto a = stepped.blockStats(), b = ran.blockStats();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].hits, b[i].hits) << hex32(a[i].guest_address);
}

}  // namespace

TEST(DbtStepping, OneHostStepRunsOneAArch64Instruction) {
    DbtEngine dbt(assembleGuest("loop.asm", kCountedLoop));
    EXPECT_FALSE(dbt.hostPosition());
    ASSERT_EQ(dbt.stepHost(), RunState::Paused);
    const auto first = dbt.hostPosition();
    ASSERT_TRUE(first);
    const dbt::TranslatedBlock& block = *first->block;
    // The first step ran the first word of the block's entry (its counting preamble).
    EXPECT_EQ(first->pc, dbt::CodeCache::entryOf(block) + 4);
    EXPECT_EQ(first->guest_index, -1);
    EXPECT_EQ(dbt.hostRegisters().pc, first->pc);
    // Through the preamble and prologue to the first word of `mov ecx, 10`'s band.
    const uint64_t to_band = dbt::kHitPreambleWords + block.prologue_words - 1;
    for (uint64_t i = 0; i < to_band; ++i) ASSERT_EQ(dbt.stepHost(), RunState::Paused);
    EXPECT_EQ(dbt.hostPosition()->guest_index, 0);
    EXPECT_EQ(dbt.hostPosition()->pc, block.host_start + uint64_t(block.map[0].arm64_first) * 4);
    EXPECT_EQ(dbt.guestInstructions(), 0u);
    EXPECT_EQ(dbt.registers().ecx, 0u);
    // The band of mov ecx, 10: after its last word, ecx (w1) holds 10 and one guest
    // instruction is complete.
    for (uint32_t i = 0; i < block.map[0].arm64_count; ++i) ASSERT_EQ(dbt.stepHost(), RunState::Paused);
    EXPECT_EQ(dbt.hostRegisters().x[1], 10u);
    EXPECT_EQ(dbt.registers().ecx, 10u);
    EXPECT_EQ(dbt.guestInstructions(), 1u);
    EXPECT_EQ(dbt.registers().eip, 0x00400005u);
    EXPECT_EQ(dbt.hostPosition()->guest_index, 1);
}

TEST(DbtStepping, HostStepsToTheEndGiveTheSameRunAsRunning) {
    // Chained branches, a loop, lookup-table returns, syscalls (svc in place) and exit.
    for (const char* name : {"programs/fib.bin", "programs/hello.bin", "programs/syscalls.bin"}) {
        SCOPED_TRACE(name);
        const GuestImage image = loadGuest(vl::builtAsset(name));
        DbtEngine stepped(image), ran(image);
        ran.run();
        const uint64_t steps = stepHostToEnd(stepped);
        EXPECT_GT(steps, stepped.guestInstructions()) << name;
        expectSameEnd(stepped, ran);
    }
}

TEST(DbtStepping, AtEveryBlockEntryTheStateIsThatOfABudgetedRun) {
    const GuestImage image = loadGuest(vl::builtAsset("programs/fib.bin"));
    DbtEngine stepped(image);
    int compared = 0;
    while (compared < 25 && stepped.stepHost() == RunState::Paused) {
        const auto at = stepped.hostPosition();
        if (!at || at->pc != dbt::CodeCache::entryOf(*at->block)) continue;
        // A run with exactly the instructions stepped so far stops before this same block.
        DbtEngine ran(image);
        if (stepped.guestInstructions() > 0) {
            ASSERT_EQ(ran.run(stepped.guestInstructions()), RunState::Paused);
        }
        EXPECT_EQ(ran.guestInstructions(), stepped.guestInstructions());
        EXPECT_EQ(ran.registers(), stepped.registers()) << "at block " << hex32(at->block->guest_start);
        const uint32_t esp = stepped.registers().esp;
        uint8_t a[64] = {}, b[64] = {};
        EXPECT_EQ(stepped.readGuestMemory(esp, a, sizeof a), ran.readGuestMemory(esp, b, sizeof b));
        EXPECT_EQ(0, memcmp(a, b, sizeof a)) << "stack at block " << hex32(at->block->guest_start);
        ++compared;
    }
    EXPECT_EQ(compared, 25);
}

TEST(DbtStepping, AGuestStepIsTheHostStepsOfItsBand) {
    const GuestImage image = loadGuest(vl::builtAsset("programs/fib.bin"));
    DbtEngine by_guest(image), by_host(image);
    int mid_block_checked = 0;
    for (int i = 0; i < 120 && by_guest.state() != RunState::Finished; ++i) {
        const auto before = by_host.hostPosition();
        const RunState guest_state = by_guest.stepGuest();
        ASSERT_EQ(guest_state, by_guest.state());
        // The same program translates to the same host addresses in both engines.
        const std::optional<uint64_t> boundary =
            by_guest.hostPosition() ? std::optional<uint64_t>(by_guest.hostPosition()->pc) : std::nullopt;
        uint64_t host_steps = 0;
        RunState s = RunState::Paused;
        do {
            s = by_host.stepHost();
            ++host_steps;
        } while (s == RunState::Paused && !(boundary && by_host.hostPosition() && by_host.hostPosition()->pc == *boundary));
        EXPECT_EQ(s, by_guest.state()) << "guest step " << i;
        EXPECT_EQ(by_host.registers(), by_guest.registers()) << "guest step " << i;
        EXPECT_EQ(by_host.guestInstructions(), by_guest.guestInstructions()) << "guest step " << i;
        // From the first word of instruction k's band to the next instruction of the same
        // block: exactly the words of k's band.
        if (before && before->guest_index >= 0) {
            const auto& b = *before->block;
            const auto k = static_cast<size_t>(before->guest_index);
            const auto after = by_host.hostPosition();
            if (after && after->block == before->block && after->guest_index == static_cast<int>(k) + 1) {
                EXPECT_EQ(host_steps, b.map[k].arm64_count) << b.insns[k].text();
                ++mid_block_checked;
            }
        }
    }
    EXPECT_GT(mid_block_checked, 20);
}

TEST(DbtStepping, RunContinuesFromTheMiddleOfABlock) {
    const GuestImage image = loadGuest(vl::builtAsset("programs/fib.bin"));
    DbtEngine ran(image);
    ran.run();
    // Stop inside the prologue, inside a band, and after several blocks, then run to the end.
    for (int steps : {2, 7, 11, 40, 333}) {
        DbtEngine stepped(image);
        for (int i = 0; i < steps; ++i) ASSERT_EQ(stepped.stepHost(), RunState::Paused);
        stepped.run();
        expectSameEnd(stepped, ran);
    }
}

TEST(DbtStepping, HelpersAndFaultsUnderHostSteps) {
    // cpuid is a helper (svc inside the block), div by zero the #DE exit.
    const GuestImage image = assembleGuest("helper.asm",
                                           "        xor eax, eax\n"
                                           "        cpuid\n"
                                           "        mov eax, 5\n"
                                           "        xor ecx, ecx\n"
                                           "        div ecx\n");
    DbtEngine stepped(image), ran(image);
    ran.run();
    stepHostToEnd(stepped);
    expectSameEnd(stepped, ran);
    EXPECT_EQ(stepped.state(), RunState::Failed);
    EXPECT_NE(stepped.failure().find("#DE"), std::string::npos) << stepped.failure();
}

TEST(DbtStepping, AFaultingLoadIsReportedAtItsOwnInstruction) {
    // 0x00400000 mov eax, 7 ; 0x00400005 mov eax, [0x10]: one AArch64 instruction per step, so
    // the fault's pc is the load itself, inside the second x86 instruction's band.
    DbtEngine dbt(assembleGuest("bad.asm", "        mov eax, 7\n        mov eax, [0x10]\n"));
    stepHostToEnd(dbt);
    EXPECT_EQ(dbt.state(), RunState::Failed);
    EXPECT_NE(dbt.failure().find("invalid memory read at 0x00000010"), std::string::npos) << dbt.failure();
    EXPECT_NE(dbt.failure().find("eip 0x00400005: mov eax, dword ptr [0x10]"), std::string::npos) << dbt.failure();
    EXPECT_EQ(dbt.guestInstructions(), 1u);
    EXPECT_EQ(dbt.registers().eax, 7u);
}
