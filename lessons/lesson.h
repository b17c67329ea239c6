// A lesson as its folder describes it (lessons/README.md, "Reference: lesson.json"):
//   course/NN-slug/lesson.json   the manifest: id, title, summary, level, minutes,
//                                prerequisites, steps, questions
//   course/NN-slug/01-xxx.md     one Markdown file per step
//   course/NN-slug/scenario.js   the live scenario, functions named by the steps
#pragma once

#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <vector>

namespace vl::lessons {

struct LessonStep {
    QString title;
    QString text_file;  // Markdown, relative to the lesson folder
    // Empty: a reading step. "name.js": that file is the whole scenario. Otherwise the name of
    // a function defined in the lesson's script (lesson.json "script", default scenario.js).
    QString scenario;
};

struct LessonQuestion {
    enum class Kind { Choice, Number, Text };
    QString id;
    QString prompt;
    Kind kind = Kind::Text;
    QStringList choices;         // Choice only
    QJsonValue answer;           // the fixed answer, or Undefined when answer_from is used
    QString answer_from;         // the name a scenario records with answer(name, value)
    double tolerance = 0;        // Number only: |given - expected| <= tolerance passes
};

struct Lesson {
    QString id;            // "02-arm-direct": the folder name
    QString dir;           // absolute path of the folder
    QString title, summary, level;
    int minutes = 0;
    QStringList prerequisites;  // lesson ids
    QString script;        // the lesson's script file name ("scenario.js"), "" when none exists
    std::vector<LessonStep> steps;
    std::vector<LessonQuestion> questions;

    QString manifestPath() const { return dir + "/lesson.json"; }
    QString stepTextPath(size_t step) const { return dir + "/" + steps.at(step).text_file; }
};

QString kindName(LessonQuestion::Kind kind);  // "choice", "number", "text"

// Reads and checks dir/lesson.json and that every file it names exists. Throws
// vl::Error(Input) "DIR/lesson.json:LINE: reason" for a JSON syntax error and
// "DIR/lesson.json: steps[2].text: reason" for a well-formed manifest that says something wrong.
Lesson loadLesson(const QString& dir);

}  // namespace vl::lessons
