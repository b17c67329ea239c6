// virtlab, the front end: a Qt-free program that runs the container commands itself and hands
// everything else to a helper (app/launcher/helper_program.h): `image` to `virtlab-image`, the
// rest (the desktop, lessons, emulator, VMMs, help) to `virtlab-qt`.
//
// Why three programs: every shared library a process maps is loaded and relocated before
// main(). With Qt that took about 90 ms of the 150 ms a `virtlab container run -- /bin/true`
// took; after that, libarchive (with libxml2 and ICU behind it), libcrypto and libseccomp,
// which only image import and the build need, and the shared libstdc++ still cost it about
// 2 ms of 18.5 (containers/README.md, "Where a container run spends its time"). So the program
// serving `container` needs only libc, and is linked statically (app/CMakeLists.txt);
// virtlab-image is Qt-free as well; each command also lives in `virtlab-qt`, whose `--help`
// lists them all.
#include <string>

#include "app/cli/commands.h"
#include "app/launcher/helper_program.h"

int main(int argc, char** argv) {
    if (argc >= 2) {
        const std::string word = argv[1];
        if (const vl::cli::CommandInfo* command = vl::cli::findCommand(word))
            return vl::cli::runCommand(*command, vl::cli::Args(argv + 2, argv + argc));
#ifdef VIRTLAB_IMAGE_HELPER
        if (word == "image") return vl::launcher::execHelperProgram("virtlab-image", "the image commands", argv);
#endif
    }
    return vl::launcher::execHelperProgram("virtlab-qt", "the desktop, lessons, emulator and VMM commands", argv);
}
