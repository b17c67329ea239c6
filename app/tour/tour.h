// The tour (DESIGN.md, "One program, five worlds"): which worlds run which workload, and the
// rows of the comparison both `virtlab tour` and the GUI's tour view show. Qt-free.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/engine.h"

namespace vl::tour {

struct World {
    std::string name;                                  // column title: "Full emulation"
    std::string mode;                                  // JSON `mode`: "emulate", "trap", "bt", "hw", "container"
    std::function<std::unique_ptr<Engine>()> factory;  // may throw vl::Error
    std::string skip_reason;                           // non-empty: not run here, and why
};

// The worlds in display order. The same tour program runs under full emulation (the DBT) and,
// built for x86-64, in a real container (root only); the guest kernel boots under each monitor
// (trap-and-emulate, binary translation, hardware-assisted).
std::vector<World> worlds();

struct WorldRun {
    std::string world, mode, skip_reason;
    RunState state = RunState::Ready;
    int exit_code = 0;
    std::string failure;
    Counters counters;
    std::string console;
    double seconds = 0;

    bool skipped() const { return !skip_reason.empty(); }
    bool passed() const { return state == RunState::Finished && exit_code == 0; }
};

// Builds and runs one world's engine on the calling thread; failures become a Failed run.
WorldRun run(const World& world);

// One row of the comparison: a label and, per run, the value (nullopt: the world has no such
// thing, e.g. a container has no traps).
struct Metric {
    std::string label;
    std::string json_key;
    std::function<std::optional<double>(const WorldRun&)> value;
};
const std::vector<Metric>& metrics();

}  // namespace vl::tour
