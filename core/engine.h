// The one observable shape every world has (DESIGN.md, "One shape for every engine"):
// reset / step / run(budget) / pause, a stream of events, counters, and a snapshot of
// visible state. Panes, lesson checks, the CLI and tests consume every world through it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/event_log.h"

namespace vl {

// Named counts: "guest_instructions", "traps.cli", "syscalls" ... Ordered, so output is stable.
using Counters = std::map<std::string, uint64_t>;

// What a pane shows of an engine's state at one moment.
struct Snapshot {
    std::vector<std::pair<std::string, std::string>> registers;  // in display order
    std::string console;                                          // guest/container output so far
    std::vector<std::string> listing;                             // e.g. the current block's disassembly
};

enum class RunState {
    Ready,       // reset, nothing run yet
    Paused,      // budget used up or pause() honoured; run() may continue
    Finished,    // the guest/container ended normally (see exitCode())
    Failed,      // the guest/container crashed or could not be run (see failure())
};

// The name JSON answers and lesson scripts use: "ready", "paused", "finished", "failed".
constexpr const char* runStateName(RunState state) {
    switch (state) {
    case RunState::Ready: return "ready";
    case RunState::Paused: return "paused";
    case RunState::Finished: return "finished";
    case RunState::Failed: return "failed";
    }
    return "failed";
}

class Engine {
public:
    virtual ~Engine() = default;

    virtual std::string world() const = 0;  // "emulation", "trap", "containers" ...

    virtual void reset() = 0;
    // Runs up to `budget` guest instructions (0: until it ends or pause() is called).
    virtual RunState run(uint64_t budget = 0) = 0;
    RunState step() { return run(1); }
    // Thread-safe: asks a run() in progress on another thread to return soon with Paused.
    virtual void pause() = 0;

    virtual RunState state() const = 0;
    virtual int exitCode() const = 0;             // valid when Finished
    virtual std::string failure() const = 0;      // valid when Failed: one readable line
    virtual Counters counters() const = 0;
    virtual Snapshot snapshot() const = 0;

    EventLog& events() { return events_; }

private:
    EventLog events_;
};

}  // namespace vl
