// `virtlab tour`: one workload in every world, side by side (DESIGN.md, "One program, five
// worlds"). The same tour program runs under full emulation and, built for x86-64, in a real
// container; the trap-and-emulate world boots the guest kernel.
#include <unistd.h>

#include <QJsonArray>
#include <QJsonObject>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/json.h"
#include "containers/container_engine.h"
#include "core/assets.h"
#include "core/engine.h"
#include "emulator/guest_loader.h"
#include "emulator/unicorn_x86_engine.h"
#include "trapsim/trap_vmm.h"

namespace vl::cli {
namespace {

struct World {
    std::string name;                                  // column title
    std::string mode;                                  // "emulate", "trap", "container"
    std::function<std::unique_ptr<Engine>()> factory;  // may throw vl::Error
    std::string skip_reason;                           // non-empty: not run here, and why
};

struct WorldRun {
    const World* world = nullptr;
    RunState state = RunState::Ready;
    int exit_code = 0;
    std::string failure;
    Counters counters;
    std::string console;
    double seconds = 0;
};

uint64_t sumWithPrefix(const Counters& counters, const std::string& prefix) {
    uint64_t total = 0;
    for (const auto& [name, value] : counters)
        if (name.starts_with(prefix)) total += value;
    return total;
}

uint64_t counter(const Counters& counters, const std::string& name) {
    auto it = counters.find(name);
    return it == counters.end() ? 0 : it->second;
}

// A table cell: the count, or "-" where the world has no such thing (a container has no traps).
std::string countCell(const Counters& counters, const std::string& name) {
    auto it = counters.find(name);
    return it == counters.end() ? "-" : std::to_string(it->second);
}

std::vector<World> tourWorlds() {
    std::vector<World> worlds;
    worlds.push_back({"Full emulation", "emulate", [] {
                          return std::unique_ptr<Engine>(std::make_unique<emu::UnicornX86Engine>(
                              emu::loadGuest(builtAsset("tour/tour-i386"))));
                      }, ""});
    worlds.push_back({"Trap & emulate", "trap", [] {
                          return std::unique_ptr<Engine>(std::make_unique<vm::TrapVmm>(vm::TrapVmmConfig{}));
                      }, ""});
    World container{"Container", "container", [] {
                        ct::ContainerConfig config;
                        config.argv = {"/tour"};
                        config.binds = {{builtAsset("tour/tour-x86_64"), "/tour"}};
                        config.capture_output = true;
                        return std::unique_ptr<Engine>(std::make_unique<ct::ContainerEngine>(config));
                    }, ""};
    if (geteuid() != 0) container.skip_reason = "needs root (rootless containers come later)";
    worlds.push_back(std::move(container));
    return worlds;
}

WorldRun runWorld(const World& world) {
    WorldRun run;
    run.world = &world;
    if (!world.skip_reason.empty()) return run;
    const auto t0 = std::chrono::steady_clock::now();
    try {
        auto engine = world.factory();
        run.state = engine->run();
        run.exit_code = engine->exitCode();
        run.failure = engine->failure();
        run.counters = engine->counters();
        run.console = engine->snapshot().console;
    } catch (const std::exception& e) {  // vl::Error, or an engine that could not start
        run.state = RunState::Failed;
        run.failure = e.what();
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return run;
}

QJsonObject toJson(const WorldRun& run) {
    QJsonObject o;
    o["world"] = qs(run.world->name);
    o["mode"] = qs(run.world->mode);
    if (!run.world->skip_reason.empty()) {
        o["skipped"] = qs(run.world->skip_reason);
        return o;
    }
    o["passed"] = run.state == RunState::Finished && run.exit_code == 0;
    o["exit_code"] = run.exit_code;
    if (!run.failure.empty()) o["failure"] = qs(run.failure);
    o["console"] = qs(run.console);
    o["guest_instructions"] = static_cast<qint64>(counter(run.counters, "guest_instructions"));
    QJsonObject exits;
    for (const auto& [name, value] : run.counters)
        if (name.starts_with("traps.")) exits[qs(name.substr(6))] = static_cast<qint64>(value);
    o["exits"] = exits;
    o["hypercalls"] = QJsonObject{};
    o["vmm_entries"] = static_cast<qint64>(counter(run.counters, "vmm_entries"));
    o["syscalls"] = static_cast<qint64>(counter(run.counters, "syscalls"));
    o["modeled_cycles"] = static_cast<qint64>(counter(run.counters, "modeled_cycles"));
    o["seconds"] = run.seconds;
    o["counters"] = cli::toJson(run.counters);
    return o;
}

void printTable(const std::vector<WorldRun>& runs) {
    auto cell = [](const WorldRun& r, const std::function<std::string(const WorldRun&)>& f) {
        if (!r.world->skip_reason.empty()) return std::string("skipped");
        return f(r);
    };
    const std::vector<std::pair<std::string, std::function<std::string(const WorldRun&)>>> rows = {
        {"result", [](const WorldRun& r) {
             if (r.state == RunState::Finished) return "exit " + std::to_string(r.exit_code);
             return std::string("failed");
         }},
        {"guest instructions", [](const WorldRun& r) { return countCell(r.counters, "guest_instructions"); }},
        {"system calls served", [](const WorldRun& r) { return countCell(r.counters, "syscalls"); }},
        {"traps to the VMM", [](const WorldRun& r) {
             return r.counters.count("vmm_entries") ? std::to_string(sumWithPrefix(r.counters, "traps.")) : "-";
         }},
        {"modeled cycles", [](const WorldRun& r) { return countCell(r.counters, "modeled_cycles"); }},
        {"wall time (ms)", [](const WorldRun& r) {
             char buf[32];
             std::snprintf(buf, sizeof buf, "%.1f", r.seconds * 1000);
             return std::string(buf);
         }},
    };
    std::printf("%-22s", "");
    for (const auto& r : runs) std::printf("%18s", r.world->name.c_str());
    std::printf("\n");
    for (const auto& [label, f] : rows) {
        std::printf("%-22s", label.c_str());
        for (const auto& r : runs) std::printf("%18s", cell(r, f).c_str());
        std::printf("\n");
    }
}

int tourCommand(const Args& args) {
    ArgParser parser("virtlab tour [--json]",
                     "Run one workload in every world and show them side by side: the tour program under "
                     "full emulation and in a real container, and the guest kernel under trap-and-emulate.");
    parser.flag("--json", "print one JSON object with a `runs` array");
    if (!parser.parse(args)) return 0;

    const auto worlds = tourWorlds();
    std::vector<WorldRun> runs;
    for (const auto& w : worlds) runs.push_back(runWorld(w));

    bool all_passed = true;
    for (const auto& r : runs)
        if (r.world->skip_reason.empty() && !(r.state == RunState::Finished && r.exit_code == 0)) all_passed = false;

    if (parser.has("--json")) {
        QJsonArray array;
        for (const auto& r : runs) array.append(toJson(r));
        printJson(QJsonObject{{"runs", array}, {"passed", all_passed}});
        return all_passed ? 0 : 1;
    }
    for (const auto& r : runs) {
        std::printf("== %s ==\n", r.world->name.c_str());
        if (!r.world->skip_reason.empty()) std::printf("(skipped: %s)\n", r.world->skip_reason.c_str());
        else std::fputs(r.console.c_str(), stdout);
        if (!r.failure.empty()) std::printf("(%s)\n", r.failure.c_str());
        std::printf("\n");
    }
    printTable(runs);
    return all_passed ? 0 : 1;
}

}  // namespace

VIRTLAB_COMMAND(tour, "tour", "tour [--json]           one workload in every world, side by side", 20, &tourCommand);

}  // namespace vl::cli
