// Small helpers for the emulator tests: assemble a NASM snippet into a guest, and catch the
// Input error a bad guest must produce.
#pragma once

#include <functional>
#include <string>

#include "emulator/guest_image.h"

namespace vl::test {

// Writes `source` (NASM, flat, org 0x00400000 prepended) to a temp file and loads it.
emu::GuestImage assembleGuest(const std::string& name, const std::string& source);

// Runs f, expects a vl::Error of kind Input, and returns its message ("" after a test failure).
std::string inputErrorOf(const std::function<void()>& f);

}  // namespace vl::test
