// The `virtlab` subcommands. Each lives in its own file under app/cli/ and registers itself
// with VIRTLAB_COMMAND, so main() and `virtlab --help` know it without a central list.
//
// A command takes the words after its name, prints its result (text, or exactly one JSON
// object on stdout with --json), and returns the exit status: 0 success, 1 the guest,
// container or check failed, 2 bad usage or input. Usage and input errors are thrown as
// vl::Error(Input); runCommand() prints any vl::Error as "virtlab: <message>" and returns its status.
#pragma once

#include <string>
#include <vector>

namespace vl::cli {

using Args = std::vector<std::string>;
using CommandFn = int (*)(const Args& args);

struct CommandInfo {
    std::string name;      // "emulate"
    std::string synopsis;  // "emulate FILE [--engine unicorn|arm-direct] ..." for the top-level help
    int order;             // position in the top-level help
    CommandFn run;
    // The command creates its own QApplication after parsing its options (so a usage error
    // never needs a display); the others run under a QCoreApplication made by main().
    bool needs_gui = false;
};

// argc/argv of the process, for a command that makes its own QApplication.
struct ProcessArguments {
    int* argc = nullptr;
    char** argv = nullptr;
};
ProcessArguments& processArguments();

const std::vector<CommandInfo>& commands();
const CommandInfo* findCommand(const std::string& name);

// Runs a command with the words after its name; a vl::Error becomes "virtlab: <message>" on
// stderr and its exit status, any other exception an internal error (status 1).
int runCommand(const CommandInfo& command, const Args& args);

struct CommandRegistrar {
    explicit CommandRegistrar(CommandInfo info);
};

}  // namespace vl::cli

#define VIRTLAB_COMMAND(ident, ...) \
    static const ::vl::cli::CommandRegistrar ident##_registrar{::vl::cli::CommandInfo{__VA_ARGS__}}
