// A C program linked statically against i386 glibc starts and runs on UnicornX86Engine: the
// initial stack (argv, auxv, AT_RANDOM), brk, set_thread_area with a %gs load, and the
// ENOSYS answers glibc tolerates are all exercised by real glibc start-up code.
#include <gtest/gtest.h>

#include "core/assets.h"
#include "emulator/guest_loader.h"
#include "emulator/unicorn_x86_engine.h"

using namespace vl::emu;

TEST(GlibcProgram, StaticHelloRunsToASuccessfulExit) {
    UnicornX86Engine engine(loadGuest(vl::builtAsset("programs/glibc_hello.elf")));
    ASSERT_EQ(engine.run(), vl::RunState::Finished) << engine.failure();
    EXPECT_EQ(engine.guestStdout(), "hello from glibc: argc=1, heap, sum=5050\n");
    EXPECT_EQ(engine.guestStderr(), "");
    EXPECT_EQ(engine.exitCode(), 0);
    const auto c = engine.counters();
    EXPECT_GE(c.at("syscalls.brk"), 2u);
    EXPECT_EQ(c.at("syscalls.set_thread_area"), 1u);
    EXPECT_EQ(c.at("syscalls.exit_group"), 1u);
    EXPECT_GT(c.at("guest_instructions"), 1000u);
}
