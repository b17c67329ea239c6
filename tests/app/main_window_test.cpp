// Drives the window as a person would: press Run in each pane and read what appears.
#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QImage>
#include <QSet>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <algorithm>

#include "app/gui/containers_pane.h"
#include "app/gui/cost_model_editor.h"
#include "app/gui/emulation_pane.h"
#include "app/gui/lessons_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/paravirt_pane.h"
#include "app/gui/tour_view.h"
#include "app/gui/trap_pane.h"
#include "tests/support/cli_runner.h"
#include "tests/app/pane_test_support.h"

namespace {

using vl::gui::WorldPane;

// Clicks Run and waits (processing events, so the window stays live) for the run to finish.
void clickRunAndWait(WorldPane* pane, int timeout_ms = 60000) {
    QSignalSpy finished(pane, &WorldPane::runFinished);
    QTest::mouseClick(pane->runButton(), Qt::LeftButton);
    EXPECT_FALSE(pane->runButton()->isEnabled()) << "Run stays pressed while the engine works";
    ASSERT_TRUE(finished.wait(timeout_ms)) << "the run did not finish";
    EXPECT_TRUE(pane->runButton()->isEnabled());
}

using vl::test::tableValue;

TEST(MainWindow, ShowsTheWorldsSideBySide) {
    vl::gui::MainWindow window;
    window.resize(1900, 1000);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    EXPECT_TRUE(window.emulationPane()->isVisible());
    EXPECT_TRUE(window.trapPane()->isVisible());
    EXPECT_TRUE(window.containersPane()->isVisible());
    // Side by side: left to right in the window.
    EXPECT_LT(window.emulationPane()->x(), window.trapPane()->x());
    EXPECT_LT(window.trapPane()->x(), window.paravirtPane()->x());
    EXPECT_LT(window.paravirtPane()->x(), window.containersPane()->x());
}

TEST(MainWindow, EmulationPaneRunsTheTourProgram) {
    vl::gui::MainWindow window;
    window.show();
    auto* pane = window.emulationPane();
    ASSERT_GE(pane->programBox()->findText("tour/tour-i386"), 0);
    pane->programBox()->setCurrentIndex(pane->programBox()->findText("tour/tour-i386"));
    clickRunAndWait(pane);
    EXPECT_TRUE(pane->outputView()->toPlainText().contains("primes below 20000: 2262"))
        << pane->outputView()->toPlainText().toStdString();
    EXPECT_TRUE(pane->statusLabel()->text().contains("exit code 0")) << pane->statusLabel()->text().toStdString();
    EXPECT_GT(tableValue(pane->countersTable(), "guest_instructions").remove(',').toULongLong(), 100000u);
    EXPECT_FALSE(tableValue(pane->stateTable(), "eip").isEmpty());
}

TEST(MainWindow, EmulationPaneShowsTheArmCpuFailingOnX86Bytes) {
    vl::gui::MainWindow window;
    window.show();
    auto* pane = window.emulationPane();
    pane->programBox()->setCurrentIndex(pane->programBox()->findText("tour/tour-i386"));
    pane->engineBox()->setCurrentIndex(pane->engineBox()->findData("arm-direct"));
    clickRunAndWait(pane);
    EXPECT_TRUE(pane->statusLabel()->text().startsWith("failed")) << pane->statusLabel()->text().toStdString();
    EXPECT_TRUE(pane->outputView()->toPlainText().contains("what the ARM64 CPU decoded"));
}

TEST(MainWindow, TrapPaneBootsTheGuestKernelAndCountsTraps) {
    vl::gui::MainWindow window;
    window.show();
    auto* pane = window.trapPane();
    clickRunAndWait(pane);
    EXPECT_TRUE(pane->statusLabel()->text().contains("finished")) << pane->statusLabel()->text().toStdString();
    EXPECT_FALSE(pane->outputView()->toPlainText().isEmpty());
    EXPECT_GT(tableValue(pane->countersTable(), "traps.out").remove(',').toULongLong(), 100u);
    EXPECT_GT(tableValue(pane->countersTable(), "traps.cli").remove(',').toULongLong(), 0u);
}

TEST(MainWindow, ContainersPaneRunsARealContainer) {
    if (geteuid() != 0) GTEST_SKIP() << "containers need root";
    vl::gui::MainWindow window;
    window.show();
    auto* pane = window.containersPane();
    pane->commandEdit()->setText("echo \"pid=$$\"; hostname");
    pane->hostnameEdit()->setText("guitest");
    clickRunAndWait(pane);
    const QString out = pane->outputView()->toPlainText();
    EXPECT_TRUE(out.contains("pid=1")) << out.toStdString();
    EXPECT_TRUE(out.contains("guitest")) << out.toStdString();
    EXPECT_TRUE(pane->statusLabel()->text().contains("exit code 0")) << pane->statusLabel()->text().toStdString();
}

TEST(MainWindow, ABadContainerCommandIsReportedInThePaneNotAsACrash) {
    vl::gui::MainWindow window;
    window.show();
    auto* pane = window.containersPane();
    pane->commandEdit()->setText("   ");
    QTest::mouseClick(pane->runButton(), Qt::LeftButton);
    EXPECT_TRUE(pane->runButton()->isEnabled());
    EXPECT_TRUE(pane->statusLabel()->text().contains("empty")) << pane->statusLabel()->text().toStdString();
}

}  // namespace

namespace {

// The GUI's tour must show what the headless `virtlab tour --json` reports: the deterministic
// counts are equal (wall times differ, since the GUI runs the worlds at once). Then a student
// edits the cost model beside the table and the modeled cycles follow, from the same counts.
TEST(MainWindow, TheTourTableAgreesWithTheHeadlessTourAndFollowsTheCostModel) {
    vl::gui::MainWindow window;
    window.show();
    auto* view = window.tourView();
    QSignalSpy finished(view, &vl::gui::TourView::tourFinished);
    QTest::mouseClick(view->runButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(120000));

    auto headless = vl::test::runVirtlab({"tour", "--json"}, 300);
    ASSERT_EQ(headless.exit_status, 0) << headless.err;
    const QJsonArray runs = QJsonDocument::fromJson(QByteArray::fromStdString(headless.out))["runs"].toArray();
    ASSERT_EQ(runs.size(), view->table()->columnCount());
    auto cell = [&](const char* key, int col) { return view->table()->item(view->rowOf(key), col)->text(); };
    auto number = [](qint64 n) { return QLocale::c().toString(n); };
    int compared = 0;
    for (int col = 0; col < runs.size(); ++col) {
        const QJsonObject run = runs[col].toObject();
        if (run.contains("skipped")) continue;
        EXPECT_EQ(view->table()->item(0, col)->text(), QString("exit %1").arg(run["exit_code"].toInt()));
        for (const char* key : {"guest_instructions", "vmm_entries", "syscalls", "modeled_cycles"}) {
            if (cell(key, col) == "-") continue;  // this world has no such count
            EXPECT_EQ(cell(key, col).toStdString(), number(run[key].toInteger()).toStdString())
                << key << " in " << run["world"].toString().toStdString();
            ++compared;
        }
    }
    EXPECT_GE(compared, 6);

    // Every parameter shows where its default comes from.
    vl::gui::CostModelEditor* cost = view->costEditor();
    for (int r = 0; r < cost->rowCount(); ++r) {
        EXPECT_FALSE(cost->item(r, 2)->text().isEmpty()) << cost->item(r, 0)->text().toStdString();
        EXPECT_EQ(cost->item(r, 1)->toolTip().left(20), cost->item(r, 2)->text().left(20));
    }
    // Edit the trap round trip as a user does: open the cell's editor, type 4000, Enter.
    const int row = cost->rowOf("trap_round_trip_cycles");
    ASSERT_GE(row, 0);
    cost->editItem(cost->item(row, 1));
    auto* editor = cost->findChild<QLineEdit*>();
    ASSERT_NE(editor, nullptr) << "the cell opened no editor";
    editor->selectAll();
    QTest::keyClicks(editor, "4000");
    EXPECT_EQ(editor->text(), "4000") << "what was typed";
    // What Enter does through the delegate (a Return key sent offscreen does not reach the
    // delegate's filter when the dock is not the active window).
    emit cost->itemDelegate()->commitData(editor);
    EXPECT_EQ(cost->item(row, 1)->text(), "4000");
    EXPECT_EQ(cost->costModel().trap_round_trip_cycles, 4000u);
    for (int col = 0; col < runs.size(); ++col) {
        const QJsonObject run = runs[col].toObject();
        const qint64 instructions = run["guest_instructions"].toInteger(), entries = run["vmm_entries"].toInteger();
        if (run["mode"] == "trap") {  // 1 cycle per instruction + 4,000 per trap round trip
            EXPECT_EQ(cell("modeled_cycles", col), number(instructions + entries * 4000));
        }
        if (run["mode"] == "hw") {  // VM exits have their own parameter: unchanged
            EXPECT_EQ(cell("modeled_cycles", col), number(run["modeled_cycles"].toInteger()));
        }
    }
    // Not a number: refused, the old value stays.
    const uint64_t exit_cycles = cost->costModel().vm_exit_cycles;
    cost->item(cost->rowOf("vm_exit_cycles"), 1)->setText("lots");
    EXPECT_EQ(cost->costModel().vm_exit_cycles, exit_cycles);
    EXPECT_EQ(cost->item(cost->rowOf("vm_exit_cycles"), 1)->text(), QString::number(exit_cycles));
}

}  // namespace

namespace {

// A guest that never ends, so Pause has something to stop:  loop: inc eax / jmp loop
std::string endlessGuest() { return vl::test::writeTempFile("endless.asm", "bits 32\norg 0x00400000\nloop: inc eax\n jmp loop\n"); }

void chooseProgram(vl::gui::EmulationPane* pane, const std::string& path) {
    auto* box = pane->programBox();
    box->addItem(QString::fromStdString(path), QString::fromStdString(path));
    box->setCurrentIndex(box->count() - 1);
}

TEST(MainWindow, StepExecutesOneGuestInstructionAtATimeAndRunContinues) {
    vl::gui::MainWindow window;
    window.show();
    auto* pane = window.emulationPane();
    chooseProgram(pane, VIRTLAB_BUILD_DIR "/assets/programs/hello.bin");
    QSignalSpy finished(pane, &WorldPane::runFinished);
    QTest::mouseClick(pane->stepButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(30000));
    EXPECT_EQ(tableValue(pane->countersTable(), "guest_instructions"), "1");
    const QString eip_after_one = tableValue(pane->stateTable(), "eip");
    QTest::mouseClick(pane->stepButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(30000));
    EXPECT_EQ(tableValue(pane->countersTable(), "guest_instructions"), "2");
    EXPECT_NE(tableValue(pane->stateTable(), "eip"), eip_after_one) << "the second step moved eip on";
    EXPECT_TRUE(pane->statusLabel()->text().startsWith("paused"));

    clickRunAndWait(pane);  // continues the same run to its end
    EXPECT_TRUE(pane->statusLabel()->text().contains("exit code 0"));
    EXPECT_TRUE(pane->outputView()->toPlainText().contains("Hello from x86"));
}

TEST(MainWindow, PauseStopsAnEndlessGuestAndResetForgetsIt) {
    vl::gui::MainWindow window;
    window.show();
    auto* pane = window.emulationPane();
    chooseProgram(pane, endlessGuest());
    QSignalSpy finished(pane, &WorldPane::runFinished);
    QTest::mouseClick(pane->runButton(), Qt::LeftButton);
    EXPECT_TRUE(pane->pauseButton()->isEnabled());
    QTest::qWait(200);
    QTest::mouseClick(pane->pauseButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(10000)) << "pause did not stop the run";
    EXPECT_TRUE(pane->statusLabel()->text().startsWith("paused")) << pane->statusLabel()->text().toStdString();
    EXPECT_GT(tableValue(pane->countersTable(), "guest_instructions").remove(',').toULongLong(), 1000u);

    QTest::mouseClick(pane->resetButton(), Qt::LeftButton);
    EXPECT_EQ(pane->countersTable()->rowCount(), 0);
    EXPECT_EQ(pane->statusLabel()->text(), "Ready.");
    QTest::mouseClick(pane->stepButton(), Qt::LeftButton);  // a fresh run from the first instruction
    ASSERT_TRUE(finished.wait(30000));
    EXPECT_EQ(tableValue(pane->countersTable(), "guest_instructions"), "1");
}

TEST(MainWindow, SlowSpeedAnimatesTheRunInSlices) {
    vl::gui::MainWindow window;
    window.show();
    auto* pane = window.trapPane();
    pane->speedBox()->setCurrentIndex(pane->speedBox()->findData(QVariant::fromValue<qulonglong>(1000)));
    QSignalSpy finished(pane, &WorldPane::runFinished);
    QTest::mouseClick(pane->runButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_EQ(tableValue(pane->countersTable(), "guest_instructions"), "1000") << "one slice of 1,000";
    ASSERT_TRUE(finished.wait(10000));  // the next slice comes by itself
    EXPECT_EQ(tableValue(pane->countersTable(), "guest_instructions"), "2000");
    QTest::mouseClick(pane->pauseButton(), Qt::LeftButton);
    EXPECT_FALSE(finished.wait(500)) << "no slice after Pause";
    EXPECT_TRUE(pane->runButton()->isEnabled());
}

TEST(MainWindow, DebuggerShortcutsActOnThePaneInUse) {
    vl::gui::MainWindow window;
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&window));
    // A person clicks into the pane they want (here its output view), then presses F10.
    QTest::mouseClick(window.trapPane()->outputView()->viewport(), Qt::LeftButton);
    ASSERT_EQ(window.activePane(), window.trapPane())
        << "focus is on " << (QApplication::focusWidget() ? QApplication::focusWidget()->metaObject()->className() : "nothing");
    QSignalSpy finished(window.trapPane(), &WorldPane::runFinished);
    QTest::keyClick(&window, Qt::Key_F10);
    ASSERT_TRUE(finished.wait(30000)) << "F10 stepped the trap pane";
    EXPECT_EQ(tableValue(window.trapPane()->countersTable(), "guest_instructions"), "1");
    EXPECT_EQ(window.emulationPane()->countersTable()->rowCount(), 0) << "the other panes did nothing";
}

TEST(MainWindow, PresentationModeEnlargesTheTextAndComesBack) {
    vl::gui::MainWindow window;
    window.show();
    const qreal normal = QApplication::font().pointSizeF();
    window.setPresentationMode(true);
    EXPECT_GT(QApplication::font().pointSizeF(), normal * 1.5);
    EXPECT_EQ(QApplication::palette().color(QPalette::Base), QColor(Qt::white));
    window.setPresentationMode(false);
    EXPECT_EQ(QApplication::font().pointSizeF(), normal);
}

TEST(MainWindow, TheRunTraceAndAPaneScreenshotCanBeExported) {
    vl::gui::MainWindow window;
    window.show();
    auto* pane = window.trapPane();
    clickRunAndWait(pane);
    const QJsonObject trace = pane->traceJson();
    EXPECT_EQ(trace["state"].toString(), "finished");
    EXPECT_GT(trace["counters"].toObject()["traps.out"].toInteger(), 100);
    EXPECT_FALSE(trace["events"].toArray().isEmpty());
    EXPECT_TRUE(trace["console"].toString().contains("VirtLab guest kernel"));

    const QImage shot = pane->grab().toImage();
    ASSERT_FALSE(shot.isNull());
    QSet<QRgb> colours;
    for (int y = 0; y < shot.height(); y += 3)
        for (int x = 0; x < shot.width(); x += 3) colours.insert(shot.pixel(x, y));
    EXPECT_GT(colours.size(), 10) << "a drawn pane, not a blank image";
}

// Issue 7: a lesson step's own run appears in its world's pane -- the scenario's guest, mode
// and numbers, not a default run the pane makes of its own -- and agrees with the headless
// `virtlab lesson run`.
TEST(MainWindow, ALessonStepShowsTheScenariosOwnRunInTheTrapPane) {
    QTemporaryDir dir;
    vl::gui::MainWindow window({}, dir.path() + "/progress.json");
    window.show();
    vl::gui::LessonsPanel* panel = window.lessonsPanel();
    ASSERT_TRUE(panel->openLesson("04-trap-and-emulate"));
    panel->openStep(1);  // "Every privileged instruction traps": lab.vm({mode: "trap"})
    auto* pane = window.trapPane();
    // The pane set to something else first, so the lesson's settings must replace it.
    pane->monitorBox()->setCurrentIndex(pane->monitorBox()->findData("bt"));
    window.setActivePane(window.emulationPane());

    vl::lessons::ScenarioResult result;
    bool done = false;
    QObject::connect(panel, &vl::gui::LessonsPanel::scenarioFinished, &window,
                     [&](const vl::lessons::ScenarioResult& r) {
                         result = r;
                         done = true;
                     });
    QSignalSpy pane_shown(pane, &WorldPane::runFinished);
    QTest::mouseClick(panel->runButton(), Qt::LeftButton);
    ASSERT_TRUE(QTest::qWaitFor([&] { return done; }, 60000)) << "the scenario did not finish";
    ASSERT_TRUE(result.passed()) << result.error.toStdString();
    ASSERT_EQ(result.world_runs.size(), 1u);

    EXPECT_EQ(pane_shown.count(), 1);
    EXPECT_FALSE(pane->isRunning()) << "the pane shows the scenario's run; it does not start one of its own";
    EXPECT_EQ(window.activePane(), pane) << "the pane that shows the run came forward";
    EXPECT_EQ(pane->guestBox()->currentText(), "guest/kernel.bin");
    EXPECT_EQ(pane->monitorBox()->currentData().toString(), "trap");
    EXPECT_TRUE(pane->statusLabel()->text().contains("Lesson 04-trap-and-emulate, step 2: lab.vm"))
        << pane->statusLabel()->text().toStdString();
    EXPECT_TRUE(pane->outputView()->toPlainText().contains("VirtLab guest kernel"));

    // The same numbers as the headless lesson run of that step, and as the question's answer.
    const auto cli = vl::test::runVirtlab({"lesson", "run", "04-trap-and-emulate", "--json"});
    ASSERT_EQ(cli.exit_status, 0) << cli.err;
    QJsonObject headless;
    const QJsonObject lesson = QJsonDocument::fromJson(QByteArray::fromStdString(cli.out))["lessons"][0].toObject();
    for (const auto& value : lesson["runs"].toArray())
        if (const QJsonObject run = value.toObject(); run["step"].toInt() == 1) headless = run["counters"].toObject();
    ASSERT_FALSE(headless.isEmpty()) << cli.out;
    for (const char* name : {"guest_instructions", "vmm_entries", "traps", "traps.cli", "traps.sti", "traps.in",
                             "traps.out", "modeled_cycles"})
        EXPECT_EQ(tableValue(pane->countersTable(), name).remove(',').toLongLong(), headless[name].toInteger()) << name;
    EXPECT_EQ(tableValue(pane->countersTable(), "traps.cli").remove(',').toLongLong(),
              result.answers.value("cli_traps").toInteger());
    bool cli_row = false;
    for (int r = 0; r < pane->reasonsTable()->rowCount(); ++r)
        if (pane->reasonsTable()->item(r, 0)->text() == "cli")
            cli_row = pane->reasonsTable()->item(r, 1)->text().remove(',').toLongLong() == headless["traps.cli"].toInteger();
    EXPECT_TRUE(cli_row) << "the By reason table shows the lesson's cli traps";
    // The hint highlight("traps.cli") marks the row of the lesson's run.
    ASSERT_GE(pane->countersTable()->currentRow(), 0);
    EXPECT_EQ(pane->countersTable()->item(pane->countersTable()->currentRow(), 0)->text(), "traps.cli");

    // Its settings are loaded: Run repeats the very run (the monitor is deterministic).
    QTest::mouseClick(pane->resetButton(), Qt::LeftButton);
    clickRunAndWait(pane);
    EXPECT_EQ(tableValue(pane->countersTable(), "traps.cli").remove(',').toLongLong(), headless["traps.cli"].toInteger());
}

}  // namespace
