// LinuxSyscalls and the initial stack on their own, with guest memory faked in a map of pages:
// the layer the translator of issue 3 will reuse, checked without any CPU.
#include <gtest/gtest.h>

#include <elf.h>

#include <cstring>
#include <map>

#include "emulator/guest_loader.h"
#include "emulator/linux_process_layout.h"
#include "emulator/linux_stack.h"
#include "emulator/linux_syscalls.h"

using namespace vl::emu;

namespace {

// Guest memory as a map of 4 KiB pages; unmapped pages make reads and writes fail.
class FakeHost : public SyscallHost {
public:
    std::map<uint32_t, std::vector<uint8_t>> pages;
    std::vector<std::pair<uint32_t, uint32_t>> tls;  // entry, base

    bool readMemory(uint32_t a, void* out, size_t n) override {
        for (size_t i = 0; i < n; ++i) {
            auto it = pages.find(pageDown(uint32_t(a + i)));
            if (it == pages.end()) return false;
            static_cast<uint8_t*>(out)[i] = it->second[(a + i) % kPageSize];
        }
        return true;
    }
    bool writeMemory(uint32_t a, const void* in, size_t n) override {
        for (size_t i = 0; i < n; ++i) {
            auto it = pages.find(pageDown(uint32_t(a + i)));
            if (it == pages.end()) return false;
            it->second[(a + i) % kPageSize] = static_cast<const uint8_t*>(in)[i];
        }
        return true;
    }
    bool mapMemory(uint32_t a, uint32_t n) override {
        for (uint32_t p = a; p < a + n; p += kPageSize) pages[p].assign(kPageSize, 0);
        return true;
    }
    bool unmapMemory(uint32_t a, uint32_t n) override {
        for (uint32_t p = a; p < a + n; p += kPageSize) pages.erase(p);
        return true;
    }
    bool installTlsSegment(uint32_t entry, uint32_t base, uint32_t, bool) override {
        tls.emplace_back(entry, base);
        return true;
    }
};

constexpr uint32_t kHeap = 0x08100000;
constexpr uint32_t kScratch = 0x1000;  // one mapped page for syscall arguments

struct SyscallsTest : ::testing::Test {
    FakeHost host;
    vl::EventLog events;
    LinuxSyscalls sys{host, events, kHeap};
    SyscallsTest() { host.mapMemory(kScratch, kPageSize); }
    int32_t call(uint32_t nr, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0, uint32_t d = 0, uint32_t e = 0) {
        SyscallRequest r;
        r.number = nr;
        r.args = {a, b, c, d, e, 0};
        return static_cast<int32_t>(sys.handle(r).result);
    }
};

}  // namespace

TEST_F(SyscallsTest, BrkGrowsPageByPageAndRefusesTheImpossible) {
    EXPECT_EQ(call(45, 0), int32_t(kHeap));                      // brk(0): the start
    EXPECT_EQ(call(45, kHeap + 10), int32_t(kHeap + 10));        // byte-granular break ...
    EXPECT_EQ(host.pages.count(kHeap), 1u);                      // ... backed by a whole page
    EXPECT_EQ(call(45, kHeap + 3 * kPageSize), int32_t(kHeap + 3 * kPageSize));
    EXPECT_EQ(host.pages.count(kHeap + 2 * kPageSize), 1u);
    EXPECT_EQ(call(45, kHeap - 1), int32_t(kHeap + 3 * kPageSize));  // below the start: unchanged
    EXPECT_EQ(call(45, kHeap + kBrkMaxGrowth + 1), int32_t(kHeap + 3 * kPageSize));  // too far
    EXPECT_EQ(call(45, kHeap), int32_t(kHeap));                  // shrinking unmaps
    EXPECT_EQ(host.pages.count(kHeap), 0u);
    EXPECT_EQ(sys.counters().at("syscalls.brk"), 6u);
}

TEST_F(SyscallsTest, WriteCapturesStdoutAndStderrSeparately) {
    host.writeMemory(kScratch, "out\nerr\n", 8);
    EXPECT_EQ(call(4, 1, kScratch, 4), 4);
    EXPECT_EQ(call(4, 2, kScratch + 4, 4), 4);
    EXPECT_EQ(call(4, 3, kScratch, 4), -EBADF);
    EXPECT_EQ(call(4, 1, 0x7000000, 4), -EFAULT);
    EXPECT_EQ(sys.stdoutText(), "out\n");
    EXPECT_EQ(sys.stderrText(), "err\n");
}

TEST_F(SyscallsTest, WritevGathersItsPieces) {
    host.writeMemory(kScratch + 100, "ab", 2);
    host.writeMemory(kScratch + 200, "cde", 3);
    const uint32_t iov[4] = {kScratch + 100, 2, kScratch + 200, 3};
    host.writeMemory(kScratch, iov, sizeof iov);
    EXPECT_EQ(call(146, 1, kScratch, 2), 5);
    EXPECT_EQ(sys.stdoutText(), "abcde");
}

TEST_F(SyscallsTest, ExitKeepsTheLowEightBits) {
    SyscallRequest r;
    r.number = 252;  // exit_group
    r.args = {0x1234, 0, 0, 0, 0, 0};
    const SyscallOutcome o = sys.handle(r);
    EXPECT_TRUE(o.exited);
    EXPECT_EQ(o.exit_code, 0x34);
}

TEST_F(SyscallsTest, AnonymousMmapOnlyAndMunmap) {
    const int32_t a = call(192, 0, 10000, 3, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, 0xFFFFFFFF);
    EXPECT_EQ(a, int32_t(kMmapBase));
    EXPECT_EQ(host.pages.count(kMmapBase + 2 * kPageSize), 1u);  // 10000 bytes -> 3 pages
    EXPECT_EQ(call(192, 0, 4096, 3, 0x22, 0xFFFFFFFF), int32_t(kMmapBase + 3 * kPageSize));
    EXPECT_EQ(call(192, 0, 4096, 1, 0x02 /* MAP_PRIVATE, a file */, 3), -ENODEV);
    EXPECT_EQ(call(91, kMmapBase, 10000), 0);
    EXPECT_EQ(host.pages.count(kMmapBase), 0u);
}

TEST_F(SyscallsTest, UnameAndIdentity) {
    EXPECT_EQ(call(122, kScratch), 0);
    char uts[6 * 65];
    host.readMemory(kScratch, uts, sizeof uts);
    EXPECT_STREQ(uts, "Linux");
    EXPECT_STREQ(uts + 4 * 65, "i686");
    EXPECT_EQ(call(20), int32_t(kGuestPid));
    EXPECT_EQ(call(199), int32_t(kGuestUid));
}

TEST_F(SyscallsTest, SetThreadAreaPicksTheFirstFreeTlsEntry) {
    const uint32_t desc[4] = {0xFFFFFFFF, 0x12340000, 0xFFFFF, 0x51};
    host.writeMemory(kScratch, desc, sizeof desc);
    EXPECT_EQ(call(243, kScratch), 0);
    uint32_t chosen = 0;
    host.readMemory(kScratch, &chosen, 4);
    EXPECT_EQ(chosen, kFirstTlsEntry);
    ASSERT_EQ(host.tls.size(), 1u);
    EXPECT_EQ(host.tls[0], (std::pair<uint32_t, uint32_t>{kFirstTlsEntry, 0x12340000}));
    const uint32_t bad[4] = {3, 0, 0, 0};  // not a TLS slot
    host.writeMemory(kScratch, bad, sizeof bad);
    EXPECT_EQ(call(243, kScratch), -EINVAL);
}

TEST_F(SyscallsTest, UnknownCallsAreEnosysCountedAndLogged) {
    EXPECT_EQ(call(311), -ENOSYS);  // set_robust_list: not served
    EXPECT_EQ(call(9999), -ENOSYS);
    EXPECT_EQ(sys.counters().at("syscalls.unknown"), 2u);
    EXPECT_EQ(sys.counters().at("syscalls"), 2u);
    const auto logged = events.drain();
    ASSERT_EQ(logged.size(), 2u);
    EXPECT_EQ(logged[0].kind, "syscall");
    EXPECT_EQ(logged[0].detail, "syscall 311 (not implemented) = -ENOSYS");
}

TEST(LinuxStack, LaysOutArgvEnvpAndAuxvLikeTheKernel) {
    GuestImage image = flatImage({0x90}, "prog");
    image.phdr_vaddr = 0x08048034;
    image.phdr_count = 3;
    image.phdr_entry_size = 32;
    const InitialStack s = buildInitialStack(image, {"prog", "arg"}, {"HOME=/"}, kStackTop);
    EXPECT_EQ(s.pointer % 16, 0u);
    EXPECT_EQ(s.pointer + s.bytes.size(), kStackTop);
    auto word = [&](size_t i) {
        uint32_t w;
        std::memcpy(&w, s.bytes.data() + 4 * i, 4);
        return w;
    };
    auto string = [&](uint32_t address) { return std::string(reinterpret_cast<const char*>(s.bytes.data() + (address - s.pointer))); };
    EXPECT_EQ(word(0), 2u);  // argc
    EXPECT_EQ(string(word(1)), "prog");
    EXPECT_EQ(string(word(2)), "arg");
    EXPECT_EQ(word(3), 0u);
    EXPECT_EQ(string(word(4)), "HOME=/");
    EXPECT_EQ(word(5), 0u);
    std::map<uint32_t, uint32_t> auxv;
    for (size_t i = 6; word(i) != AT_NULL; i += 2) auxv[word(i)] = word(i + 1);
    EXPECT_EQ(auxv.at(AT_PAGESZ), 4096u);
    EXPECT_EQ(auxv.at(AT_PHDR), 0x08048034u);
    EXPECT_EQ(auxv.at(AT_PHNUM), 3u);
    EXPECT_EQ(auxv.at(AT_ENTRY), kFlatLoadAddress);
    EXPECT_EQ(auxv.at(AT_RANDOM), s.random_address);
    EXPECT_GT(s.random_address, s.pointer);
    EXPECT_EQ(string(auxv.at(AT_PLATFORM)), "i686");
}
