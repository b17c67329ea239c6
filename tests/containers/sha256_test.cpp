// VirtLab's own SHA-256 (containers/image/sha256.h), which names every layer, image record and
// cache key: the FIPS 180-2 example messages, every block-boundary length against one-shot
// hashing, and a file against coreutils' sha256sum.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "containers/image/sha256.h"
#include "core/temp_dir.h"
#include "tests/support/cli_runner.h"

namespace vl::ct::image {
namespace {

TEST(Sha256, Fips180ExampleMessages) {
    EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // 448 bits: the padding no longer fits in the message's own block.
    EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    Sha256 million;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 1000; ++i) million.update(chunk);
    EXPECT_EQ(million.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecewiseUpdatesMatchOneShotAtEveryBlockBoundary) {
    std::string message;
    for (int i = 0; i < 300; ++i) message += static_cast<char>(i * 7 + 3);
    for (size_t length : {55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u, 300u}) {
        const std::string_view whole(message.data(), length);
        for (size_t piece : {1u, 3u, 64u, 100u}) {
            Sha256 hasher;
            for (size_t at = 0; at < length; at += piece) hasher.update(whole.substr(at, piece));
            EXPECT_EQ(hasher.hex(), sha256Hex(whole)) << "length " << length << " in pieces of " << piece;
        }
    }
    // field() is a length prefix: ("ab","c") and ("a","bc") differ.
    EXPECT_NE(Sha256().field("ab").field("c").hex(), Sha256().field("a").field("bc").hex());
}

TEST(Sha256, FileDigestIsSha256sums) {
    TempDir dir("vlab-sha256");
    const std::string path = dir.path() + "/data";
    {
        std::ofstream out(path, std::ios::binary);
        for (int i = 0; i < 200000; ++i) out.put(static_cast<char>((i * 2654435761u) >> 24));
    }
    const auto r = vl::test::runProgram({"sha256sum", path});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(sha256File(path), r.out.substr(0, 64));
}

}  // namespace
}  // namespace vl::ct::image
