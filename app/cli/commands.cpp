#include "app/cli/commands.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "core/error.h"

namespace vl::cli {
namespace {

std::vector<CommandInfo>& registry() {
    static std::vector<CommandInfo> all;  // filled by static registrars before main()
    return all;
}

}  // namespace

CommandRegistrar::CommandRegistrar(CommandInfo info) {
    auto& all = registry();
    all.push_back(std::move(info));
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
}

ProcessArguments& processArguments() {
    static ProcessArguments args;
    return args;
}

const std::vector<CommandInfo>& commands() { return registry(); }

const CommandInfo* findCommand(const std::string& name) {
    for (const auto& c : registry())
        if (c.name == name) return &c;
    return nullptr;
}

int runCommand(const CommandInfo& command, const Args& args) {
    try {
        return command.run(args);
    } catch (const vl::Error& e) {
        std::fprintf(stderr, "virtlab: %s\n", e.what());
        return e.exitStatus();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "virtlab: internal error: %s\n", e.what());
        return 1;
    }
}

}  // namespace vl::cli
