#include "lessons/progress.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>

#include "core/error.h"

namespace vl::lessons {

QString Progress::defaultPath() {
    QString base = qEnvironmentVariable("XDG_DATA_HOME");
    if (base.isEmpty()) base = QDir::homePath() + "/.local/share";
    return base + "/virtlab/progress.json";
}

Progress::Progress(QString path) : path_(std::move(path)) {
    QFile file(path_);
    if (!file.exists()) return;
    if (!file.open(QIODevice::ReadOnly)) throwInput(path_.toStdString() + ": cannot read: " + file.errorString().toStdString());
    const QByteArray text = file.readAll();
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError) {
        const long line = 1 + std::count(text.begin(), text.begin() + std::min<int>(error.offset, text.size()), '\n');
        throwInputAt(path_.toStdString(), line, error.errorString().toStdString());
    }
    if (!doc.isObject() || !doc.object().value("lessons").isObject())
        throwInput(path_.toStdString() + ": not a VirtLab progress file (no \"lessons\" object)");
    lessons_ = doc.object().value("lessons").toObject();
}

QJsonObject Progress::lesson(const QString& id) const { return lessons_.value(id).toObject(); }
void Progress::setLesson(const QString& id, const QJsonObject& value) { lessons_[id] = value; }

bool Progress::stepDone(const QString& lesson_id, int step) const {
    const auto done = stepsDone(lesson_id);
    return std::find(done.begin(), done.end(), step) != done.end();
}

std::vector<int> Progress::stepsDone(const QString& lesson_id) const {
    std::vector<int> out;
    for (const auto& v : lesson(lesson_id).value("steps_done").toArray()) out.push_back(v.toInt());
    std::sort(out.begin(), out.end());
    return out;
}

QJsonObject Progress::answers(const QString& lesson_id) const { return lesson(lesson_id).value("answers").toObject(); }
bool Progress::passed(const QString& lesson_id) const { return lesson(lesson_id).value("passed").toBool(); }

void Progress::markStepDone(const QString& lesson_id, int step) {
    if (stepDone(lesson_id, step)) return;
    QJsonObject o = lesson(lesson_id);
    QJsonArray done = o.value("steps_done").toArray();
    done.append(step);
    o["steps_done"] = done;
    setLesson(lesson_id, o);
}

void Progress::saveAnswer(const QString& lesson_id, const QString& question, const QJsonValue& value) {
    QJsonObject o = lesson(lesson_id);
    QJsonObject a = o.value("answers").toObject();
    a[question] = value;
    o["answers"] = a;
    setLesson(lesson_id, o);
}

void Progress::markPassed(const QString& lesson_id, bool passed_now) {
    QJsonObject o = lesson(lesson_id);
    o["passed"] = passed_now;
    setLesson(lesson_id, o);
}

void Progress::reset(const QString& lesson_id) { lessons_.remove(lesson_id); }

void Progress::save() const {
    const QString dir = QFileInfo(path_).absolutePath();
    if (!QDir().mkpath(dir)) throwSystem("progress: cannot create " + dir.toStdString(), EACCES);
    // QSaveFile writes a temporary file beside the target and renames it over the target.
    QSaveFile file(path_);
    if (!file.open(QIODevice::WriteOnly))
        throw Error(Error::Kind::System, path_.toStdString() + ": cannot write: " + file.errorString().toStdString());
    file.write(QJsonDocument(QJsonObject{{"lessons", lessons_}}).toJson(QJsonDocument::Indented));
    if (!file.commit())
        throw Error(Error::Kind::System, path_.toStdString() + ": cannot write: " + file.errorString().toStdString());
}

}  // namespace vl::lessons
