// Where a student stands with a lesson, from their saved progress: steps done, passed, and
// which prerequisites are not passed yet. `virtlab lesson list|progress` print it; the GUI's
// Lessons panel locks a lesson while `missing_prerequisites` is not empty (a headless
// `lesson run` still runs it, and says which are missing).
#pragma once

#include <QJsonObject>
#include <QStringList>

#include <vector>

#include "lessons/lesson.h"
#include "lessons/lesson_runner.h"
#include "lessons/progress.h"

namespace vl::lessons {

struct LessonStatus {
    std::vector<int> steps_done;        // step indices, ascending
    int steps = 0;                      // how many steps the lesson has
    bool passed = false;                // every check and question passed in one run
    QStringList missing_prerequisites;  // prerequisites not passed yet, in manifest order

    bool locked() const { return !missing_prerequisites.isEmpty(); }
};

LessonStatus lessonStatus(const Lesson& lesson, const Progress& progress);

// {steps_done: [..], steps, passed, missing_prerequisites: [..], locked}
QJsonObject toJson(const LessonStatus& status);

// Records a run in the progress: every step whose scenario passed (reading steps count as
// done), the answers given (questionId -> value; may be empty), and a pass (never un-passed).
// A step that did not run because an earlier one was broken is not marked.
void recordRun(Progress& progress, const Lesson& lesson, const LessonResult& result, const QJsonObject& answers);

}  // namespace vl::lessons
