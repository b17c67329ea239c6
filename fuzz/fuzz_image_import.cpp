// libFuzzer target: any bytes as an image archive (`virtlab image import FILE`): an OCI image
// layout tar or a `docker save` archive -- the tar reader, index.json / manifest.json / config
// JSON, digests and layers -- imported into a scratch store. Bad input must be a
// vl::Error(Input), and a refused import must leave no image record behind.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "containers/image/image_import.h"
#include "containers/image/image_store.h"
#include "core/temp_dir.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static vl::TempDir scratch("virtlab-fuzz-import");
    static const std::string archive = scratch.path() + "/image.tar";
    static const vl::ct::image::ImageStore store(scratch.path() + "/store");

    std::FILE* f = std::fopen(archive.c_str(), "wb");
    if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();
    bool imported = false;
    vl::fuzz::expectOnlyInputErrors([&] {
        (void)vl::ct::image::importImage(store, archive, "fuzz");
        imported = true;
    });
    if (!imported && store.find("fuzz")) {
        std::fprintf(stderr, "fuzz: a refused import left an image record\n");
        std::abort();
    }
    if (imported) store.remove("fuzz");  // and its layers, so the store stays small
    return 0;
}
