// Issue 7: a lesson step's lab.emulate and lab.translate runs appear in the Emulation pane with
// their settings in its controls -- program and CPU, or the lesson's own NASM snippet -- its
// counters equal to the headless `virtlab lesson run`'s, and, for the translator, the blocks it
// translated in the Translation and Cache views. Run then repeats the very run.
#include <gtest/gtest.h>

#include <cstdlib>

#include <QApplication>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "app/gui/emulation_pane.h"
#include "app/gui/lessons_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/translation_cache_view.h"
#include "app/gui/translation_listing.h"
#include "app/gui/trap_pane.h"
#include "tests/support/cli_runner.h"
#include "tests/app/pane_test_support.h"

namespace {

using vl::gui::EmulationPane;
using vl::gui::WorldPane;

using vl::test::tableValue;



// The counters of the headless lesson run's last run at `step`.
QJsonObject headlessCounters(const char* lesson, int step) {
    const auto cli = vl::test::runVirtlab({"lesson", "run", lesson, "--json"});
    EXPECT_EQ(cli.exit_status, 0) << cli.err;
    QJsonObject counters;
    const QJsonObject run = QJsonDocument::fromJson(QByteArray::fromStdString(cli.out))["lessons"][0].toObject();
    for (const auto& value : run["runs"].toArray())
        if (const QJsonObject r = value.toObject(); r["step"].toInt() == step) counters = r["counters"].toObject();
    EXPECT_FALSE(counters.isEmpty()) << cli.out;
    return counters;
}

void expectCountersEqual(WorldPane* pane, const QJsonObject& headless) {
    for (auto it = headless.begin(); it != headless.end(); ++it)
        EXPECT_EQ(vl::test::paneCounter(pane, it.key()), it.value().toInteger()) << it.key().toStdString();
}

void clickRunAndWait(WorldPane* pane) {
    QSignalSpy finished(pane, &WorldPane::runFinished);
    QTest::mouseClick(pane->runButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(60000)) << "the run did not finish";
}

TEST(LessonRuns, ALessonsEmulateRunLoadsItsProgramAndCpuIntoTheEmulationPane) {
    QTemporaryDir dir;
    vl::gui::MainWindow window({}, dir.path() + "/progress.json");
    window.show();
    EmulationPane* pane = window.emulationPane();
    // Set to something else first, so the lesson's settings must replace it.
    pane->engineBox()->setCurrentIndex(pane->engineBox()->findData("dbt"));
    ASSERT_TRUE(pane->programBox()->findText("programs/syscalls.elf") >= 0);
    pane->programBox()->setCurrentIndex(pane->programBox()->findText("programs/syscalls.elf"));
    window.setActivePane(window.trapPane());

    // Lesson 02, step 3: lab.emulate({program: "tour/tour-i386", engine: "unicorn"}).
    const vl::lessons::ScenarioResult result = vl::test::runLessonStep(window, "02-x86-on-arm", 2);
    ASSERT_TRUE(result.passed()) << result.error.toStdString();
    ASSERT_EQ(result.world_runs.size(), 1u);
    EXPECT_EQ(window.activePane(), pane);
    EXPECT_FALSE(pane->isRunning()) << "the pane shows the scenario's run; it does not start one of its own";
    EXPECT_EQ(pane->programBox()->currentText(), "tour/tour-i386");
    EXPECT_EQ(pane->engineBox()->currentData().toString(), "unicorn");
    EXPECT_TRUE(pane->statusLabel()->text().contains("Lesson 02-x86-on-arm, step 3: lab.emulate"))
        << pane->statusLabel()->text().toStdString();
    EXPECT_TRUE(pane->statusLabel()->text().contains("Run repeats it")) << pane->statusLabel()->text().toStdString();
    EXPECT_TRUE(pane->outputView()->toPlainText().contains("primes below 20000: 2262"));

    const QJsonObject headless = headlessCounters("02-x86-on-arm", 2);
    expectCountersEqual(pane, headless);
    EXPECT_EQ(vl::test::paneCounter(pane, "guest_instructions"), static_cast<qint64>(result.world_runs[0].counters.at("guest_instructions")));

    // Run repeats it: the same program on the same CPU counts the same instructions.
    QTest::mouseClick(pane->resetButton(), Qt::LeftButton);
    clickRunAndWait(pane);
    EXPECT_EQ(vl::test::paneCounter(pane, "guest_instructions"), headless["guest_instructions"].toInteger());
    EXPECT_FALSE(pane->statusLabel()->text().contains("Lesson")) << "the pane's own run now";
}

TEST(LessonRuns, ALessonsTranslateRunShowsItsSnippetsTranslationsInTheEmulationPane) {
    QTemporaryDir dir;
    vl::gui::MainWindow window({}, dir.path() + "/progress.json");
    window.show();
    EmulationPane* pane = window.emulationPane();
    pane->engineBox()->setCurrentIndex(pane->engineBox()->findData("unicorn"));

    // Lesson 03, step 1: lab.translate({source: ADD_THEN_SUB}), a snippet that exits with 40.
    QSignalSpy translated(pane, &EmulationPane::lessonTranslationShown);
    const vl::lessons::ScenarioResult result = vl::test::runLessonStep(window, "03-dynamic-translation", 0);
    ASSERT_TRUE(result.passed()) << result.error.toStdString();
    ASSERT_EQ(result.world_runs.size(), 1u);
    EXPECT_EQ(pane->engineBox()->currentData().toString(), "dbt");
    EXPECT_EQ(pane->programBox()->currentText(), "the lesson's snippet");
    EXPECT_TRUE(pane->statusLabel()->text().contains("step 1: lab.translate")) << pane->statusLabel()->text().toStdString();
    EXPECT_TRUE(pane->statusLabel()->text().contains("exit code 40")) << pane->statusLabel()->text().toStdString();
    const QJsonObject headless = headlessCounters("03-dynamic-translation", 0);
    expectCountersEqual(pane, headless);

    // The translation views show the snippet's blocks once the pane has translated it again.
    ASSERT_TRUE(translated.count() > 0 || translated.wait(30000)) << "the lesson's translations were not shown";
    EXPECT_FALSE(pane->readingLessonTranslation());
    ASSERT_TRUE(pane->inspection().valid);
    EXPECT_EQ(pane->cacheView()->table()->rowCount(), headless["blocks_translated"].toInteger());
    bool add_listed = false;
    for (const auto& block : pane->inspection().blocks)
        for (const auto& pair : block->pairs) add_listed = add_listed || pair.x86 == "add eax, ebx";
    EXPECT_TRUE(add_listed) << "the snippet's add eax, ebx is among the translated instructions";
    ASSERT_NE(pane->translationListing()->block(), nullptr);
    EXPECT_GT(pane->translationListing()->table()->rowCount(), 0);
    // The step's highlight("add eax, ebx") points at that instruction in the listing, which is
    // brought forward with it (before, it found no row and the status bar named it instead).
    const int marked = pane->translationListing()->markedRow();
    ASSERT_GE(marked, 0) << window.statusBar()->currentMessage().toStdString();
    EXPECT_TRUE(pane->translationListing()->table()->item(marked, 0)->text().endsWith("add eax, ebx"));
    EXPECT_EQ(pane->viewTabs()->currentWidget(), pane->translationListing());
    EXPECT_FALSE(window.statusBar()->currentMessage().contains("add eax, ebx"));
    // A picture of it (VIRTLAB_PANE_SHOTS, as the other pane tests).
    if (const char* shots = std::getenv("VIRTLAB_PANE_SHOTS")) {
        pane->showView("translation");
        window.bringForward(pane);
        QApplication::processEvents();
        EXPECT_TRUE(pane->grab().save(QString::fromLocal8Bit(shots) + "/emulation-lesson-translation.png"));
    }

    // Its settings are loaded: Reset and Run translate the snippet again and exit with 40.
    QTest::mouseClick(pane->resetButton(), Qt::LeftButton);
    clickRunAndWait(pane);
    EXPECT_TRUE(pane->statusLabel()->text().contains("exit code 40")) << pane->statusLabel()->text().toStdString();
    EXPECT_EQ(vl::test::paneCounter(pane, "guest_instructions"), headless["guest_instructions"].toInteger());
    EXPECT_EQ(pane->cacheView()->table()->rowCount(), headless["blocks_translated"].toInteger());
}

}  // namespace
