#include "app/tour/tour.h"

#include <unistd.h>

#include <chrono>

#include "containers/container_engine.h"
#include "core/assets.h"
#include "emulator/guest_loader.h"
#include "emulator/unicorn_x86_engine.h"
#include "trapsim/trap_vmm.h"

namespace vl::tour {

namespace {

std::optional<double> counter(const WorldRun& run, const std::string& name) {
    auto it = run.counters.find(name);
    if (it == run.counters.end()) return std::nullopt;
    return static_cast<double>(it->second);
}

// Traps by instruction are counted as traps.<instruction>; only a monitor has them.
std::optional<double> traps(const WorldRun& run) {
    if (!run.counters.count("vmm_entries")) return std::nullopt;
    double total = 0;
    for (const auto& [name, value] : run.counters)
        if (name.starts_with("traps.")) total += static_cast<double>(value);
    return total;
}

}  // namespace

std::vector<World> worlds() {
    std::vector<World> all;
    all.push_back({"Full emulation", "emulate",
                   [] {
                       return std::unique_ptr<Engine>(
                           std::make_unique<emu::UnicornX86Engine>(emu::loadGuest(builtAsset("tour/tour-i386"))));
                   },
                   ""});
    all.push_back({"Trap & emulate", "trap",
                   [] { return std::unique_ptr<Engine>(std::make_unique<vm::TrapVmm>(vm::TrapVmmConfig{})); }, ""});
    World container{"Container", "container",
                    [] {
                        ct::ContainerConfig config;
                        config.argv = {"/tour"};
                        config.binds = {{builtAsset("tour/tour-x86_64"), "/tour"}};
                        config.capture_output = true;
                        return std::unique_ptr<Engine>(std::make_unique<ct::ContainerEngine>(config));
                    },
                    ""};
    if (geteuid() != 0) container.skip_reason = "needs root (rootless containers come later)";
    all.push_back(std::move(container));
    return all;
}

WorldRun run(const World& world) {
    WorldRun r;
    r.world = world.name;
    r.mode = world.mode;
    r.skip_reason = world.skip_reason;
    if (r.skipped()) return r;
    const auto t0 = std::chrono::steady_clock::now();
    try {
        auto engine = world.factory();
        r.state = engine->run();
        r.exit_code = engine->exitCode();
        r.failure = engine->failure();
        r.counters = engine->counters();
        r.console = engine->snapshot().console;
    } catch (const std::exception& e) {  // vl::Error, or an engine that could not start
        r.state = RunState::Failed;
        r.failure = e.what();
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

const std::vector<Metric>& metrics() {
    static const std::vector<Metric> all = {
        {"guest instructions", "guest_instructions", [](const WorldRun& r) { return counter(r, "guest_instructions"); }},
        {"system calls served", "syscalls", [](const WorldRun& r) { return counter(r, "syscalls"); }},
        {"traps to the VMM", "traps", traps},
        {"VMM entries", "vmm_entries", [](const WorldRun& r) { return counter(r, "vmm_entries"); }},
        {"modeled cycles", "modeled_cycles", [](const WorldRun& r) { return counter(r, "modeled_cycles"); }},
        {"wall time (ms)", "milliseconds", [](const WorldRun& r) { return std::optional<double>(r.seconds * 1000); }},
    };
    return all;
}

}  // namespace vl::tour
