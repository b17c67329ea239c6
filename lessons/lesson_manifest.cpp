// lesson.json -> Lesson. Every complaint names the file, and the line for a JSON syntax error
// (QJsonParseError only gives a byte offset, so the line is counted here) or the JSON path of
// the field for a manifest that parses but says something wrong.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

#include "core/error.h"
#include "lessons/lesson.h"

namespace vl::lessons {
namespace {

long lineOfOffset(const QByteArray& text, int offset) {
    const int end = std::min<int>(offset, text.size());
    return 1 + static_cast<long>(std::count(text.begin(), text.begin() + end, '\n'));
}

class ManifestReader {
public:
    explicit ManifestReader(QString path) : path_(std::move(path)) {}

    [[noreturn]] void fail(const QString& where, const QString& reason) const {
        throwInput(path_.toStdString() + ": " + where.toStdString() + ": " + reason.toStdString());
    }

    QString requiredString(const QJsonObject& o, const QString& key, const QString& where) const {
        const auto v = o.value(key);
        if (!v.isString() || v.toString().trimmed().isEmpty())
            fail(where + key, v.isUndefined() ? "missing (a non-empty string is required)" : "must be a non-empty string");
        return v.toString();
    }

    QString optionalString(const QJsonObject& o, const QString& key, const QString& where) const {
        const auto v = o.value(key);
        if (v.isUndefined()) return {};
        if (!v.isString()) fail(where + key, "must be a string");
        return v.toString();
    }

    QStringList stringList(const QJsonObject& o, const QString& key, const QString& where) const {
        const auto v = o.value(key);
        if (v.isUndefined()) return {};
        if (!v.isArray()) fail(where + key, "must be an array of strings");
        QStringList out;
        for (const auto& item : v.toArray()) {
            if (!item.isString()) fail(where + key, "must be an array of strings");
            out << item.toString();
        }
        return out;
    }

    // A file the manifest names: a plain name inside the lesson folder, never a path out of it.
    QString lessonFile(const QString& dir, const QString& name, const QString& where) const {
        if (name.contains('/') || name.startsWith('.'))
            fail(where, "'" + name + "' must be a file name inside the lesson folder");
        if (!QFileInfo(dir + "/" + name).isFile()) fail(where, "no file '" + name + "' in " + dir);
        return name;
    }

private:
    QString path_;
};

LessonQuestion::Kind parseKind(const ManifestReader& r, const QString& text, const QString& where) {
    if (text == "choice") return LessonQuestion::Kind::Choice;
    if (text == "number") return LessonQuestion::Kind::Number;
    if (text == "text") return LessonQuestion::Kind::Text;
    r.fail(where, "unknown kind '" + text + "' (valid: choice, number, text)");
}

LessonQuestion parseQuestion(const ManifestReader& r, const QJsonObject& o, const QString& where) {
    LessonQuestion q;
    q.id = r.requiredString(o, "id", where);
    q.prompt = r.requiredString(o, "prompt", where);
    q.kind = parseKind(r, r.requiredString(o, "kind", where), where + "kind");
    q.choices = r.stringList(o, "choices", where);
    q.answer = o.value("answer");
    q.answer_from = r.optionalString(o, "answer_from", where);
    if (o.contains("tolerance")) {
        if (!o.value("tolerance").isDouble() || o.value("tolerance").toDouble() < 0)
            r.fail(where + "tolerance", "must be a number >= 0");
        q.tolerance = o.value("tolerance").toDouble();
    }
    if (q.answer.isUndefined() == q.answer_from.isEmpty())
        r.fail(where.chopped(1), "needs exactly one of 'answer' and 'answer_from'");
    if (q.kind == LessonQuestion::Kind::Choice) {
        if (q.choices.size() < 2) r.fail(where + "choices", "a choice question needs at least two choices");
        if (!q.answer.isUndefined() && !q.choices.contains(q.answer.toString()))
            r.fail(where + "answer", "must be one of the choices");
    } else if (!q.choices.isEmpty()) {
        r.fail(where + "choices", "only a choice question has choices");
    }
    if (q.kind == LessonQuestion::Kind::Number && !q.answer.isUndefined() && !q.answer.isDouble())
        r.fail(where + "answer", "a number question needs a number");
    if (q.kind == LessonQuestion::Kind::Text && !q.answer.isUndefined() && !q.answer.isString())
        r.fail(where + "answer", "a text question needs a string");
    return q;
}

}  // namespace

QString kindName(LessonQuestion::Kind kind) {
    switch (kind) {
    case LessonQuestion::Kind::Choice: return "choice";
    case LessonQuestion::Kind::Number: return "number";
    case LessonQuestion::Kind::Text: return "text";
    }
    return "text";
}

Lesson loadLesson(const QString& dir_in) {
    Lesson lesson;
    lesson.dir = QDir(dir_in).absolutePath();
    lesson.id = QFileInfo(lesson.dir).fileName();
    const QString path = lesson.manifestPath();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) throwInput(path.toStdString() + ": cannot read: " + file.errorString().toStdString());
    const QByteArray text = file.readAll();

    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError)
        throwInputAt(path.toStdString(), lineOfOffset(text, error.offset), error.errorString().toStdString());
    ManifestReader r(path);
    if (!doc.isObject()) r.fail("(top level)", "must be a JSON object");
    const QJsonObject o = doc.object();

    const QString id = r.requiredString(o, "id", "");
    if (id != lesson.id) r.fail("id", "'" + id + "' must equal the folder name '" + lesson.id + "'");
    lesson.title = r.requiredString(o, "title", "");
    lesson.summary = r.requiredString(o, "summary", "");
    lesson.level = r.requiredString(o, "level", "");
    if (!o.value("minutes").isDouble() || o.value("minutes").toInt() <= 0) r.fail("minutes", "must be a whole number > 0");
    lesson.minutes = o.value("minutes").toInt();
    lesson.prerequisites = r.stringList(o, "prerequisites", "");
    lesson.script = r.optionalString(o, "script", "");
    if (lesson.script.isEmpty() && QFileInfo(lesson.dir + "/scenario.js").isFile()) lesson.script = "scenario.js";
    else if (!lesson.script.isEmpty()) r.lessonFile(lesson.dir, lesson.script, "script");

    if (!o.value("steps").isArray() || o.value("steps").toArray().isEmpty()) r.fail("steps", "must be a non-empty array");
    const QJsonArray steps = o.value("steps").toArray();
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const QString where = QString("steps[%1].").arg(i);
        if (!steps[i].isObject()) r.fail(where.chopped(1), "must be an object");
        const QJsonObject s = steps[i].toObject();
        LessonStep step;
        step.title = r.requiredString(s, "title", where);
        step.text_file = r.lessonFile(lesson.dir, r.requiredString(s, "text", where), where + "text");
        step.scenario = r.optionalString(s, "scenario", where);
        if (step.scenario.endsWith(".js")) r.lessonFile(lesson.dir, step.scenario, where + "scenario");
        else if (!step.scenario.isEmpty() && lesson.script.isEmpty())
            r.fail(where + "scenario", "names a function but the lesson has no scenario.js");
        lesson.steps.push_back(step);
    }

    const QJsonValue questions = o.value("questions");
    if (!questions.isUndefined() && !questions.isArray()) r.fail("questions", "must be an array");
    QStringList seen;
    for (qsizetype i = 0; i < questions.toArray().size(); ++i) {
        const QString where = QString("questions[%1].").arg(i);
        const QJsonValue q = questions.toArray()[i];
        if (!q.isObject()) r.fail(where.chopped(1), "must be an object");
        lesson.questions.push_back(parseQuestion(r, q.toObject(), where));
        if (seen.contains(lesson.questions.back().id)) r.fail(where + "id", "duplicate question id");
        seen << lesson.questions.back().id;
    }
    return lesson;
}

}  // namespace vl::lessons
