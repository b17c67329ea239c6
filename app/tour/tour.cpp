#include "app/tour/tour.h"

#include <unistd.h>

#include <chrono>

#include "containers/container_engine.h"
#include "core/assets.h"
#include "emulator/guest_loader.h"
#include "emulator/engine_factory.h"
#include "trapsim/trap_vmm.h"

namespace vl::tour {

namespace {

std::optional<double> counter(const WorldRun& run, const std::string& name) {
    auto it = run.counters.find(name);
    if (it == run.counters.end()) return std::nullopt;
    return static_cast<double>(it->second);
}

}  // namespace

std::vector<World> worlds() {
    auto monitor = [](vm::MonitorMode mode) {
        return [mode] {
            vm::TrapVmmConfig config;
            config.mode = mode;
            return std::unique_ptr<Engine>(std::make_unique<vm::TrapVmm>(config));
        };
    };
    std::vector<World> all;
    // Full emulation is VirtLab's own x86 -> AArch64 translator on Unicorn's ARM64 CPU.
    all.push_back({"Full emulation", "emulate",
                   [] { return emu::makeEmulationEngine("dbt", emu::loadGuest(builtAsset("tour/tour-i386"))); }, ""});
    all.push_back({"Trap & emulate", "trap", monitor(vm::MonitorMode::Trap), ""});
    all.push_back({"Binary translation", "bt", monitor(vm::MonitorMode::BinaryTranslation), ""});
    all.push_back({"Hardware-assisted", "hw", monitor(vm::MonitorMode::HardwareAssisted), ""});
    // The paravirtual world boots the kernel's pv build (the same source assembled with
    // -DPARAVIRT), which asks the hypervisor instead of trapping.
    all.push_back({"Paravirtual", "pv", monitor(vm::MonitorMode::Paravirtual), ""});
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
        {"AArch64 instructions", "host_instructions", [](const WorldRun& r) { return counter(r, "host_instructions"); }},
        {"system calls served", "syscalls", [](const WorldRun& r) { return counter(r, "syscalls"); }},
        {"traps (callouts in bt)", "traps", [](const WorldRun& r) { return counter(r, "traps"); }},
        {"VM exits", "exits", [](const WorldRun& r) { return counter(r, "exits"); }},
        {"hypercalls", "hypercalls", [](const WorldRun& r) { return counter(r, "hypercalls"); }},
        {"interrupts injected", "interrupts_injected", [](const WorldRun& r) { return counter(r, "interrupts_injected"); }},
        {"VMM entries", "vmm_entries", [](const WorldRun& r) { return counter(r, "vmm_entries"); }},
        {"modeled cycles", "modeled_cycles", [](const WorldRun& r) { return counter(r, "modeled_cycles"); }},
        {"wall time (ms)", "milliseconds", [](const WorldRun& r) { return std::optional<double>(r.seconds * 1000); }},
    };
    return all;
}

}  // namespace vl::tour
