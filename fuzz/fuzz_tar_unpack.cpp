// libFuzzer target: any bytes as an image layer tar, unpacked by the safe unpacker into a
// fresh directory beside a sentinel directory. Whatever the archive says ("../", absolute
// names, symlinks and hardlinks pointing out, writes through a planted symlink, devices),
// nothing may appear or change outside the target: checked after every input, then the
// target is removed (never crossing a mount) for the next one.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "containers/image/safe_unpack.h"
#include "core/remove_tree.h"
#include "core/temp_dir.h"
#include "fuzz/fuzz_support.h"

namespace fs = std::filesystem;

namespace {

// Every path under `root` except those under `skip`, with its size: the "outside" state.
std::string listing(const fs::path& root, const fs::path& skip) {
    std::string out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        if (it->path() == skip) {
            it.disable_recursion_pending();
            continue;
        }
        std::error_code ec;
        out += it->path().string() + " " + std::to_string(it->is_regular_file(ec) ? it->file_size(ec) : 0) + "\n";
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static vl::TempDir scratch("virtlab-fuzz-unpack");
    static const fs::path root = scratch.path();
    static const fs::path target = root / "layer";
    static const std::string before = [] {
        fs::create_directories(root / "outside" / "etc");
        std::FILE* f = std::fopen((root / "outside" / "etc" / "passwd").c_str(), "w");
        if (!f || std::fputs("root:x:0:0::/root:/bin/sh\n", f) < 0 || std::fclose(f) != 0) std::abort();
        return listing(root, target);
    }();

    const int fd = ::memfd_create("fuzz.tar", MFD_CLOEXEC);
    if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size) || ::lseek(fd, 0, SEEK_SET) != 0) std::abort();
    fs::create_directory(target);
    vl::fuzz::expectOnlyInputErrors([&] {
        vl::ct::image::UnpackOptions options;
        options.allow_devices = false;
        (void)vl::ct::image::unpackArchiveSafely(fd, "fuzz.tar", target.string(), options);
    });
    ::close(fd);
    if (listing(root, target) != before) {
        std::fprintf(stderr, "fuzz: the archive changed something outside its target:\n%s", listing(root, target).c_str());
        std::abort();
    }
    if (const std::string problem = vl::removeTreeOnOneFileSystem(target.string()); !problem.empty()) {
        std::fprintf(stderr, "fuzz: cannot remove the target: %s\n", problem.c_str());
        std::abort();
    }
    return 0;
}
