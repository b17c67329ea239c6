// Unit tests of the limit parsing behind --memory and --pids.
#include <gtest/gtest.h>

#include "containers/limits.h"
#include "core/error.h"

namespace vl::ct {
namespace {

TEST(MemorySize, AcceptsBytesAndBinaryUnits) {
    EXPECT_EQ(parseMemorySize("67108864"), 64ull << 20);
    EXPECT_EQ(parseMemorySize("64m"), 64ull << 20);
    EXPECT_EQ(parseMemorySize("64M"), 64ull << 20);
    EXPECT_EQ(parseMemorySize("64mb"), 64ull << 20);
    EXPECT_EQ(parseMemorySize("1g"), 1ull << 30);
    EXPECT_EQ(parseMemorySize("8192k"), 8ull << 20);
    EXPECT_EQ(parseMemorySize("2T"), 2ull << 40);
}

TEST(MemorySize, RejectsGarbageWithInputError) {
    for (const char* bad : {"", "m", "lots", "64x", "64 m", "-64m", "1.5g", "0x100000", "64mib", "64m "}) {
        try {
            parseMemorySize(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), Error::Kind::Input) << bad;
            EXPECT_NE(std::string(e.what()).find("--memory"), std::string::npos) << e.what();
        }
    }
}

TEST(MemorySize, RejectsAbsurdValues) {
    EXPECT_THROW(parseMemorySize("0"), Error);
    EXPECT_THROW(parseMemorySize("1m"), Error);          // below 4 MiB
    EXPECT_THROW(parseMemorySize("4194303"), Error);     // one byte below 4 MiB
    EXPECT_EQ(parseMemorySize("4194304"), kMinMemoryBytes);
    EXPECT_THROW(parseMemorySize("2048t"), Error);       // 2 PiB
    EXPECT_THROW(parseMemorySize("99999999999999999999999"), Error);  // overflows uint64
    EXPECT_THROW(parseMemorySize("17179869184g"), Error);  // would overflow when shifted
}

TEST(PidsLimit, AcceptsCountsInRange) {
    EXPECT_EQ(parsePidsLimit("1"), 1u);
    EXPECT_EQ(parsePidsLimit("64"), 64u);
    EXPECT_EQ(parsePidsLimit("4194304"), kMaxPids);
}

TEST(PidsLimit, RejectsNegativeZeroAndGarbage) {
    for (const char* bad : {"-1", "0", "", "ten", "5x", "4194305", "+5", " 5"}) {
        try {
            parsePidsLimit(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), Error::Kind::Input);
            EXPECT_NE(std::string(e.what()).find("--pids"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace vl::ct
