// virtlab-qt: every `virtlab` command, the desktop lab when a display exists, and the top-level
// help. Users start it through the Qt-free front end (app/main.cpp), which execs it with the
// same argv for every command it does not serve itself or hand to virtlab-image. Each
// subcommand lives in app/cli/ and registers itself (see commands.h).
#include <QCoreApplication>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/commands.h"

namespace {

bool displayAvailable() {
    for (const char* var : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        if (const char* v = std::getenv(var); v && *v) return true;
    return false;
}

void printTopLevelHelp() {
    std::printf("Usage: virtlab [COMMAND] [ARGS...]\n\n"
                "VirtLab shows what is under the hood of virtual machines and containers: one\n"
                "workload in full emulation, under trap-and-emulate, and in a real Linux container.\n"
                "Without a command it opens the desktop lab when a display exists.\n\n"
                "Commands:\n");
    // A synopsis is "usage  what it does"; the usage goes on its own line, the words under it.
    for (const auto& c : vl::cli::commands()) {
        const auto gap = c.synopsis.find("  ");
        const auto words = gap == std::string::npos ? std::string() : c.synopsis.substr(c.synopsis.find_first_not_of(' ', gap));
        std::printf("  virtlab %s\n", c.synopsis.substr(0, gap).c_str());
        if (!words.empty()) std::printf("      %s\n", words.c_str());
    }
    std::printf("\n  virtlab --version       print the version\n"
                "  virtlab COMMAND --help  options of one command\n\n"
                "Exit status: 0 success, 1 the guest, container or check failed, 2 bad usage or input.\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> words(argv + 1, argv + argc);
    if (words.empty()) {
        if (!displayAvailable() || !vl::cli::findCommand("gui")) {  // no gui: built with VIRTLAB_GUI=OFF
            printTopLevelHelp();
            return 0;
        }
        words.push_back("gui");
    }
    if (words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
        printTopLevelHelp();
        return 0;
    }
    if (words[0] == "--version") {
        std::printf("virtlab %s\n", VIRTLAB_VERSION);
        return 0;
    }
    const vl::cli::CommandInfo* command = vl::cli::findCommand(words[0]);
    if (!command) {
        std::fprintf(stderr, "virtlab: unknown command '%s' (see virtlab --help)\n", words[0].c_str());
        return 2;
    }

    QCoreApplication::setApplicationName("virtlab");
    QCoreApplication::setOrganizationName("VirtLab");
    QCoreApplication::setApplicationVersion(VIRTLAB_VERSION);
    vl::cli::processArguments() = {&argc, argv};
    std::unique_ptr<QCoreApplication> app;
    if (!command->needs_gui) app = std::make_unique<QCoreApplication>(argc, argv);

    return vl::cli::runCommand(*command, vl::cli::Args(words.begin() + 1, words.end()));
}
