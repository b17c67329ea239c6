// Runs one scenario script in a fresh QJSEngine that holds nothing but the ECMAScript
// built-ins and VirtLab's lab API (no console, no Qt object, no require/import, no files,
// processes or network), stopped by a watchdog when it outlives its time budget. Like any
// QJSEngine it needs a QCoreApplication (or QApplication) to exist.
#pragma once

#include <QString>

#include <chrono>

#include "lessons/scenario_result.h"

namespace vl::lessons {

inline constexpr std::chrono::milliseconds kDefaultScenarioBudget{30'000};

class ScenarioRunner {
public:
    explicit ScenarioRunner(std::chrono::milliseconds budget = kDefaultScenarioBudget) : budget_(budget) {}

    // Evaluates the file; then, when `function` is not empty, calls that global function.
    // Never throws for a bad script: a syntax or runtime error is returned in `error` as
    // "FILE:LINE: message", a missing file too.
    ScenarioResult runFile(const QString& path, const QString& function = {}) const;
    // The same for source text already in memory; `file_name` is used in messages.
    ScenarioResult runSource(const QString& source, const QString& file_name, const QString& function = {}) const;

    std::chrono::milliseconds budget() const { return budget_; }

private:
    std::chrono::milliseconds budget_;
};

// "timed out after 30 s" / "timed out after 0.2 s"
QString timeoutMessage(std::chrono::milliseconds budget);

}  // namespace vl::lessons
