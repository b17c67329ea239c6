#include "tests/emulator/test_guest.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "emulator/guest_loader.h"
#include "tests/support/cli_runner.h"

namespace vl::test {

emu::GuestImage assembleGuest(const std::string& name, const std::string& source) {
    return emu::loadGuest(writeTempFile(name, "        org 0x00400000\n" + source));
}

std::string inputErrorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::Input) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected a vl::Error of kind Input";
    return "";
}

}  // namespace vl::test
