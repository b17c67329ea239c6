// libFuzzer target: any text as a Labfile (`virtlab image build -f LABFILE`). The parser must
// accept it or throw a vl::Error(Input) "LABFILE:LINE: reason"; it never touches the disk.
#include <cstddef>
#include <cstdint>
#include <string>

#include "containers/image/labfile.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    vl::fuzz::expectOnlyInputErrors([&] { (void)vl::ct::image::parseLabfile(text, "Labfile"); });
    return 0;
}
