// UnicornX86Engine: Linux i386 programs on Unicorn's x86 CPU with VirtLab's syscall layer.
// Each guest's assembly is written out beside the test that runs it.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/assets.h"
#include "emulator/guest_loader.h"
#include "emulator/linux_process_layout.h"
#include "emulator/unicorn_x86_engine.h"
#include "tests/emulator/test_guest.h"

using namespace vl::emu;
using vl::RunState;
using vl::test::assembleGuest;

namespace {

constexpr const char* kExitWithEax =
    "        mov ebx, eax\n"
    "        mov eax, 1              ; exit(ebx)\n"
    "        int 0x80\n";

// mov ecx, 0 ; l: inc ecx ; jmp l  -- never ends
constexpr const char* kForever =
    "        xor ecx, ecx\n"
    "l:      inc ecx\n"
    "        jmp l\n";

}  // namespace

TEST(UnicornX86Engine, HelloPrintsAndExitsZero) {
    UnicornX86Engine engine(loadGuest(vl::builtAsset("programs/hello.bin")));
    EXPECT_EQ(engine.state(), RunState::Ready);
    EXPECT_EQ(engine.run(), RunState::Finished);
    EXPECT_EQ(engine.exitCode(), 0);
    EXPECT_EQ(engine.guestStdout(), "Hello from x86\n");
    EXPECT_EQ(engine.snapshot().console, "Hello from x86\n");
    // mov, mov, mov, mov, int 0x80, mov, xor, int 0x80
    EXPECT_EQ(engine.guestInstructions(), 8u);
    const auto c = engine.counters();
    EXPECT_EQ(c.at("guest_instructions"), 8u);
    EXPECT_EQ(c.at("syscalls"), 2u);
    EXPECT_EQ(c.at("syscalls.write"), 1u);
    EXPECT_EQ(c.at("syscalls.exit"), 1u);
    EXPECT_EQ(c.at("blocks"), 2u);  // int 0x80 ends a block
}

TEST(UnicornX86Engine, HelloRegistersAreThoseOfTheLastSyscall) {
    UnicornX86Engine engine(loadGuest(vl::builtAsset("programs/hello.bin")));
    engine.run();
    const X86Registers r = engine.registers();
    EXPECT_EQ(r.eax, 1u);          // exit's number: exit never returns, so eax keeps it
    EXPECT_EQ(r.ebx, 0u);
    EXPECT_EQ(r.ecx, 0x00400020u); // msg, right after the 0x1f bytes of code
    EXPECT_EQ(r.edx, 15u);         // write's result went to eax, then eax = 1
    EXPECT_EQ(r.eip, 0x0040001fu); // past the last int 0x80
    EXPECT_EQ(r.esp % 16, 0u);     // the i386 ABI's aligned entry stack, untouched
    const auto named = engine.snapshot().registers;
    ASSERT_EQ(named.size(), 10u);
    EXPECT_EQ(named.front(), (std::pair<std::string, std::string>{"eax", "0x00000001"}));
    EXPECT_EQ(named[8].first, "eip");
    EXPECT_EQ(named[9].first, "eflags");
}

TEST(UnicornX86Engine, StaticElfRunsLikeTheFlatBuild) {
    UnicornX86Engine engine(loadGuest(vl::builtAsset("programs/fib.elf")));
    EXPECT_EQ(engine.run(), RunState::Finished);
    EXPECT_EQ(engine.guestStdout(), "fib(40) = 102334155\n");
    EXPECT_EQ(engine.exitCode(), 0);
}

TEST(UnicornX86Engine, SyscallsDemoReportsPidHeapAndExitCode) {
    UnicornX86Engine engine(loadGuest(vl::builtAsset("programs/syscalls.elf")));
    EXPECT_EQ(engine.run(), RunState::Finished);
    EXPECT_EQ(engine.exitCode(), 3);
    EXPECT_EQ(engine.guestStdout(), "pid 1000\nbrk grew the heap by 8192 bytes\n");
    const auto c = engine.counters();
    EXPECT_EQ(c.at("syscalls.getpid"), 1u);
    EXPECT_EQ(c.at("syscalls.brk"), 2u);
}

TEST(UnicornX86Engine, BrkGrowsARealHeapAndShrinks) {
    UnicornX86Engine engine(assembleGuest("brk.asm",
        "        mov eax, 45             ; brk(0): where the heap starts\n"
        "        xor ebx, ebx\n"
        "        int 0x80\n"
        "        mov esi, eax\n"
        "        lea ebx, [esi + 100000] ; grow by 100000 bytes (25 pages)\n"
        "        mov eax, 45\n"
        "        int 0x80\n"
        "        mov dword [esi + 99996], 0x2a ; the last word is real memory\n"
        "        mov edi, [esi + 99996]\n"
        "        mov ebx, esi            ; shrink back to the start\n"
        "        mov eax, 45\n"
        "        int 0x80\n"
        "        mov ebp, eax\n"
        "        mov eax, [esi + 99996]  ; now unmapped: this read faults\n"));
    EXPECT_EQ(engine.run(), RunState::Failed);
    const X86Registers r = engine.registers();
    // Flat images span 1 MiB from 0x00400000, so the heap begins at 0x00500000.
    EXPECT_EQ(r.esi, 0x00500000u);
    EXPECT_EQ(r.edi, 0x2au);
    EXPECT_EQ(r.ebp, 0x00500000u);
    EXPECT_NE(engine.failure().find("invalid memory read at 0x0051869c"), std::string::npos) << engine.failure();
}

TEST(UnicornX86Engine, GetpidIsTheFixedGuestPid) {
    UnicornX86Engine engine(assembleGuest("pid.asm", std::string("        mov eax, 20\n        int 0x80\n") + kExitWithEax));
    EXPECT_EQ(engine.run(), RunState::Finished);
    EXPECT_EQ(engine.exitCode(), int(kGuestPid & 0xff));  // exit keeps the low 8 bits: 1000 & 255 = 232
}

TEST(UnicornX86Engine, UnknownSyscallReturnsEnosysAndIsCounted) {
    UnicornX86Engine engine(assembleGuest("nosys.asm",
        "        mov eax, 999            ; no such system call\n"
        "        int 0x80\n"
        "        neg eax                 ; -ENOSYS -> 38\n" +
        std::string(kExitWithEax)));
    EXPECT_EQ(engine.run(), RunState::Finished);
    EXPECT_EQ(engine.exitCode(), 38);
    EXPECT_EQ(engine.counters().at("syscalls.unknown"), 1u);
    bool seen = false;
    for (const auto& e : engine.events().drain())
        if (e.kind == "syscall" && e.detail == "syscall 999 (not implemented) = -ENOSYS") seen = true;
    EXPECT_TRUE(seen);
}

TEST(UnicornX86Engine, WriteToABadFdOrBadBufferFails) {
    UnicornX86Engine engine(assembleGuest("badwrite.asm",
        "        mov eax, 4              ; write(1, 0x10, 4): unmapped buffer\n"
        "        mov ebx, 1\n"
        "        mov ecx, 0x10\n"
        "        mov edx, 4\n"
        "        int 0x80\n"
        "        mov esi, eax\n"
        "        mov eax, 4              ; write(7, ...): no such fd\n"
        "        mov ebx, 7\n"
        "        int 0x80\n"
        "        neg eax                 ; EBADF 9\n"
        "        neg esi                 ; EFAULT 14\n"
        "        shl esi, 4\n"
        "        add eax, esi            ; 14*16 + 9 = 233\n" +
        std::string(kExitWithEax)));
    EXPECT_EQ(engine.run(), RunState::Finished);
    EXPECT_EQ(engine.exitCode(), 233);
    EXPECT_EQ(engine.guestStdout(), "");
}

TEST(UnicornX86Engine, BudgetIsHonouredToTheInstruction) {
    UnicornX86Engine engine(assembleGuest("count.asm",
        "        mov ecx, 1000000\n"
        "l:      dec ecx                 ; two instructions per iteration\n"
        "        jnz l\n" +
        std::string(kExitWithEax)));
    EXPECT_EQ(engine.run(1001), RunState::Paused);  // mov + 500 iterations
    EXPECT_EQ(engine.guestInstructions(), 1001u);
    EXPECT_EQ(engine.registers().ecx, 1000000u - 500);
    EXPECT_EQ(engine.registers().eip, 0x00400005u);
    EXPECT_EQ(engine.step(), RunState::Paused);     // into the middle of a block
    EXPECT_EQ(engine.guestInstructions(), 1002u);
    EXPECT_EQ(engine.registers().eip, 0x00400006u);
    EXPECT_EQ(engine.registers().ecx, 1000000u - 501);
    EXPECT_EQ(engine.run(), RunState::Finished);
    EXPECT_EQ(engine.guestInstructions(), 1u + 2 * 1000000 + 3);
}

TEST(UnicornX86Engine, PauseFromAnotherThreadStopsAnEndlessGuest) {
    UnicornX86Engine engine(assembleGuest("forever.asm", kForever));
    std::thread pauser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        engine.pause();
    });
    const RunState s = engine.run();
    pauser.join();
    EXPECT_EQ(s, RunState::Paused);
    const uint64_t n = engine.guestInstructions();
    EXPECT_GT(n, 1000u);
    // xor + (inc, jmp) * k, paused between blocks: ecx says exactly how many ran.
    EXPECT_EQ(n, 1 + 2 * uint64_t(engine.registers().ecx));
    EXPECT_EQ(engine.run(10), RunState::Paused);  // and it can go on
    EXPECT_EQ(engine.guestInstructions(), n + 10);
}

TEST(UnicornX86Engine, InstructionLimitEndsTheRunAsFailed) {
    EmulationOptions options;
    options.max_instructions = 5000;
    UnicornX86Engine engine(assembleGuest("limit.asm", kForever), options);
    EXPECT_EQ(engine.run(), RunState::Failed);
    EXPECT_EQ(engine.guestInstructions(), 5000u);
    EXPECT_NE(engine.failure().find("instruction limit of 5000 reached"), std::string::npos) << engine.failure();
}

TEST(UnicornX86Engine, JumpToUnmappedMemoryIsAReadableFailure) {
    UnicornX86Engine engine(assembleGuest("wild.asm",
        "        mov eax, 0x12345678\n"
        "        jmp eax\n"));
    EXPECT_EQ(engine.run(), RunState::Failed);
    EXPECT_NE(engine.failure().find("instruction fetch from unmapped memory at 0x12345678"), std::string::npos) << engine.failure();
    EXPECT_EQ(engine.guestInstructions(), 2u);
    bool fault_event = false;
    for (const auto& e : engine.events().drain()) fault_event |= e.kind == "fault";
    EXPECT_TRUE(fault_event);
}

TEST(UnicornX86Engine, BadReadNamesAddressAndInstruction) {
    UnicornX86Engine engine(assembleGuest("null.asm",
        "        mov eax, 5\n"
        "        mov ebx, [0x10]         ; at 0x00400005\n"));
    EXPECT_EQ(engine.run(), RunState::Failed);
    EXPECT_EQ(engine.failure(), "invalid memory read at 0x00000010 (4 bytes, eip 0x00400005: mov ebx, dword ptr [0x10])");
    EXPECT_EQ(engine.guestInstructions(), 1u);  // the faulting load did not complete
}

TEST(UnicornX86Engine, DivideByZeroIsACpuException) {
    UnicornX86Engine engine(assembleGuest("div.asm",
        "        xor ecx, ecx\n"
        "        mov eax, 1\n"
        "        div ecx\n"));
    EXPECT_EQ(engine.run(), RunState::Failed);
    EXPECT_EQ(engine.failure(), "CPU exception: #DE divide error at 0x00400007: div ecx");
}

TEST(UnicornX86Engine, TracingEmitsEachBlockWithItsDisassembly) {
    EmulationOptions options;
    options.trace = true;
    UnicornX86Engine engine(loadGuest(vl::builtAsset("programs/hello.bin")), options);
    engine.run();
    std::vector<std::string> blocks;
    for (const auto& e : engine.events().drain())
        if (e.kind == "block") blocks.push_back(e.detail);
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0].rfind("block 0x00400000 (5 instructions)", 0), 0u) << blocks[0];
    EXPECT_NE(blocks[0].find("b8 04 00 00 00"), std::string::npos);
    EXPECT_NE(blocks[0].find("mov eax, 4"), std::string::npos);
    EXPECT_NE(blocks[1].find("xor ebx, ebx"), std::string::npos);
}

TEST(UnicornX86Engine, SetThreadAreaGivesGlibcItsGsSegment) {
    UnicornX86Engine engine(assembleGuest("tls.asm",
        "        sub esp, 16             ; struct user_desc on the stack\n"
        "        mov dword [esp], -1     ; entry_number: pick one\n"
        "        mov dword [esp+4], tls  ; base_addr\n"
        "        mov dword [esp+8], 0xfffff ; limit (in pages: 4 GiB)\n"
        "        mov dword [esp+12], 0x51   ; seg_32bit | limit_in_pages | useable\n"
        "        mov eax, 243            ; set_thread_area(&desc)\n"
        "        mov ebx, esp\n"
        "        int 0x80\n"
        "        mov esi, eax            ; 0 on success\n"
        "        mov eax, [esp]          ; the entry the kernel chose\n"
        "        lea eax, [eax*8 + 3]    ; selector: index, GDT, RPL 3\n"
        "        mov gs, ax\n"
        "        mov eax, [gs:4]         ; what glibc does to reach its thread block\n" +
        std::string(kExitWithEax) +
        "tls:    dd 0, 42\n"));
    EXPECT_EQ(engine.run(), RunState::Finished) << engine.failure();
    EXPECT_EQ(engine.exitCode(), 42);
    EXPECT_EQ(engine.registers().esi, 0u);
}

TEST(UnicornX86Engine, ResetStartsTheProgramAgain) {
    UnicornX86Engine engine(loadGuest(vl::builtAsset("programs/hello.bin")));
    engine.run();
    engine.reset();
    EXPECT_EQ(engine.state(), RunState::Ready);
    EXPECT_EQ(engine.guestInstructions(), 0u);
    EXPECT_EQ(engine.run(), RunState::Finished);
    EXPECT_EQ(engine.guestStdout(), "Hello from x86\n");
    EXPECT_EQ(engine.run(), RunState::Finished);  // a finished guest stays finished
}
