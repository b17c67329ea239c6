// A student's progress through the course -- steps done, answers given, lessons passed --
// kept per user in $XDG_DATA_HOME/virtlab/progress.json (~/.local/share/... by default) and
// replaced atomically on save(), so a crash mid-write leaves the previous progress intact.
//
//   {"lessons": {"02-arm-direct": {"steps_done": [0, 1], "answers": {"q1": 42}, "passed": true}}}
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <vector>

namespace vl::lessons {

class Progress {
public:
    // Reads the file when it exists. Throws vl::Error(Input) "FILE:LINE: reason" when it is
    // not valid progress JSON (nothing is overwritten in that case).
    explicit Progress(QString path = defaultPath());
    static QString defaultPath();

    const QString& path() const { return path_; }

    bool stepDone(const QString& lesson, int step) const;
    std::vector<int> stepsDone(const QString& lesson) const;  // ascending
    QJsonObject answers(const QString& lesson) const;         // questionId -> value
    bool passed(const QString& lesson) const;

    void markStepDone(const QString& lesson, int step);
    void saveAnswer(const QString& lesson, const QString& question, const QJsonValue& value);
    void markPassed(const QString& lesson, bool passed);
    void reset(const QString& lesson);

    // Writes the file (creating its directory); throws vl::Error(System) naming the path.
    void save() const;

private:
    QJsonObject lesson(const QString& id) const;
    void setLesson(const QString& id, const QJsonObject& value);

    QString path_;
    QJsonObject lessons_;
};

}  // namespace vl::lessons
