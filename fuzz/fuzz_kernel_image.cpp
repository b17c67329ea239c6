// libFuzzer target: any bytes as a guest kernel image (`virtlab vm run --guest FILE`): the
// Multiboot header search and its a.out-kludge fields, which decide where bytes are copied.
// Accepted images must fit the machine's RAM; everything else must be a vl::Error(Input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/error.h"
#include "fuzz/fuzz_support.h"
#include "trapsim/guest_image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> bytes(data, data + size);
    vl::fuzz::expectOnlyInputErrors([&] {
        const vl::vm::GuestImage image = vl::vm::parseGuestImage("fuzz.bin", std::move(bytes));
        // What the machine would copy must be inside the image the loader accepted.
        const uint64_t end = uint64_t{image.load_address} + image.bytes.size();
        if (end > 0x100000000ull || (image.bss_end && image.bss_end < image.load_address)) std::abort();
    });
    return 0;
}
