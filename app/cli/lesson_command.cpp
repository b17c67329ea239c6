// `virtlab lesson list|run|progress|reset`: the course headlessly -- for instructors checking
// in CI that a lesson still works, for grading an answers file, and for a student's progress
// (lessons/README.md, "Command line").
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <chrono>
#include <cstdio>
#include <optional>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/json.h"
#include "core/error.h"
#include "lessons/lesson_catalog.h"
#include "lessons/lesson_runner.h"
#include "lessons/lesson_status.h"
#include "lessons/progress.h"
#include "lessons/result_json.h"

namespace vl::cli {
namespace {

using namespace vl::lessons;

int listLessons(const Args& args) {
    ArgParser parser("virtlab lesson list [--json]",
                     "List the course's lessons, in order, with your progress and the prerequisites not passed yet.");
    parser.flag("--json", "print one JSON object with a `lessons` array");
    if (!parser.parse(args)) return 0;
    const LessonCatalog catalog;
    const Progress progress;
    QJsonArray lessons;
    for (const QString& id : catalog.ids()) {
        const Lesson lesson = catalog.load(id);
        QJsonObject o = toJson(lesson);
        o["status"] = toJson(lessonStatus(lesson, progress));
        lessons.append(o);
    }
    if (parser.has("--json")) {
        printJson(QJsonObject{{"directory", catalog.directory()}, {"progress_file", progress.path()}, {"lessons", lessons}});
        return 0;
    }
    for (const auto& v : lessons) {
        const QJsonObject o = v.toObject();
        const QJsonObject st = o["status"].toObject();
        const char* mark = st["passed"].toBool() ? "done" : st["locked"].toBool() ? "lock" : "    ";
        std::printf("[%s] %-24s %-62s %2d steps, %d min\n", mark, qPrintable(o["id"].toString()),
                    qPrintable(o["title"].toString()), static_cast<int>(o["steps"].toArray().size()), o["minutes"].toInt());
        if (st["locked"].toBool())
            std::printf("       needs first: %s\n",
                        qPrintable(st["missing_prerequisites"].toVariant().toStringList().join(", ")));
    }
    return 0;
}

// {"questionId": value, ...}; a broken file is bad input, reported with its line.
QJsonObject readAnswers(const std::string& path) {
    QFile file(qs(path));
    if (!file.open(QIODevice::ReadOnly)) throwInput(path + ": cannot read: " + file.errorString().toStdString());
    const QByteArray text = file.readAll();
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError)
        throwInputAt(path, 1 + text.left(error.offset).count('\n'), error.errorString().toStdString());
    if (!doc.isObject()) throwInput(path + ": must be a JSON object {\"questionId\": answer, ...}");
    return doc.object();
}

void printLessonText(const LessonResult& r) {
    std::printf("== %s: %s ==\n", qPrintable(r.id), qPrintable(r.title));
    const QJsonArray checks = toJson(r)["checks"].toArray();
    for (const auto& v : checks) {
        const QJsonObject c = v.toObject();
        const char* mark = c["skipped"].toBool() ? "skip" : c["passed"].toBool() ? "ok" : "FAIL";
        std::printf("  [%-4s] %s", mark, qPrintable(c["name"].toString()));
        if (!c["message"].toString().isEmpty()) std::printf(" -- %s", qPrintable(c["message"].toString()));
        std::printf("\n");
    }
    if (r.broken()) std::printf("  [BROKEN] %s\n", qPrintable(r.error));
    std::printf("  %s\n\n", r.broken() ? "broken" : r.passed() ? "passed" : "failed");
}

int runLessons(const Args& args) {
    ArgParser parser("virtlab lesson run ID|--all [--answers FILE] [--budget SECONDS] [--json]",
                     "Run each step's scenario and check the questions: against an answers file, or for "
                     "self-consistency with the live run. Exit 0 all checks pass, 1 a check fails, 2 a broken lesson.");
    parser.positional("ID", "the lesson (see `virtlab lesson list`)", false);
    parser.flag("--all", "run every lesson of the course");
    parser.option("--answers", "FILE", "a JSON object {questionId: answer}");
    parser.option("--budget", "SECONDS", "time budget per scenario", "30");
    parser.flag("--no-progress", "do not record the run in your progress (CI, grading someone else's answers)");
    parser.flag("--json", "print one JSON object: {passed, lessons: [{id, passed, checks}]}");
    if (!parser.parse(args)) return 0;
    const std::string id = parser.positionalValue("ID");
    if (id.empty() == !parser.has("--all")) throwInput("lesson run: give either a lesson ID or --all");
    const double budget_s = parser.doubleValue("--budget", 30);
    if (!(budget_s > 0) || budget_s > 86400) throwInput("--budget: must be between 0 and 86400 seconds");
    std::optional<QJsonObject> answers;
    if (parser.has("--answers")) answers = readAnswers(parser.value("--answers"));

    const LessonCatalog catalog;
    const QStringList ids = parser.has("--all") ? catalog.ids() : QStringList{qs(id)};
    const LessonRunner runner(std::chrono::milliseconds(static_cast<long long>(budget_s * 1000)));
    const bool record = !parser.has("--no-progress");
    // Read for the prerequisites even when not recording; a corrupt file stops a recording run
    // before anything runs, and is ignored by one that records nothing.
    std::optional<Progress> progress;
    try {
        progress.emplace();
    } catch (const Error&) {
        if (record) throw;
    }
    bool any_broken = false, all_passed = true;
    QJsonArray results;
    for (const QString& lesson_id : ids) {
        LessonResult result;
        std::optional<Lesson> lesson;
        try {
            lesson = catalog.load(lesson_id);
            result = runner.run(*lesson, answers);
        } catch (const Error& e) {
            if (e.kind() != Error::Kind::Input) throw;
            result.id = lesson_id;
            result.error = QString::fromStdString(e.what());
        }
        any_broken |= result.broken();
        all_passed &= result.passed();
        // Still run headlessly (instructors, CI); the GUI is where a lesson is locked.
        QStringList missing;
        if (lesson && progress) missing = lessonStatus(*lesson, *progress).missing_prerequisites;
        if (parser.has("--json")) {
            QJsonObject o = toJson(result);
            if (!missing.isEmpty()) o["missing_prerequisites"] = QJsonArray::fromStringList(missing);
            results.append(o);
        } else {
            if (!missing.isEmpty()) std::printf("(prerequisites not passed yet: %s)\n", qPrintable(missing.join(", ")));
            printLessonText(result);
        }
        if (result.broken() && !parser.has("--json")) std::fprintf(stderr, "virtlab: %s\n", qPrintable(result.error));
        if (record && lesson && !result.broken()) recordRun(*progress, *lesson, result, answers.value_or(QJsonObject{}));
    }
    if (record) {
        // Progress is a convenience: failing to save it must not turn a passing run into an error.
        try {
            progress->save();
        } catch (const Error& e) {
            std::fprintf(stderr, "virtlab: warning: progress not saved: %s\n", e.what());
        }
    }
    if (parser.has("--json")) printJson(QJsonObject{{"passed", all_passed}, {"lessons", results}});
    return any_broken ? 2 : all_passed ? 0 : 1;
}

int showProgress(const Args& args) {
    ArgParser parser("virtlab lesson progress [--json]",
                     "Your progress through the course: steps done, lessons passed, answers saved, what is locked.");
    parser.flag("--json", "print one JSON object: {file, lessons: [{id, title, status, answers}]}");
    if (!parser.parse(args)) return 0;
    const LessonCatalog catalog;
    const Progress progress;
    QJsonArray lessons;
    int passed = 0;
    for (const QString& id : catalog.ids()) {
        const Lesson lesson = catalog.load(id);
        const LessonStatus status = lessonStatus(lesson, progress);
        passed += status.passed;
        lessons.append(QJsonObject{{"id", id}, {"title", lesson.title}, {"status", toJson(status)},
                                   {"answers", progress.answers(id)}});
        if (parser.has("--json")) continue;
        std::printf("%-24s %s  %zu of %d steps done%s\n", qPrintable(id), status.passed ? "passed" : "      ",
                    status.steps_done.size(), status.steps,
                    status.locked() ? qPrintable("  (needs " + status.missing_prerequisites.join(", ") + ")") : "");
    }
    if (parser.has("--json")) {
        printJson(QJsonObject{{"file", progress.path()}, {"passed", passed}, {"lessons", lessons}});
    } else {
        std::printf("%d of %d lessons passed (%s)\n", passed, static_cast<int>(lessons.size()), qPrintable(progress.path()));
    }
    return 0;
}

int resetProgress(const Args& args) {
    ArgParser parser("virtlab lesson reset ID|--all", "Forget your progress in one lesson (or all): steps, answers, pass.");
    parser.positional("ID", "the lesson", false);
    parser.flag("--all", "forget the progress of every lesson");
    if (!parser.parse(args)) return 0;
    const std::string id = parser.positionalValue("ID");
    if (id.empty() == !parser.has("--all")) throwInput("lesson reset: give either a lesson ID or --all");
    const LessonCatalog catalog;
    Progress progress;
    if (parser.has("--all")) {
        for (const QString& lesson_id : catalog.ids()) progress.reset(lesson_id);
    } else {
        if (!catalog.ids().contains(qs(id)))
            throwInput("no lesson '" + id + "' in " + catalog.directory().toStdString() + " (see `virtlab lesson list`)");
        progress.reset(qs(id));
    }
    progress.save();
    std::printf("progress reset: %s\n", parser.has("--all") ? "every lesson" : id.c_str());
    return 0;
}

int lessonCommand(const Args& args) {
    if (args.empty()) throwInput("lesson: missing subcommand (list, run, progress, reset; see --help)");
    if (args[0] == "--help" || args[0] == "-h") {
        std::printf("usage: virtlab lesson list [--json]\n"
                    "       virtlab lesson run ID|--all [--answers FILE] [--budget SECONDS] [--no-progress] [--json]\n"
                    "       virtlab lesson progress [--json]\n"
                    "       virtlab lesson reset ID|--all\n"
                    "The self-paced course: lessons under lessons/course (or $VIRTLAB_LESSONS); progress in\n"
                    "$XDG_DATA_HOME/virtlab/progress.json.\n");
        return 0;
    }
    const Args rest(args.begin() + 1, args.end());
    if (args[0] == "list") return listLessons(rest);
    if (args[0] == "run") return runLessons(rest);
    if (args[0] == "progress") return showProgress(rest);
    if (args[0] == "reset") return resetProgress(rest);
    throwInput("lesson: unknown subcommand '" + args[0] + "' (valid: list, run, progress, reset)");
}

}  // namespace

VIRTLAB_COMMAND(lesson, "lesson", "lesson list|run|progress|reset ...  the course: lessons, their checks, your progress",
                60, &lessonCommand);

}  // namespace vl::cli
