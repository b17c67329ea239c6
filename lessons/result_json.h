// The JSON shapes of `virtlab lesson run --json` and `virtlab scenario run --json`
// (lessons/README.md, "Command line"), shared with anything else that reports results.
#pragma once

#include <QJsonObject>

#include "lessons/lesson.h"
#include "lessons/lesson_runner.h"
#include "lessons/scenario_result.h"

namespace vl::lessons {

QJsonObject toJson(const Check& check);
// {call, options, world, state, exit_code, failure, seconds, counters {name: count}}: what a
// GUI pane shows of a world run, so a grader can compare the two.
QJsonObject toJson(const WorldRun& run);
// {file, passed, checks, answers, hints, runs: [world runs], skipped?, timed_out?, error?}
QJsonObject toJson(const ScenarioResult& result, const QString& file);
// {id, title, passed, checks: [{name, passed, message, step?, skipped?}], runs: [{step, ...
// world run}], error?}; a step's checks carry its index, question checks none; a timeout is
// a failed check "time budget".
QJsonObject toJson(const LessonResult& result);
// {id, title, summary, level, minutes, prerequisites, steps: [titles], questions: count}
QJsonObject toJson(const Lesson& lesson);

}  // namespace vl::lessons
