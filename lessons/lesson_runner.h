// Runs a lesson headlessly (`virtlab lesson run`) or one step at a time (the GUI's Lessons
// panel): each step's scenario in its own fresh script engine, then the questions against
// the live values the steps recorded.
#pragma once

#include <QJsonObject>

#include <chrono>
#include <optional>
#include <vector>

#include "lessons/lesson.h"
#include "lessons/scenario_result.h"
#include "lessons/scenario_runner.h"

namespace vl::lessons {

struct StepResult {
    size_t index = 0;
    QString title;
    bool has_scenario = false;
    ScenarioResult scenario;
};

struct LessonResult {
    QString id, title;
    std::vector<StepResult> steps;   // up to and including the first broken step
    std::vector<Check> questions;
    QString error;                   // the first broken step's "FILE:LINE: message"

    bool broken() const { return !error.isEmpty(); }
    bool passed() const;
};

class LessonRunner {
public:
    explicit LessonRunner(std::chrono::milliseconds budget = kDefaultScenarioBudget) : runner_(budget) {}

    // One step's scenario (a reading step gives an empty, passing result).
    ScenarioResult runStep(const Lesson& lesson, size_t step) const;
    // Every step, then every question: against `answers` (questionId -> value) when given,
    // else for self-consistency. Stops at the first broken step.
    LessonResult run(const Lesson& lesson, const std::optional<QJsonObject>& answers = std::nullopt) const;

private:
    ScenarioRunner runner_;
};

}  // namespace vl::lessons
