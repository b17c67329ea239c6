// ArmDirectEngine: x86 bytes handed to an ARM64 CPU crash, and the report says how.
#include <gtest/gtest.h>

#include "core/assets.h"
#include "emulator/arm_direct_engine.h"
#include "emulator/engine_factory.h"
#include "emulator/guest_loader.h"
#include "tests/emulator/test_guest.h"

using namespace vl::emu;
using vl::RunState;

TEST(ArmDirectEngine, HelloCrashesOnItsFirstWord) {
    ArmDirectEngine engine(loadGuest(vl::builtAsset("programs/hello.bin")));
    EXPECT_EQ(engine.run(), RunState::Failed);
    const auto fault = engine.fault();
    ASSERT_TRUE(fault.has_value());
    // x86 `mov eax, 4` = b8 04 00 00 00; its first four bytes are the AArch64 word 0x000004b8,
    // an unallocated encoding.
    EXPECT_EQ(fault->pc, 0x00400000u);
    EXPECT_EQ(fault->word, 0x000004b8u);
    EXPECT_EQ(fault->decoded, "(not an AArch64 instruction)");
    EXPECT_NE(fault->error.find("EXCP_UDEF"), std::string::npos) << fault->error;
    EXPECT_EQ(engine.armInstructions(), 0u);
    EXPECT_EQ(engine.counters().at("arm64_instructions"), 0u);
    EXPECT_NE(engine.failure().find("at pc 0x00400000: word 0x000004b8"), std::string::npos) << engine.failure();
}

TEST(ArmDirectEngine, ReportsTheAArch64ReadingOfTheBytes) {
    ArmDirectEngine engine(loadGuest(vl::builtAsset("programs/hello.bin")));
    engine.run();
    const auto words = engine.decodedWords();
    ASSERT_GE(words.size(), 8u);
    EXPECT_EQ(words[0].address, 0x00400000u);
    EXPECT_FALSE(words[0].valid);
    // Bytes 18..1b of hello.bin (00 00 00 31 of `mov eax, 1` / `xor ebx, ebx`) happen to be a
    // valid AArch64 instruction.
    EXPECT_TRUE(words[6].valid);
    EXPECT_EQ(words[6].arm64, "adds w0, w0, #0");
    const auto x86 = engine.x86Reading();
    ASSERT_FALSE(x86.empty());
    EXPECT_EQ(x86[0].text(), "mov eax, 4");
    const auto listing = engine.snapshot().listing;
    ASSERT_FALSE(listing.empty());
    EXPECT_NE(listing[0].find("<- stopped here"), std::string::npos) << listing[0];
    bool fault_event = false;
    for (const auto& e : engine.events().drain()) fault_event |= e.kind == "fault";
    EXPECT_TRUE(fault_event);
}

TEST(ArmDirectEngine, WordsThatDecodeDoRunUntilAMisdecodedLoadFaults) {
    // Bytes chosen to be meaningful on ARM: the "x86 program" is really
    //   d2800000   movz x0, #0
    //   f9400000   ldr x0, [x0]     -> reads address 0, unmapped
    ArmDirectEngine engine(vl::test::assembleGuest("arm.asm", "dd 0xd2800000, 0xf9400000\n"));
    EXPECT_EQ(engine.run(), RunState::Failed);
    EXPECT_EQ(engine.armInstructions(), 1u);
    const auto executed = engine.executedWords();
    ASSERT_EQ(executed.size(), 1u);
    EXPECT_EQ(executed[0].arm64, "movz x0, #0");
    const auto fault = engine.fault();
    ASSERT_TRUE(fault.has_value());
    EXPECT_EQ(fault->pc, 0x00400004u);
    EXPECT_EQ(fault->decoded, "ldr x0, [x0]");
    ASSERT_TRUE(fault->access_address.has_value());
    EXPECT_EQ(*fault->access_address, 0u);
    EXPECT_EQ(fault->error, "invalid memory read");
}

TEST(ArmDirectEngine, ALoopOfDecodedWordsIsStoppedAtTheLimit) {
    // 14000000   b .   (branch to itself)
    ArmDirectEngine engine(vl::test::assembleGuest("spin.asm", "dd 0x14000000\n"), 500);
    EXPECT_EQ(engine.run(), RunState::Failed);
    EXPECT_EQ(engine.armInstructions(), 500u);
    EXPECT_NE(engine.failure().find("still running after 500 ARM instructions"), std::string::npos) << engine.failure();
}

TEST(EngineFactory, MakesEachEngineByNameAndRejectsOthers) {
    const GuestImage image = loadGuest(vl::builtAsset("programs/hello.bin"));
    EXPECT_EQ(emulationEngineNames(), (std::vector<std::string>{"unicorn", "dbt", "arm-direct"}));
    auto unicorn = makeEmulationEngine("unicorn", image);
    EXPECT_EQ(unicorn->run(), RunState::Finished);
    EXPECT_EQ(unicorn->snapshot().console, "Hello from x86\n");
    auto arm = makeEmulationEngine("arm-direct", image);
    EXPECT_EQ(arm->run(), RunState::Failed);
    EXPECT_EQ(arm->world(), "emulation");
    auto dbt = makeEmulationEngine("dbt", image);
    EXPECT_EQ(dbt->run(), RunState::Finished);
    EXPECT_EQ(dbt->snapshot().console, "Hello from x86\n");
    const auto msg = vl::test::inputErrorOf([&] { makeEmulationEngine("qemu", image); });
    EXPECT_EQ(msg, "unknown engine 'qemu' (valid: unicorn, dbt, arm-direct)");
}
