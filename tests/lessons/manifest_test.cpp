#include <gtest/gtest.h>

#include "core/error.h"
#include "lessons/lesson.h"
#include "lesson_fixture.h"

using vl::lessons::loadLesson;

namespace {

std::string loadError(const std::string& dir) {
    try {
        loadLesson(QString::fromStdString(dir));
    } catch (const vl::Error& e) {
        EXPECT_EQ(e.exitStatus(), 2);
        return e.what();
    }
    return "(loaded)";
}

TEST(LessonManifest, LoadsAValidLesson) {
    vl::test::CourseFixture course;
    const auto dir = course.addLesson("01-ok", {{"lesson.json", vl::test::manifestFor("01-ok", "main",
                                                    R"([{"id": "q", "prompt": "2+2?", "kind": "number", "answer": 4}])")},
                                                {"01.md", "# Text\n"},
                                                {"scenario.js", "function main() {}\n"}});
    const auto lesson = loadLesson(QString::fromStdString(dir));
    EXPECT_EQ(lesson.id, "01-ok");
    EXPECT_EQ(lesson.script, "scenario.js");
    ASSERT_EQ(lesson.steps.size(), 1u);
    EXPECT_EQ(lesson.steps[0].scenario, "main");
    ASSERT_EQ(lesson.questions.size(), 1u);
    EXPECT_EQ(lesson.questions[0].answer.toDouble(), 4);
}

TEST(LessonManifest, JsonSyntaxErrorNamesFileAndLine) {
    vl::test::CourseFixture course;
    // Line 3 lacks the comma after "A".
    const auto dir = course.addLesson("01-bad", {{"lesson.json", "{\n  \"id\": \"01-bad\",\n  \"title\": \"A\"\n  \"level\": 1\n}\n"},
                                                 {"01.md", ""}});
    const auto message = loadError(dir);
    EXPECT_NE(message.find(dir + "/lesson.json:4: "), std::string::npos) << message;
}

TEST(LessonManifest, WrongFieldNamesItsPath) {
    vl::test::CourseFixture course;
    std::string manifest = vl::test::manifestFor("01-x", "main");
    manifest.replace(manifest.find("01.md"), 5, "missing.md");
    const auto dir = course.addLesson("01-x", {{"lesson.json", manifest}, {"scenario.js", ""}});
    const auto message = loadError(dir);
    EXPECT_NE(message.find("lesson.json: steps[0].text: no file 'missing.md'"), std::string::npos) << message;
}

TEST(LessonManifest, RefusesAFileOutsideTheLesson) {
    vl::test::CourseFixture course;
    std::string manifest = vl::test::manifestFor("01-x", "../../etc/passwd.js");
    const auto dir = course.addLesson("01-x", {{"lesson.json", manifest}, {"01.md", ""}});
    EXPECT_NE(loadError(dir).find("must be a file name inside the lesson folder"), std::string::npos);
}

TEST(LessonManifest, ChoiceAnswerMustBeAChoice) {
    vl::test::CourseFixture course;
    const auto dir = course.addLesson(
        "01-q", {{"lesson.json", vl::test::manifestFor("01-q", "main",
                     R"([{"id": "c", "prompt": "?", "kind": "choice", "choices": ["a", "b"], "answer": "z"}])")},
                 {"01.md", ""}, {"scenario.js", ""}});
    EXPECT_NE(loadError(dir).find("questions[0].answer: must be one of the choices"), std::string::npos);
}

}  // namespace
