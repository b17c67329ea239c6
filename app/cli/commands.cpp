#include "app/cli/commands.h"

#include <algorithm>

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

}  // namespace vl::cli
