// libFuzzer target: any bytes as a program file (`virtlab emulate FILE`). The loader must
// either return an image whose segments lie inside the guest's address space or throw a
// vl::Error of kind Input; a crash, a sanitizer report or another exception is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "emulator/guest_loader.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<uint8_t> bytes(data, data + size);
    vl::fuzz::expectOnlyInputErrors([&] { (void)vl::emu::loadGuestBytes(bytes, "fuzz.bin"); });
    return 0;
}
