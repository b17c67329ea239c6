// The Lessons panel driven as a student would: open a lesson in the outline, read, Next, run
// the step's scenario, answer the questions, and find the progress again in a new window.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTreeWidget>

#include "app/gui/lessons_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/trap_pane.h"
#include "lessons/progress.h"

namespace {

using vl::gui::LessonsPanel;

void writeFile(const QString& path, const QByteArray& text) {
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly)) << path.toStdString();
    file.write(text);
}

// A small course of our own, so the test knows every check and answer: one lesson that boots
// the guest kernel under the trap-and-emulate monitor, and one whose script is broken.
class LessonsPanelTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(dir_.isValid());
        course_ = dir_.path() + "/course";
        const QString lesson = course_ + "/01-traps";
        QDir().mkpath(lesson);
        writeFile(lesson + "/lesson.json", R"({
  "id": "01-traps", "title": "Traps, counted", "summary": "Boot a kernel deprivileged.",
  "level": "beginner", "minutes": 5, "prerequisites": [],
  "steps": [
    {"title": "Read first", "text": "01-read.md"},
    {"title": "Boot it", "text": "02-boot.md", "scenario": "boot"}
  ],
  "questions": [
    {"id": "cli_traps", "prompt": "How many times did cli trap?", "kind": "number", "answer_from": "cli_traps"},
    {"id": "ring", "prompt": "Which ring does the kernel run in?", "kind": "choice",
     "choices": ["ring 0", "ring 1", "ring 3"], "answer": "ring 1"}
  ]
})");
        writeFile(lesson + "/01-read.md", "# Privilege\n\nThe kernel runs **deprivileged** here.\n\n- one\n- two\n");
        writeFile(lesson + "/02-boot.md", "# Booting\n\nPress *Run scenario*.\n");
        writeFile(lesson + "/scenario.js", R"(
function boot() {
    show("vm");
    var run = lab.vm({mode: "trap"});
    expectEqual("the kernel powers off", run.state, "finished");
    expect("cli trapped", run.counters["traps.cli"] > 0, "traps.cli = " + run.counters["traps.cli"]);
    answer("cli_traps", run.counters["traps.cli"]);
    show("counters");
    highlight("traps.cli");
}
)");
        const QString broken = course_ + "/02-broken";
        QDir().mkpath(broken);
        writeFile(broken + "/lesson.json", R"({
  "id": "02-broken", "title": "A broken scenario", "summary": "Its script calls what does not exist.",
  "level": "beginner", "minutes": 1,
  "steps": [{"title": "Oops", "text": "01.md", "scenario": "oops"}]
})");
        writeFile(broken + "/01.md", "Nothing here.\n");
        writeFile(broken + "/scenario.js", "function oops() {\n    noSuchFunction();\n}\n");
        progress_ = dir_.path() + "/progress.json";
    }

    static void clickItem(QTreeWidget* tree, QTreeWidgetItem* item) {
        tree->scrollToItem(item);
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualItemRect(item).center());
    }

    static vl::lessons::ScenarioResult runAndWait(LessonsPanel* panel) {
        vl::lessons::ScenarioResult got;
        bool done = false;
        auto c = QObject::connect(panel, &LessonsPanel::scenarioFinished, [&](const vl::lessons::ScenarioResult& r) {
            got = r;
            done = true;
        });
        QTest::mouseClick(panel->runButton(), Qt::LeftButton);
        EXPECT_TRUE(panel->isRunning()) << "the scenario runs off the GUI thread";
        EXPECT_FALSE(panel->runButton()->isEnabled());
        EXPECT_TRUE(QTest::qWaitFor([&] { return done; }, 60000)) << "the scenario did not finish";
        QObject::disconnect(c);
        return got;
    }

    QTemporaryDir dir_;
    QString course_, progress_;
};

TEST_F(LessonsPanelTest, OpenAStepThroughRunTheScenarioAnswerAndFindTheProgressAgain) {
    qint64 cli_traps = 0;
    {
        vl::gui::MainWindow window(course_, progress_);
        window.show();
        LessonsPanel* panel = window.lessonsPanel();
        ASSERT_TRUE(panel->isVisible());
        QTreeWidget* outline = panel->outline();
        ASSERT_EQ(outline->topLevelItemCount(), 2);
        QTreeWidgetItem* lesson = outline->topLevelItem(0);
        EXPECT_EQ(lesson->text(0), "Traps, counted");
        EXPECT_EQ(lesson->text(1), "0/2");
        ASSERT_EQ(lesson->childCount(), 2);

        clickItem(outline, lesson);
        EXPECT_EQ(panel->lessonId(), "01-traps");
        EXPECT_EQ(panel->stepIndex(), 0);
        // Markdown rendered, not shown as source: no '#' or '**', a real heading and a list.
        const QString text = panel->stepView()->toPlainText();
        EXPECT_TRUE(text.contains("Privilege")) << text.toStdString();
        EXPECT_TRUE(text.contains("deprivileged"));
        EXPECT_FALSE(text.contains("#")) << text.toStdString();
        EXPECT_FALSE(text.contains("**")) << text.toStdString();
        EXPECT_GT(panel->stepView()->document()->firstBlock().blockFormat().headingLevel(), 0);
        EXPECT_FALSE(panel->runButton()->isEnabled()) << "a reading step has no scenario";
        EXPECT_FALSE(panel->backButton()->isEnabled());

        QTest::mouseClick(panel->nextButton(), Qt::LeftButton);
        EXPECT_EQ(panel->stepIndex(), 1);
        EXPECT_TRUE(panel->stepTitle()->text().contains("Step 2 of 2"));
        EXPECT_TRUE(vl::lessons::Progress(progress_).stepDone("01-traps", 0)) << "reading step 1 was saved as done";
        EXPECT_FALSE(panel->nextButton()->isEnabled()) << "the last step";
        ASSERT_TRUE(panel->runButton()->isEnabled());

        QSignalSpy pane_ran(window.trapPane(), &vl::gui::WorldPane::runFinished);
        const auto result = runAndWait(panel);
        ASSERT_TRUE(result.passed()) << result.error.toStdString();
        ASSERT_EQ(panel->checksView()->topLevelItemCount(), 3);  // two checks and the highlight
        EXPECT_EQ(panel->checksView()->topLevelItem(0)->text(1), "passed");
        EXPECT_EQ(panel->checksView()->topLevelItem(1)->text(1), "passed");
        EXPECT_TRUE(panel->statusLabel()->text().startsWith("All 2 checks passed")) << panel->statusLabel()->text().toStdString();
        EXPECT_TRUE(vl::lessons::Progress(progress_).stepDone("01-traps", 1));
        EXPECT_EQ(lesson->text(1), "2/2");
        cli_traps = result.answers.value("cli_traps").toInteger();
        EXPECT_GT(cli_traps, 0);

        // The hints arranged the window: the VM pane came forward, ran, and shows traps.cli.
        EXPECT_EQ(window.activePane(), window.trapPane());
        ASSERT_TRUE(pane_ran.count() > 0 || pane_ran.wait(30000));
        QTest::qWait(50);
        auto* pane = window.trapPane();
        EXPECT_EQ(pane->viewTabs()->currentWidget(), pane->countersTable());
        ASSERT_GE(pane->countersTable()->currentRow(), 0);
        EXPECT_EQ(pane->countersTable()->item(pane->countersTable()->currentRow(), 0)->text(), "traps.cli");

        // Questions, answered in place: a wrong number first, then the live count.
        auto* number = qobject_cast<QLineEdit*>(panel->answerInput("cli_traps"));
        ASSERT_NE(number, nullptr);
        number->clear();
        QTest::keyClicks(number, "1");
        QTest::mouseClick(panel->checkButton("cli_traps"), Qt::LeftButton);
        EXPECT_TRUE(panel->answerVerdict("cli_traps")->text().startsWith("Not right")) << panel->answerVerdict("cli_traps")->text().toStdString();
        number->clear();
        QTest::keyClicks(number, QString::number(cli_traps));
        QTest::keyClick(number, Qt::Key_Return);
        EXPECT_EQ(panel->answerVerdict("cli_traps")->text(), "Right.");

        auto* choice = qobject_cast<QComboBox*>(panel->answerInput("ring"));
        ASSERT_NE(choice, nullptr);
        QTest::mouseClick(panel->checkButton("ring"), Qt::LeftButton);
        EXPECT_EQ(panel->answerVerdict("ring")->text(), "Choose an answer first.");
        choice->setCurrentIndex(choice->findText("ring 1"));
        QTest::mouseClick(panel->checkButton("ring"), Qt::LeftButton);
        EXPECT_EQ(panel->answerVerdict("ring")->text(), "Right.");

        const vl::lessons::Progress saved(progress_);
        EXPECT_EQ(saved.answers("01-traps").value("cli_traps").toInteger(), cli_traps);
        EXPECT_EQ(saved.answers("01-traps").value("ring").toString(), "ring 1");
        EXPECT_TRUE(saved.passed("01-traps"));
        EXPECT_EQ(lesson->text(1), "passed");
    }
    // A new session: the lesson is open where it was, with its progress and answers.
    vl::gui::MainWindow window(course_, progress_);
    window.show();
    LessonsPanel* panel = window.lessonsPanel();
    EXPECT_EQ(panel->lessonId(), "01-traps");
    EXPECT_EQ(panel->stepIndex(), 1);
    EXPECT_EQ(panel->outline()->topLevelItem(0)->text(1), "passed");
    EXPECT_EQ(panel->outline()->topLevelItem(0)->child(0)->text(1), "done");
    auto* number = qobject_cast<QLineEdit*>(panel->answerInput("cli_traps"));
    ASSERT_NE(number, nullptr);
    EXPECT_EQ(number->text(), QString::number(cli_traps));
    EXPECT_EQ(qobject_cast<QComboBox*>(panel->answerInput("ring"))->currentText(), "ring 1");
}

TEST_F(LessonsPanelTest, ABrokenScenarioIsAReadableMessageWithFileAndLine) {
    LessonsPanel panel(course_, progress_);
    panel.show();
    ASSERT_TRUE(panel.openLesson("02-broken"));
    const auto result = runAndWait(&panel);
    EXPECT_TRUE(result.broken());
    const QString status = panel.statusLabel()->text();
    EXPECT_TRUE(status.startsWith("The scenario is broken:")) << status.toStdString();
    EXPECT_TRUE(status.contains("scenario.js:2")) << status.toStdString();
    EXPECT_FALSE(vl::lessons::Progress(progress_).stepDone("02-broken", 0)) << "a broken step is not done";
    EXPECT_TRUE(panel.runButton()->isEnabled()) << "the student can try again";
}

TEST_F(LessonsPanelTest, AnUnreadableProgressFileIsReportedAndNeverOverwritten) {
    writeFile(progress_, "{ not json");
    LessonsPanel panel(course_, progress_);
    EXPECT_TRUE(panel.statusLabel()->text().contains("Progress is not saved")) << panel.statusLabel()->text().toStdString();
    ASSERT_TRUE(panel.openLesson("01-traps"));
    QTest::mouseClick(panel.nextButton(), Qt::LeftButton);
    QFile file(progress_);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    EXPECT_EQ(file.readAll(), "{ not json");
}

TEST(LessonsPanel, TheRealCourseLoadsIntoTheOutline) {
    QTemporaryDir dir;
    LessonsPanel panel({}, dir.path() + "/progress.json");
    EXPECT_GE(panel.outline()->topLevelItemCount(), 5);
    for (int i = 0; i < panel.outline()->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = panel.outline()->topLevelItem(i);
        EXPECT_NE(item->text(1), "broken") << item->text(0).toStdString() << ": " << item->toolTip(0).toStdString();
        EXPECT_GT(item->childCount(), 0) << item->text(0).toStdString();
    }
}

// A step scrolled to its end, then the next one: the new step opens at its heading.
TEST(LessonsPanel, ANewStepOpensAtItsHeading) {
    QTemporaryDir dir;
    LessonsPanel panel({}, dir.path() + "/progress.json");
    panel.resize(320, 480);
    panel.show();
    ASSERT_TRUE(panel.openLesson("04-trap-and-emulate"));
    QTest::qWait(10);  // laid out
    QScrollBar* bar = panel.stepView()->verticalScrollBar();
    ASSERT_GT(bar->maximum(), 0) << "the step's text must not fit, or nothing is tested";
    bar->setValue(bar->maximum());
    panel.openStep(1);
    QTest::qWait(10);
    EXPECT_EQ(panel.stepView()->verticalScrollBar()->value(), 0);
    EXPECT_EQ(panel.stepView()->textCursor().position(), 0);
}

}  // namespace
