#include "lessons/result_json.h"

#include <QJsonArray>

namespace vl::lessons {
namespace {

QJsonArray checksOf(const ScenarioResult& result, int step) {
    QJsonArray out;
    auto add = [&](QJsonObject o) {
        if (step >= 0) o["step"] = step;
        out.append(o);
    };
    for (const auto& c : result.checks) add(toJson(c));
    if (!result.timed_out.isEmpty()) add(toJson(Check{"time budget", false, false, result.timed_out}));
    return out;
}

QJsonArray hintsOf(const ScenarioResult& result) {
    QJsonArray out;
    for (const auto& h : result.hints) out.append(QJsonObject{{"kind", h.kind}, {"target", h.target}});
    return out;
}

QJsonArray runsOf(const ScenarioResult& result, int step) {
    QJsonArray out;
    for (const auto& run : result.world_runs) {
        QJsonObject o = toJson(run);
        if (step >= 0) o["step"] = step;
        out.append(o);
    }
    return out;
}

}  // namespace

QJsonObject toJson(const WorldRun& run) {
    QJsonObject counters;
    for (const auto& [name, value] : run.counters) counters[QString::fromStdString(name)] = static_cast<double>(value);
    return QJsonObject{{"call", run.call},
                       {"options", QJsonObject::fromVariantMap(run.options)},
                       {"world", run.world},
                       {"state", runStateName(run.state)},
                       {"exit_code", run.exit_code},
                       {"failure", run.failure},
                       {"seconds", run.seconds},
                       {"counters", counters}};
}

QJsonObject toJson(const Check& check) {
    QJsonObject o{{"name", check.name}, {"passed", check.passed}, {"message", check.message}};
    if (check.skipped) o["skipped"] = true;
    return o;
}

QJsonObject toJson(const ScenarioResult& result, const QString& file) {
    QJsonObject o{{"file", file}, {"passed", result.passed()}, {"checks", checksOf(result, -1)},
                  {"answers", result.answers}, {"hints", hintsOf(result)}, {"runs", runsOf(result, -1)}};
    if (!result.skipped.isEmpty()) o["skipped"] = result.skipped;
    if (!result.timed_out.isEmpty()) o["timed_out"] = result.timed_out;
    if (result.broken()) o["error"] = result.error;
    return o;
}

QJsonObject toJson(const LessonResult& result) {
    QJsonArray checks;
    for (const auto& step : result.steps)
        for (const auto& c : checksOf(step.scenario, static_cast<int>(step.index))) checks.append(c);
    for (const auto& q : result.questions) checks.append(toJson(q));
    QJsonArray runs;
    for (const auto& step : result.steps)
        for (const auto& r : runsOf(step.scenario, static_cast<int>(step.index))) runs.append(r);
    QJsonObject o{{"id", result.id}, {"title", result.title}, {"passed", result.passed()}, {"checks", checks},
                  {"runs", runs}};
    if (result.broken()) o["error"] = result.error;
    return o;
}

QJsonObject toJson(const Lesson& lesson) {
    QJsonArray steps;
    for (const auto& s : lesson.steps) steps.append(s.title);
    return QJsonObject{{"id", lesson.id},
                       {"title", lesson.title},
                       {"summary", lesson.summary},
                       {"level", lesson.level},
                       {"minutes", lesson.minutes},
                       {"prerequisites", QJsonArray::fromStringList(lesson.prerequisites)},
                       {"steps", steps},
                       {"questions", static_cast<int>(lesson.questions.size())}};
}

}  // namespace vl::lessons
