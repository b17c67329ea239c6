#include "lessons/answer_check.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace vl::lessons {
namespace {

QString shown(const QJsonValue& v) {
    if (v.isString()) return "\"" + v.toString() + "\"";
    return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
}

std::optional<double> asNumber(const QJsonValue& v) {
    if (v.isDouble()) return v.toDouble();
    if (v.isString()) {
        bool ok = false;
        const double d = v.toString().trimmed().toDouble(&ok);
        if (ok) return d;
    }
    return std::nullopt;
}

QString asText(const QJsonValue& v) {
    if (v.isString()) return v.toString();
    if (v.isBool()) return v.toBool() ? "true" : "false";
    if (v.isDouble()) return QString::number(v.toDouble(), 'g', 17);
    return shown(v);
}

}  // namespace

std::optional<QJsonValue> expectedAnswer(const LessonQuestion& question, const QJsonObject& live) {
    if (!question.answer.isUndefined()) return question.answer;
    if (live.contains(question.answer_from)) return live.value(question.answer_from);
    return std::nullopt;
}

bool answerMatches(const LessonQuestion& question, const QJsonValue& given, const QJsonValue& expected) {
    switch (question.kind) {
    case LessonQuestion::Kind::Number: {
        const auto g = asNumber(given), e = asNumber(expected);
        return g && e && std::fabs(*g - *e) <= question.tolerance;
    }
    case LessonQuestion::Kind::Text:
        return asText(given).simplified().compare(asText(expected).simplified(), Qt::CaseInsensitive) == 0;
    case LessonQuestion::Kind::Choice:
        return asText(given).trimmed() == asText(expected).trimmed();
    }
    return false;
}

Check checkQuestion(const LessonQuestion& question, const QJsonObject& live, const std::optional<QJsonValue>& given,
                    const QString& live_skipped) {
    Check check{"question " + question.id, false, false, {}};
    const auto expected = expectedAnswer(question, live);
    if (!expected) {
        if (!live_skipped.isEmpty()) {
            check.skipped = true;
            check.message = live_skipped;
        } else {
            check.message = "the scenario recorded no value '" + question.answer_from + "' (answer_from)";
        }
        return check;
    }
    if (question.kind == LessonQuestion::Kind::Choice && !question.choices.contains(asText(*expected))) {
        check.message = "the expected answer " + shown(*expected) + " is not one of the choices";
        return check;
    }
    if (given) {
        check.passed = answerMatches(question, *given, *expected);
        if (!check.passed) check.message = given->isUndefined() ? "not answered" : "answered " + shown(*given) + ", expected " + shown(*expected);
        return check;
    }
    // Self-consistency: a fixed answer must agree with the live run when the run recorded one.
    if (!question.answer.isUndefined() && live.contains(question.id)) {
        check.passed = answerMatches(question, live.value(question.id), question.answer);
        if (!check.passed)
            check.message = "lesson.json says " + shown(question.answer) + " but the live run recorded " +
                            shown(live.value(question.id));
        return check;
    }
    check.passed = true;
    return check;
}

}  // namespace vl::lessons
