// Loading guest images: flat binaries, the Multiboot header, .asm sources, and bad input.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "core/error.h"
#include "tests/support/cli_runner.h"
#include "trapsim/guest_image.h"

namespace vl::vm {
namespace {

// A Multiboot header (a.out kludge) for an image loaded at 0x100000 that is `size` bytes long
// and enters at 0x100020, followed by that many bytes of `nop`.
std::vector<uint8_t> multibootImage(uint32_t size) {
    const uint32_t flags = 1u << 16;
    const uint32_t header[8] = {0x1BADB002, flags, uint32_t(-(0x1BADB002 + flags)),
                                0x100000,   0x100000, 0x100000 + size, 0, 0x100020};
    std::vector<uint8_t> bytes(size, 0x90);
    std::memcpy(bytes.data(), header, sizeof header);
    return bytes;
}

std::string inputError(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::Input);
        return e.what();
    }
    ADD_FAILURE() << "no error";
    return "";
}

TEST(GuestImage, MultibootHeaderGivesLoadAddressSizeAndEntry) {
    const GuestImage image = parseGuestImage("k.bin", multibootImage(64));
    EXPECT_TRUE(image.multiboot);
    EXPECT_EQ(image.load_address, 0x100000u);
    EXPECT_EQ(image.entry, 0x100020u);
    EXPECT_EQ(image.bytes.size(), 64u);
}

TEST(GuestImage, HeaderlessBinaryLoadsAtOneMebibyte) {
    const GuestImage image = parseGuestImage("raw.bin", {0xFA, 0xF4});  // cli; hlt
    EXPECT_FALSE(image.multiboot);
    EXPECT_EQ(image.load_address, 0x100000u);
    EXPECT_EQ(image.entry, 0x100000u);
}

TEST(GuestImage, TruncatedImageIsCaughtByItsHeader) {
    std::vector<uint8_t> bytes = multibootImage(64);
    bytes.resize(40);
    const std::string message = inputError([&] { parseGuestImage("k.bin", bytes); });
    EXPECT_NE(message.find("k.bin: truncated: the Multiboot header promises 64 bytes"), std::string::npos) << message;
    bytes.resize(20);
    EXPECT_NE(inputError([&] { parseGuestImage("k.bin", bytes); }).find("truncated"), std::string::npos);
}

TEST(GuestImage, EmptyAndBadChecksumAreInputErrors) {
    EXPECT_EQ(inputError([] { parseGuestImage("e.bin", {}); }), "e.bin: empty guest image");
    std::vector<uint8_t> bytes = multibootImage(64);
    bytes[8] ^= 1;
    EXPECT_NE(inputError([&] { parseGuestImage("k.bin", bytes); }).find("bad checksum"), std::string::npos);
}

TEST(GuestImage, BssEndBelowTheLoadedImageIsRefused) {
    // Found by fuzz_kernel_image: bss_end_addr (header word 6) 0x100010 inside a 64-byte image.
    std::vector<uint8_t> bytes = multibootImage(64);
    const uint32_t bss_end = 0x100010;
    std::memcpy(bytes.data() + 24, &bss_end, 4);
    EXPECT_EQ(inputError([&] { parseGuestImage("k.bin", bytes); }),
              "k.bin:24: Multiboot bss_end_addr 0x100010 lies below the end of the loaded image");
    const uint32_t past_the_end = 0x100000 + 64 + 0x1000;  // a real bss after the image is fine
    std::memcpy(bytes.data() + 24, &past_the_end, 4);
    EXPECT_EQ(parseGuestImage("k.bin", bytes).bss_end, past_the_end);
}

TEST(GuestImage, ImageLargerThanRamIsRefused) {
    std::vector<uint8_t> huge(4u << 20, 0x90);
    EXPECT_NE(inputError([&] { parseGuestImage("big.bin", huge); }).find("outside guest RAM"), std::string::npos);
}

TEST(GuestImage, ImageOverTheBootInformationIsRefused) {
    // Loaded at 0x8000, 64 KiB long: it would cover the Multiboot information at 0x9000.
    const uint32_t flags = 1u << 16;
    const uint32_t header[8] = {0x1BADB002, flags, uint32_t(-(0x1BADB002 + flags)), 0x8000, 0x8000, 0x18000, 0, 0x8020};
    std::vector<uint8_t> bytes(0x10000, 0x90);
    std::memcpy(bytes.data(), header, sizeof header);
    EXPECT_NE(inputError([&] { parseGuestImage("low.bin", bytes); }).find("over the Multiboot information"),
              std::string::npos);
}

TEST(GuestImage, AsmSourceIsAssembledAndErrorsNameFileAndLine) {
    const std::string good = test::writeTempFile("good.asm", "BITS 32\nORG 0x100000\ncli\nhlt\n");
    const GuestImage image = loadGuestImage(good);
    EXPECT_EQ(image.bytes, (std::vector<uint8_t>{0xFA, 0xF4}));

    const std::string bad = test::writeTempFile("bad.asm", "BITS 32\ncli\nfrobnicate eax\n");
    const std::string message = inputError([&] { loadGuestImage(bad); });
    EXPECT_NE(message.find(bad + ":3: "), std::string::npos) << message;
}

TEST(GuestImage, MissingFileIsAnInputError) {
    EXPECT_NE(inputError([] { loadGuestImage("/nonexistent/guest.bin"); }).find("/nonexistent/guest.bin"),
              std::string::npos);
}

}  // namespace
}  // namespace vl::vm
