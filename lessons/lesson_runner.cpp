#include "lessons/lesson_runner.h"

#include "lessons/answer_check.h"

namespace vl::lessons {

bool LessonResult::passed() const {
    if (broken()) return false;
    for (const auto& s : steps)
        if (!s.scenario.passed()) return false;
    for (const auto& q : questions)
        if (!q.passed && !q.skipped) return false;
    return true;
}

ScenarioResult LessonRunner::runStep(const Lesson& lesson, size_t step) const {
    const LessonStep& s = lesson.steps.at(step);
    if (s.scenario.isEmpty()) return {};
    if (s.scenario.endsWith(".js")) return runner_.runFile(lesson.dir + "/" + s.scenario);
    return runner_.runFile(lesson.dir + "/" + lesson.script, s.scenario);
}

LessonResult LessonRunner::run(const Lesson& lesson, const std::optional<QJsonObject>& answers) const {
    LessonResult result;
    result.id = lesson.id;
    result.title = lesson.title;
    QJsonObject live;
    QString skipped;
    for (size_t i = 0; i < lesson.steps.size(); ++i) {
        StepResult step{i, lesson.steps[i].title, !lesson.steps[i].scenario.isEmpty(), runStep(lesson, i)};
        for (auto it = step.scenario.answers.begin(); it != step.scenario.answers.end(); ++it) live[it.key()] = it.value();
        if (!step.scenario.skipped.isEmpty()) skipped = step.scenario.skipped;
        const bool broken = step.scenario.broken();
        if (broken) result.error = step.scenario.error;
        result.steps.push_back(std::move(step));
        if (broken) return result;
    }
    for (const auto& q : lesson.questions) {
        std::optional<QJsonValue> given;
        if (answers) given = answers->value(q.id);  // Undefined when the file leaves it out
        result.questions.push_back(checkQuestion(q, live, given, skipped));
    }
    return result;
}

}  // namespace vl::lessons
