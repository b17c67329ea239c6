// What one scenario run produced: its checks, the live values it recorded for questions, the
// hints it left for the GUI, and how it ended (passed, a failed check, skipped, out of time, or
// broken). Plain data, shared by the CLI, the GUI's Lessons panel and the tests.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QVariantMap>

#include <vector>

#include "core/engine.h"

namespace vl::lessons {

struct Check {
    QString name;
    bool passed = false;
    bool skipped = false;
    QString message;  // why it failed or was skipped ("" when it passed)
};

struct Hint {
    QString kind;    // "show" (a pane) or "highlight" (a register, counter, line ...)
    QString target;  // "registers", "traps.cli" ...
};

// One world run a scenario made (lab.emulate, lab.vm, lab.container, lab.translate), kept as
// the engine left it so the GUI can show the very run the checks saw in the world's pane.
struct WorldRun {
    QString call;            // "lab.vm"
    QVariantMap options;     // as the script passed them
    QString world;           // Engine::world()
    RunState state = RunState::Ready;
    int exit_code = 0;
    QString failure;
    double seconds = 0;
    Counters counters;
    Snapshot snapshot;
    std::vector<Event> events;  // the latest kRecordedEvents of the run, oldest first
};
// As many events as a pane keeps for its exported trace.
inline constexpr size_t kRecordedEvents = 10000;

struct ScenarioResult {
    std::vector<Check> checks;
    QJsonObject answers;      // answer(name, value): live values questions are checked against
    std::vector<Hint> hints;
    std::vector<WorldRun> world_runs;  // in the order the script made them
    QString skipped;          // non-empty: a world could not run here, and why
    QString timed_out;        // non-empty: "timed out after 30 s"
    QString error;            // non-empty: broken script, "FILE:LINE: message"

    bool broken() const { return !error.isEmpty(); }
    // No failed check, not out of time, not broken (a skipped run passes: it says why).
    bool passed() const {
        if (broken() || !timed_out.isEmpty()) return false;
        for (const auto& c : checks)
            if (!c.passed && !c.skipped) return false;
        return true;
    }
};

}  // namespace vl::lessons
