#include <gtest/gtest.h>

#include "lessons/answer_check.h"

using namespace vl::lessons;

namespace {

LessonQuestion numberQuestion(QJsonValue answer, QString from = {}) {
    LessonQuestion q;
    q.id = "n";
    q.kind = LessonQuestion::Kind::Number;
    q.answer = answer;
    q.answer_from = from;
    return q;
}

TEST(AnswerCheck, SelfConsistentWhenLiveValueAgrees) {
    const auto q = numberQuestion(7);
    EXPECT_TRUE(checkQuestion(q, QJsonObject{{"n", 7}}, std::nullopt).passed);
    const auto c = checkQuestion(q, QJsonObject{{"n", 8}}, std::nullopt);
    EXPECT_FALSE(c.passed);
    EXPECT_EQ(c.message, "lesson.json says 7 but the live run recorded 8");
}

TEST(AnswerCheck, AnswerFromNeedsTheLiveValue) {
    const auto q = numberQuestion(QJsonValue::Undefined, "traps");
    const auto missing = checkQuestion(q, {}, std::nullopt);
    EXPECT_FALSE(missing.passed);
    EXPECT_EQ(missing.message, "the scenario recorded no value 'traps' (answer_from)");
    EXPECT_TRUE(checkQuestion(q, {}, std::nullopt, "needs root").skipped);
    EXPECT_TRUE(checkQuestion(q, QJsonObject{{"traps", 2003}}, QJsonValue(2003)).passed);
    const auto wrong = checkQuestion(q, QJsonObject{{"traps", 2003}}, QJsonValue("2000"));
    EXPECT_FALSE(wrong.passed);
    EXPECT_EQ(wrong.message, "answered \"2000\", expected 2003");
}

TEST(AnswerCheck, KindsCompareTheirOwnWay) {
    LessonQuestion text;
    text.kind = LessonQuestion::Kind::Text;
    EXPECT_TRUE(answerMatches(text, QJsonValue("  Ring   Zero "), QJsonValue("ring zero")));
    LessonQuestion choice;
    choice.kind = LessonQuestion::Kind::Choice;
    EXPECT_FALSE(answerMatches(choice, QJsonValue("a timer interrupt"), QJsonValue("A timer interrupt")));
    auto number = numberQuestion(10);
    number.tolerance = 0.5;
    EXPECT_TRUE(answerMatches(number, QJsonValue(10.4), QJsonValue(10)));
    EXPECT_FALSE(answerMatches(number, QJsonValue(10.6), QJsonValue(10)));
    EXPECT_FALSE(answerMatches(number, QJsonValue("ten"), QJsonValue(10)));
}

TEST(AnswerCheck, UnansweredFails) {
    const auto c = checkQuestion(numberQuestion(1), {}, QJsonValue(QJsonValue::Undefined));
    EXPECT_FALSE(c.passed);
    EXPECT_EQ(c.message, "not answered");
}

}  // namespace
