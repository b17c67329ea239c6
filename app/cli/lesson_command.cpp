// `virtlab lesson list|run`: the course headlessly -- for instructors checking in CI that a
// lesson still works, and for grading an answers file (lessons/README.md, "Command line").
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
#include "lessons/result_json.h"

namespace vl::cli {
namespace {

using namespace vl::lessons;

int listLessons(const Args& args) {
    ArgParser parser("virtlab lesson list [--json]", "List the course's lessons, in order.");
    parser.flag("--json", "print one JSON object with a `lessons` array");
    if (!parser.parse(args)) return 0;
    const LessonCatalog catalog;
    QJsonArray lessons;
    for (const QString& id : catalog.ids()) lessons.append(toJson(catalog.load(id)));
    if (parser.has("--json")) {
        printJson(QJsonObject{{"directory", catalog.directory()}, {"lessons", lessons}});
        return 0;
    }
    for (const auto& v : lessons) {
        const QJsonObject o = v.toObject();
        std::printf("%-24s %-62s %2d steps, %d min\n", qPrintable(o["id"].toString()), qPrintable(o["title"].toString()),
                    static_cast<int>(o["steps"].toArray().size()), o["minutes"].toInt());
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
    bool any_broken = false, all_passed = true;
    QJsonArray results;
    for (const QString& lesson_id : ids) {
        LessonResult result;
        try {
            result = runner.run(catalog.load(lesson_id), answers);
        } catch (const Error& e) {
            if (e.kind() != Error::Kind::Input) throw;
            result.id = lesson_id;
            result.error = QString::fromStdString(e.what());
        }
        any_broken |= result.broken();
        all_passed &= result.passed();
        if (parser.has("--json")) results.append(toJson(result));
        else printLessonText(result);
        if (result.broken() && !parser.has("--json")) std::fprintf(stderr, "virtlab: %s\n", qPrintable(result.error));
    }
    if (parser.has("--json")) printJson(QJsonObject{{"passed", all_passed}, {"lessons", results}});
    return any_broken ? 2 : all_passed ? 0 : 1;
}

int lessonCommand(const Args& args) {
    if (args.empty()) throwInput("lesson: missing subcommand (list, run; see --help)");
    if (args[0] == "--help" || args[0] == "-h") {
        std::printf("usage: virtlab lesson list [--json]\n"
                    "       virtlab lesson run ID|--all [--answers FILE] [--budget SECONDS] [--json]\n"
                    "The self-paced course: lessons under lessons/course (or $VIRTLAB_LESSONS).\n");
        return 0;
    }
    const Args rest(args.begin() + 1, args.end());
    if (args[0] == "list") return listLessons(rest);
    if (args[0] == "run") return runLessons(rest);
    throwInput("lesson: unknown subcommand '" + args[0] + "' (valid: list, run)");
}

}  // namespace

VIRTLAB_COMMAND(lesson, "lesson", "lesson list|run ...     the course: list lessons, run their scenarios and checks",
                60, &lessonCommand);

}  // namespace vl::cli
