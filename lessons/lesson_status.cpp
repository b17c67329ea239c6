#include "lessons/lesson_status.h"

#include <QJsonArray>

namespace vl::lessons {

LessonStatus lessonStatus(const Lesson& lesson, const Progress& progress) {
    LessonStatus s;
    s.steps_done = progress.stepsDone(lesson.id);
    s.steps = static_cast<int>(lesson.steps.size());
    s.passed = progress.passed(lesson.id);
    for (const QString& id : lesson.prerequisites)
        if (!progress.passed(id)) s.missing_prerequisites << id;
    return s;
}

QJsonObject toJson(const LessonStatus& status) {
    QJsonArray done;
    for (int step : status.steps_done) done.append(step);
    return QJsonObject{{"steps_done", done},
                       {"steps", status.steps},
                       {"passed", status.passed},
                       {"missing_prerequisites", QJsonArray::fromStringList(status.missing_prerequisites)},
                       {"locked", status.locked()}};
}

void recordRun(Progress& progress, const Lesson& lesson, const LessonResult& result, const QJsonObject& answers) {
    for (const StepResult& step : result.steps)
        if (step.scenario.passed()) progress.markStepDone(lesson.id, static_cast<int>(step.index));
    for (auto it = answers.begin(); it != answers.end(); ++it) progress.saveAnswer(lesson.id, it.key(), it.value());
    // Passing once is what counts: a later failed attempt does not take a pass away.
    if (result.passed()) progress.markPassed(lesson.id, true);
}

}  // namespace vl::lessons
