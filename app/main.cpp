// virtlab, the front end: a Qt-free program that runs the container and image commands itself
// and hands everything else (the desktop, lessons, emulator, VMMs, help) to `virtlab-qt`.
//
// Why two programs: loading and relocating Qt's libraries took about 90 ms of the 150 ms a
// `virtlab container run -- /bin/true` took, longer than crun needs for the whole container.
// The commands compiled in here are chosen in app/CMakeLists.txt (VL_QT_FREE_COMMANDS); they
// also live in `virtlab-qt`, whose `--help` lists every command.
#include <string>

#include "app/cli/commands.h"
#include "app/launcher/qt_program.h"

int main(int argc, char** argv) {
    if (argc >= 2) {
        const std::string word = argv[1];
        if (const vl::cli::CommandInfo* command = vl::cli::findCommand(word))
            return vl::cli::runCommand(*command, vl::cli::Args(argv + 2, argv + argc));
    }
    return vl::launcher::execQtProgram(argv);
}
