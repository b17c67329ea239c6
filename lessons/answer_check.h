// Checking a lesson's questions. With an answers file (a student's or a grader's), each given
// answer must match the expected one; without, the lesson is checked for self-consistency:
// the fixed answer in lesson.json must equal what the live scenario recorded under the
// question's id, and an answer_from value must have been recorded at all.
#pragma once

#include <QJsonObject>
#include <QJsonValue>

#include <optional>

#include "lessons/lesson.h"
#include "lessons/scenario_result.h"

namespace vl::lessons {

// The answer a question expects: its fixed answer, or the live value named by answer_from
// (nullopt when the scenario did not record it).
std::optional<QJsonValue> expectedAnswer(const LessonQuestion& question, const QJsonObject& live);

// True when `given` is the expected answer for the question's kind (numbers within the
// tolerance, text case- and space-insensitively, choices exactly).
bool answerMatches(const LessonQuestion& question, const QJsonValue& given, const QJsonValue& expected);

// One check named "question <id>". `given` absent: the self-consistency check. `live_skipped`:
// the scenario that would have recorded the value was skipped (the check is skipped, too).
Check checkQuestion(const LessonQuestion& question, const QJsonObject& live, const std::optional<QJsonValue>& given,
                    const QString& live_skipped = {});

}  // namespace vl::lessons
