// Progress as the Lessons panel and `lesson list|progress` read it: steps done, passes kept,
// prerequisites that lock a lesson, and a catalog that refuses a prerequisite it lacks.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/temp_dir.h"
#include "lesson_fixture.h"
#include "lessons/lesson_catalog.h"
#include "lessons/lesson_status.h"

using namespace vl::lessons;

namespace {

std::string manifestWithPrerequisites(const std::string& id, const std::string& prerequisites) {
    std::string m = vl::test::manifestFor(id);
    m.replace(m.find("\"steps\""), 0, "\"prerequisites\": " + prerequisites + ",\n  ");
    return m;
}

TEST(LessonStatus, RecordsPassingStepsAndUnlocksDependents) {
    vl::test::CourseFixture course;
    course.addLesson("01-a", {{"lesson.json", vl::test::manifestFor("01-a")}, {"01.md", ""},
                              {"scenario.js", "function main() { expect('ok', true); }\n"}});
    course.addLesson("02-b", {{"lesson.json", manifestWithPrerequisites("02-b", "[\"01-a\"]")}, {"01.md", ""},
                              {"scenario.js", "function main() { expect('no', false); }\n"}});
    const LessonCatalog catalog(QString::fromStdString(course.path()));
    vl::TempDir home;
    Progress progress(QString::fromStdString(home.path()) + "/progress.json");
    const Lesson a = catalog.load("01-a"), b = catalog.load("02-b");

    EXPECT_EQ(lessonStatus(b, progress).missing_prerequisites, QStringList{"01-a"});
    EXPECT_TRUE(lessonStatus(b, progress).locked());

    const LessonRunner runner;
    recordRun(progress, a, runner.run(a), QJsonObject{{"q", 1}});
    EXPECT_TRUE(lessonStatus(a, progress).passed);
    EXPECT_EQ(lessonStatus(a, progress).steps_done, std::vector<int>{0});
    EXPECT_EQ(progress.answers("01-a").value("q").toInt(), 1);
    EXPECT_FALSE(lessonStatus(b, progress).locked());

    // A failing run marks nothing done, and a later failure never takes a pass away.
    recordRun(progress, b, runner.run(b), {});
    EXPECT_FALSE(lessonStatus(b, progress).passed);
    EXPECT_TRUE(lessonStatus(b, progress).steps_done.empty());
    progress.markPassed("02-b", true);
    recordRun(progress, b, runner.run(b), {});
    EXPECT_TRUE(lessonStatus(b, progress).passed);
}

TEST(LessonStatus, UnknownPrerequisiteIsABrokenLesson) {
    vl::test::CourseFixture course;
    course.addLesson("01-a", {{"lesson.json", manifestWithPrerequisites("01-a", "[\"00-missing\"]")}, {"01.md", ""},
                              {"scenario.js", ""}});
    const LessonCatalog catalog(QString::fromStdString(course.path()));
    try {
        catalog.load("01-a");
        FAIL() << "loaded";
    } catch (const vl::Error& e) {
        EXPECT_EQ(e.exitStatus(), 2);
        EXPECT_NE(std::string(e.what()).find("lesson.json: prerequisites[0]: no lesson '00-missing' in the course"),
                  std::string::npos) << e.what();
    }
}

}  // namespace
