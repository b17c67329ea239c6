// Guest loading: NASM sources, flat binaries and static i386 ELF files, good and malformed.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "core/assets.h"
#include "emulator/elf32_loader.h"
#include "emulator/guest_loader.h"
#include "tests/emulator/test_guest.h"
#include "tests/support/cli_runner.h"

using namespace vl::emu;
using vl::test::inputErrorOf;

namespace {

std::vector<uint8_t> helloElf() {
    std::ifstream in(vl::builtAsset("programs/hello.elf"), std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

template <typename T>
void poke(std::vector<uint8_t>& bytes, size_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

}  // namespace

TEST(ElfLoader, LoadsTheStaticHelloProgramBuiltByLd) {
    const GuestImage image = loadGuest(vl::builtAsset("programs/hello.elf"));
    EXPECT_EQ(image.format, GuestFormat::Elf32);
    EXPECT_EQ(image.entry, 0x08049000u);  // ld -m elf_i386's default text address
    ASSERT_EQ(image.segments.size(), 3u);  // headers (R), .text (R E), .data (RW)
    EXPECT_EQ(image.segments[1].vaddr, 0x08049000u);
    EXPECT_EQ(image.segments[1].flags, uint32_t(kSegRead | kSegExec));
    EXPECT_EQ(image.segments[2].flags, uint32_t(kSegRead | kSegWrite));
    // AT_PHDR: the program headers follow the 52-byte ELF header in the first PT_LOAD.
    EXPECT_EQ(image.phdr_vaddr, 0x08048000u + 52);
    EXPECT_EQ(image.phdr_count, 3u);
    EXPECT_EQ(image.phdr_entry_size, 32u);
    const auto data = image.bytesAt(image.segments[2].vaddr, 15);
    EXPECT_EQ(std::string(data.begin(), data.end()), "Hello from x86\n");
}

TEST(ElfLoader, TruncatedHeaderNamesTheFileAndSize) {
    auto bytes = helloElf();
    bytes.resize(40);
    const auto msg = inputErrorOf([&] { parseElf32(bytes, "cut.elf"); });
    EXPECT_NE(msg.find("cut.elf: offset 40: truncated ELF header (40 bytes, need 52)"), std::string::npos) << msg;
}

TEST(ElfLoader, TruncatedSegmentIsRefused) {
    auto bytes = helloElf();
    bytes.resize(0x1010);  // .text is at file offset 0x1000 with 0x1f bytes
    const auto msg = inputErrorOf([&] { parseElf32(bytes, "short.elf"); });
    EXPECT_NE(msg.find("short.elf: offset"), std::string::npos) << msg;
    EXPECT_NE(msg.find("runs past the end of the 4112-byte file"), std::string::npos) << msg;
}

TEST(ElfLoader, WrongMachineX86_64IsRefusedAtItsOffset) {
    auto bytes = helloElf();
    poke<uint16_t>(bytes, 18, 62);  // e_machine = EM_X86_64
    const auto msg = inputErrorOf([&] { parseElf32(bytes, "amd64.elf"); });
    EXPECT_NE(msg.find("amd64.elf: offset 18: e_machine 62 (x86-64), need 3 (i386)"), std::string::npos) << msg;
}

TEST(ElfLoader, SixtyFourBitClassIsRefused) {
    auto bytes = helloElf();
    bytes[4] = 2;  // ELFCLASS64
    const auto msg = inputErrorOf([&] { parseElf32(bytes, "wide.elf"); });
    EXPECT_NE(msg.find("wide.elf: offset 4: ELF class 2 (64-bit)"), std::string::npos) << msg;
}

TEST(ElfLoader, ProgramHeadersOutsideTheFileAreRefused) {
    auto bytes = helloElf();
    poke<uint32_t>(bytes, 28, 0xFFFFFF00u);  // e_phoff
    const auto msg = inputErrorOf([&] { parseElf32(bytes, "phoff.elf"); });
    EXPECT_NE(msg.find("phoff.elf: offset 28: program header table at e_phoff 0xffffff00"), std::string::npos) << msg;
}

TEST(ElfLoader, SegmentWithFileSizeAboveMemorySizeIsRefused) {
    auto bytes = helloElf();
    const size_t second_phdr = 52 + 32;
    poke<uint32_t>(bytes, second_phdr + 20, 4);  // p_memsz 4 < p_filesz 0x1f
    const auto msg = inputErrorOf([&] { parseElf32(bytes, "sizes.elf"); });
    EXPECT_NE(msg.find("offset 100: PT_LOAD p_filesz 0x1f is larger than p_memsz 0x4"), std::string::npos) << msg;
}

TEST(ElfLoader, RelocatableObjectIsNotAnExecutable) {
    auto bytes = helloElf();
    poke<uint16_t>(bytes, 16, 1);  // ET_REL
    const auto msg = inputErrorOf([&] { parseElf32(bytes, "obj.o"); });
    EXPECT_NE(msg.find("obj.o: offset 16: e_type 1 (object file, not linked)"), std::string::npos) << msg;
}

TEST(GuestLoader, EmptyFlatFileIsAnInputError) {
    const std::string path = vl::test::writeTempFile("empty.bin", "");
    const auto msg = inputErrorOf([&] { loadGuest(path); });
    EXPECT_NE(msg.find("empty.bin: empty file"), std::string::npos) << msg;
}

TEST(GuestLoader, MissingFileIsAnInputError) {
    const auto msg = inputErrorOf([] { loadGuest("/nonexistent/prog.bin"); });
    EXPECT_EQ(msg, "/nonexistent/prog.bin: no such file");
}

TEST(GuestLoader, FlatBinaryLoadsAtTheFixedAddress) {
    // b8 01 00 00 00   mov eax, 1
    // cd 80            int 0x80
    const std::string path = vl::test::writeTempFile("exit.bin", std::string("\xb8\x01\x00\x00\x00\xcd\x80", 7));
    const GuestImage image = loadGuest(path);
    EXPECT_EQ(image.format, GuestFormat::Flat);
    EXPECT_EQ(image.entry, kFlatLoadAddress);
    ASSERT_EQ(image.segments.size(), 1u);
    EXPECT_EQ(image.segments[0].bytes.size(), 7u);
    EXPECT_EQ(image.segments[0].mem_size, kFlatImageSpan);  // room for a .bss after the code
}

TEST(GuestLoader, NasmSourceIsAssembledAsThirtyTwoBitCode) {
    const GuestImage image = vl::test::assembleGuest("mov.asm", "mov eax, 1\n");
    ASSERT_EQ(image.segments.size(), 1u);
    // Without `bits 32` NASM's -f bin would emit 66 b8 (16-bit mode); we default to 32-bit.
    EXPECT_EQ(image.segments[0].bytes, (std::vector<uint8_t>{0xb8, 0x01, 0x00, 0x00, 0x00}));
}

TEST(GuestLoader, NasmSyntaxErrorNamesFileAndLine) {
    const std::string path = vl::test::writeTempFile("bad.asm", "mov eax, 1\nfoo bar baz\n");
    const auto msg = inputErrorOf([&] { loadGuest(path); });
    EXPECT_EQ(msg, path + ":2: parser: instruction expected");
}
