// What one scenario run produced: its checks, the live values it recorded for questions, the
// hints it left for the GUI, and how it ended (passed, a failed check, skipped, out of time, or
// broken). Plain data, shared by the CLI, the GUI's Lessons panel and the tests.
#pragma once

#include <QJsonObject>
#include <QString>

#include <vector>

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

struct ScenarioResult {
    std::vector<Check> checks;
    QJsonObject answers;      // answer(name, value): live values questions are checked against
    std::vector<Hint> hints;
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
