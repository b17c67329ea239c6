#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "core/error.h"

namespace {

TEST(Error, InputErrorsExitWithStatusTwoAndNameTheFileAndLine) {
    try {
        vl::throwInputAt("lesson.json", 12, "expected a string");
        FAIL() << "no throw";
    } catch (const vl::Error& e) {
        EXPECT_EQ(e.kind(), vl::Error::Kind::Input);
        EXPECT_EQ(e.exitStatus(), 2);
        EXPECT_STREQ(e.what(), "lesson.json:12: expected a string");
    }
}

TEST(Error, SystemErrorsKeepErrnoAndTakeContext) {
    errno = ENOENT;
    try {
        vl::throwErrno("open /nowhere");
        FAIL() << "no throw";
    } catch (const vl::Error& e) {
        EXPECT_EQ(e.errnum(), ENOENT);
        EXPECT_EQ(e.exitStatus(), 1);
        const vl::Error outer = e.wrapped("container run");
        EXPECT_EQ(std::string(outer.what()), "container run: open /nowhere: No such file or directory");
        EXPECT_EQ(outer.errnum(), ENOENT);
        EXPECT_EQ(outer.kind(), vl::Error::Kind::System);
    }
}

TEST(Error, GuestFailuresExitWithStatusOne) {
    EXPECT_THROW(vl::throwGuest("triple fault"), vl::Error);
    try {
        vl::throwGuest("triple fault");
    } catch (const vl::Error& e) {
        EXPECT_EQ(e.exitStatus(), 1);
    }
}

}  // namespace
