// `virtlab lesson` and `virtlab scenario` as a grader script sees them: exit status, the one
// JSON object on stdout, and the one-line error naming file and line on stderr.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "lesson_fixture.h"
#include "tests/support/cli_runner.h"

namespace {

// The course in `course`; progress in a hidden folder inside it (never the tester's own).
vl::test::CliResult virtlabWithCourse(const std::string& course, std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/env", "VIRTLAB_LESSONS=" + course, "XDG_DATA_HOME=" + course + "/.xdg",
                                     VIRTLAB_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    return vl::test::runProgram(argv, 60);
}

QJsonObject json(const std::string& out) {
    QJsonParseError error;
    const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(out), &error);
    EXPECT_EQ(error.error, QJsonParseError::NoError) << out;
    return doc.object();
}

TEST(LessonCli, ListNamesLessonsAndSteps) {
    vl::test::CourseFixture course;
    course.addLesson("01-a", {{"lesson.json", vl::test::manifestFor("01-a")}, {"01.md", ""}, {"scenario.js", ""}});
    const auto r = virtlabWithCourse(course.path(), {"lesson", "list", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const auto lessons = json(r.out)["lessons"].toArray();
    ASSERT_EQ(lessons.size(), 1);
    EXPECT_EQ(lessons[0].toObject()["id"].toString(), "01-a");
    EXPECT_EQ(lessons[0].toObject()["steps"].toArray()[0].toString(), "Only step");
}

TEST(LessonCli, BrokenManifestExits2WithFileAndLine) {
    vl::test::CourseFixture course;
    const auto dir = course.addLesson("01-bad", {{"lesson.json", "{\n  \"id\": \"01-bad\"\n  \"title\": \"x\"\n}\n"}});
    const auto r = virtlabWithCourse(course.path(), {"lesson", "run", "01-bad"});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.err.find(dir + "/lesson.json:3: "), std::string::npos) << r.err;
}

TEST(LessonCli, SyntaxErrorInScenarioExits2WithFileAndLine) {
    vl::test::CourseFixture course;
    const auto dir = course.addLesson("01-syn", {{"lesson.json", vl::test::manifestFor("01-syn")},
                                                  {"01.md", ""},
                                                  {"scenario.js", "function main() {\n  expect('x', true;\n}\n"}});
    const auto r = virtlabWithCourse(course.path(), {"lesson", "run", "01-syn", "--json"});
    EXPECT_EQ(r.exit_status, 2);
    const auto lesson = json(r.out)["lessons"].toArray()[0].toObject();
    EXPECT_TRUE(lesson["error"].toString().startsWith(QString::fromStdString(dir + "/scenario.js:2: SyntaxError")))
        << r.out;
}

TEST(LessonCli, FailingCheckExits1AndJsonNamesIt) {
    vl::test::CourseFixture course;
    course.addLesson("01-fail", {{"lesson.json", vl::test::manifestFor("01-fail", "main",
                                    R"([{"id": "n", "prompt": "?", "kind": "number", "answer": 5}])")},
                                 {"01.md", ""},
                                 {"scenario.js", "function main() {\n  expect('ok', true);\n"
                                                 "  expectEqual('two', 1 + 1, 3);\n  answer('n', 5);\n}\n"}});
    const auto r = virtlabWithCourse(course.path(), {"lesson", "run", "--all", "--json"});
    EXPECT_EQ(r.exit_status, 1) << r.err;
    const auto out = json(r.out);
    EXPECT_FALSE(out["passed"].toBool());
    const auto checks = out["lessons"].toArray()[0].toObject()["checks"].toArray();
    ASSERT_EQ(checks.size(), 3);
    EXPECT_EQ(checks[1].toObject()["name"].toString(), "two");
    EXPECT_FALSE(checks[1].toObject()["passed"].toBool());
    EXPECT_EQ(checks[1].toObject()["message"].toString(), "got 2, expected 3");
    EXPECT_EQ(checks[2].toObject()["name"].toString(), "question n");
    EXPECT_TRUE(checks[2].toObject()["passed"].toBool());
}

TEST(LessonCli, AnswersFileIsGraded) {
    vl::test::CourseFixture course;
    course.addLesson("01-q", {{"lesson.json", vl::test::manifestFor("01-q", "main",
                                 R"([{"id": "n", "prompt": "?", "kind": "number", "answer_from": "live"}])")},
                              {"01.md", ""},
                              {"scenario.js", "function main() { answer('live', 6 * 7); }\n"}});
    const auto good = vl::test::writeTempFile("good.json", R"({"n": 42})");
    EXPECT_EQ(virtlabWithCourse(course.path(), {"lesson", "run", "01-q", "--answers", good}).exit_status, 0);
    const auto bad = vl::test::writeTempFile("bad.json", R"({"n": 41})");
    const auto r = virtlabWithCourse(course.path(), {"lesson", "run", "01-q", "--answers", bad, "--json"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_NE(r.out.find("answered 41, expected 42"), std::string::npos) << r.out;
}

std::string withPrerequisite(const std::string& id, const std::string& prerequisite) {
    std::string m = vl::test::manifestFor(id);
    m.replace(m.find("\"steps\""), 0, "\"prerequisites\": [\"" + prerequisite + "\"],\n  ");
    return m;
}

TEST(LessonCli, ProgressIsRecordedShownAndReset) {
    vl::test::CourseFixture course;
    course.addLesson("01-a", {{"lesson.json", vl::test::manifestFor("01-a")}, {"01.md", ""},
                              {"scenario.js", "function main() { expect('ok', true); }\n"}});
    course.addLesson("02-b", {{"lesson.json", withPrerequisite("02-b", "01-a")}, {"01.md", ""},
                              {"scenario.js", "function main() { expect('ok', true); }\n"}});
    auto status = [&](const std::string& id) {
        const auto r = virtlabWithCourse(course.path(), {"lesson", "list", "--json"});
        EXPECT_EQ(r.exit_status, 0) << r.err;
        for (const auto& v : json(r.out)["lessons"].toArray())
            if (v.toObject()["id"].toString().toStdString() == id) return v.toObject()["status"].toObject();
        return QJsonObject();
    };
    EXPECT_TRUE(status("02-b")["locked"].toBool());
    EXPECT_EQ(status("02-b")["missing_prerequisites"].toArray()[0].toString(), "01-a");

    // A locked lesson still runs headlessly, and says what it is missing.
    auto r = virtlabWithCourse(course.path(), {"lesson", "run", "02-b", "--json", "--no-progress"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(json(r.out)["lessons"].toArray()[0].toObject()["missing_prerequisites"].toArray()[0].toString(), "01-a");
    EXPECT_FALSE(status("02-b")["passed"].toBool());  // --no-progress recorded nothing

    r = virtlabWithCourse(course.path(), {"lesson", "run", "01-a"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_TRUE(status("01-a")["passed"].toBool());
    EXPECT_FALSE(status("02-b")["locked"].toBool());

    r = virtlabWithCourse(course.path(), {"lesson", "progress", "--json"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(json(r.out)["passed"].toInt(), 1);
    EXPECT_EQ(json(r.out)["file"].toString().toStdString(), course.path() + "/.xdg/virtlab/progress.json");

    r = virtlabWithCourse(course.path(), {"lesson", "reset", "01-a"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_FALSE(status("01-a")["passed"].toBool());
    EXPECT_TRUE(status("02-b")["locked"].toBool());
    EXPECT_EQ(virtlabWithCourse(course.path(), {"lesson", "reset", "09-none"}).exit_status, 2);
}

TEST(LessonCli, UnknownPrerequisiteExits2) {
    vl::test::CourseFixture course;
    course.addLesson("01-a", {{"lesson.json", withPrerequisite("01-a", "00-gone")}, {"01.md", ""}, {"scenario.js", ""}});
    const auto r = virtlabWithCourse(course.path(), {"lesson", "run", "01-a"});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.err.find("prerequisites[0]: no lesson '00-gone' in the course"), std::string::npos) << r.err;
}

TEST(ScenarioCli, EndlessScriptIsStoppedAtTheBudget) {
    const auto file = vl::test::writeTempFile("loop.js", "for (;;) {}\n");
    const auto r = vl::test::runVirtlab({"scenario", "run", file, "--budget", "0.3", "--json"}, 20);
    EXPECT_EQ(r.exit_status, 1) << r.err;
    EXPECT_EQ(json(r.out)["timed_out"].toString(), "timed out after 0.3 s");
}

TEST(ScenarioCli, FileSystemAttemptIsAClearFailure) {
    const auto file = vl::test::writeTempFile("fs.js", "expect('start', true);\nvar text = readFile('/etc/shadow');\n");
    const auto r = vl::test::runVirtlab({"scenario", "run", file}, 20);
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.err.find(file + ":2: ReferenceError: readFile is not defined"), std::string::npos) << r.err;
}

TEST(ScenarioCli, PassingScriptExits0) {
    const auto file = vl::test::writeTempFile("ok.js", "var run = lab.vm({mode: 'trap'});\n"
                                                       "expectEqual('exit', run.exit_code, 0);\n");
    const auto r = vl::test::runVirtlab({"scenario", "run", file, "--json"}, 30);
    EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_TRUE(json(r.out)["passed"].toBool());
}

}  // namespace
