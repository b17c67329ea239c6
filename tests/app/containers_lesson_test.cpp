// Issue 7: a lesson step's lab.container run appears in the Containers pane with its command
// and limits in the run box, the numbers its checks saw, its output in the Terminal -- and the
// Events view lists the runtime's events (phases, limits, OOM kills, exit), never output.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>

#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "app/gui/container_terminal.h"
#include "app/gui/containers_pane.h"
#include "app/gui/lessons_panel.h"
#include "app/gui/main_window.h"
#include "tests/support/cli_runner.h"
#include "tests/app/pane_test_support.h"

namespace {

using vl::gui::ContainersPane;
using vl::gui::WorldPane;

using vl::test::tableValue;


QString eventsText(WorldPane* pane) { return pane->findChild<QPlainTextEdit*>("events")->toPlainText(); }


TEST(ContainersLesson, ALessonsContainerRunLoadsItsCommandAndLimitsAndListsOnlyRuntimeEvents) {
    if (::geteuid() != 0) GTEST_SKIP() << "lab.container needs root here";
    QTemporaryDir dir;
    vl::gui::MainWindow window({}, dir.path() + "/progress.json");
    window.show();
    ContainersPane* pane = window.containersPane();
    pane->cpusBox()->setValue(1.5);  // set to something else first: the lesson's settings replace it
    pane->networkBox()->setCurrentIndex(pane->networkBox()->findData("bridge"));

    // Lesson 11, step 1: lab.container({command: "echo hello", memory: "64m", pids: 16}).
    const vl::lessons::ScenarioResult result = vl::test::runLessonStep(window, "11-cgroups", 0);
    ASSERT_TRUE(result.passed()) << result.error.toStdString();
    ASSERT_EQ(result.world_runs.size(), 1u);
    const vl::lessons::WorldRun& run = result.world_runs[0];
    EXPECT_EQ(window.activePane(), pane);
    EXPECT_EQ(pane->commandEdit()->text(), "echo hello");
    EXPECT_EQ(pane->memoryBox()->value(), 64);
    EXPECT_EQ(pane->pidsBox()->value(), 16);
    EXPECT_EQ(pane->cpusBox()->value(), 0.0) << "no CPU limit in the lesson's call";
    EXPECT_EQ(pane->networkBox()->currentData().toString(), "none");
    EXPECT_TRUE(pane->statusLabel()->text().contains("Lesson 11-cgroups, step 1: lab.container"))
        << pane->statusLabel()->text().toStdString();
    EXPECT_TRUE(pane->statusLabel()->text().contains("Run repeats it")) << pane->statusLabel()->text().toStdString();

    // The numbers the checks saw, every one of them; the ones that do not vary from run to run
    // also equal the headless lesson run's.
    for (const auto& [name, value] : run.counters)
        EXPECT_EQ(vl::test::paneCounter(pane, QString::fromStdString(name)), static_cast<qint64>(value)) << name;
    const auto cli = vl::test::runVirtlab({"lesson", "run", "11-cgroups", "--json"});
    ASSERT_EQ(cli.exit_status, 0) << cli.err;
    QJsonObject headless;
    const QJsonObject lesson = QJsonDocument::fromJson(QByteArray::fromStdString(cli.out))["lessons"][0].toObject();
    for (const auto& value : lesson["runs"].toArray())
        if (const QJsonObject r = value.toObject(); r["step"].toInt() == 0) headless = r["counters"].toObject();
    ASSERT_FALSE(headless.isEmpty()) << cli.out;
    for (const char* name : {"exit_code", "cgroup.memory_limit_bytes", "cgroup.pids_max", "namespaces", "stdout_bytes"})
        EXPECT_EQ(vl::test::paneCounter(pane, name), headless[name].toInteger()) << name;

    // Output goes to the Terminal; the Events view has the runtime's story.
    EXPECT_TRUE(pane->terminal()->screen()->toPlainText().contains("hello")) << pane->terminal()->screen()->toPlainText().toStdString();
    const QString events = eventsText(pane);
    EXPECT_FALSE(events.contains("stdout:")) << events.toStdString();
    EXPECT_FALSE(events.contains("hello")) << events.toStdString();
    for (const char* line : {"phase: clone", "running: the command runs", "namespace: pid", "limit: memory 64 MiB",
                             "limit: 16 processes", "exit: exit code 0"})
        EXPECT_TRUE(events.contains(line)) << line << " not in\n" << events.toStdString();

    // Reset and Run: the pane's own container with the lesson's settings.
    QTest::mouseClick(pane->resetButton(), Qt::LeftButton);
    QSignalSpy finished(pane, &WorldPane::runFinished);
    QTest::mouseClick(pane->runButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(30000));
    EXPECT_TRUE(pane->outputView()->toPlainText().contains("hello")) << pane->statusLabel()->text().toStdString();
    for (const char* name : {"exit_code", "cgroup.memory_limit_bytes", "cgroup.pids_max"})
        EXPECT_EQ(vl::test::paneCounter(pane, name), headless[name].toInteger()) << name;
}

TEST(ContainersLesson, TheOomKillOfALessonsContainerIsAnEventInWords) {
    if (::geteuid() != 0) GTEST_SKIP() << "lab.container needs root here";
    QTemporaryDir dir;
    vl::gui::MainWindow window({}, dir.path() + "/progress.json");
    window.show();
    ContainersPane* pane = window.containersPane();
    // Lesson 11, step 2: lab.container({command: "x=a; while true; do x=$x$x; done", memory: "8m"}).
    const vl::lessons::ScenarioResult result = vl::test::runLessonStep(window, "11-cgroups", 1);
    ASSERT_TRUE(result.passed()) << result.error.toStdString();
    EXPECT_EQ(pane->commandEdit()->text(), "x=a; while true; do x=$x$x; done");
    EXPECT_EQ(pane->memoryBox()->value(), 8);
    EXPECT_EQ(pane->pidsBox()->value(), 0) << "no pids limit in the lesson's call";
    const QString events = eventsText(pane);
    EXPECT_TRUE(events.contains("OOM: 1 process(es) killed at the memory limit")) << events.toStdString();
    EXPECT_TRUE(events.contains("exit: exit code 137 = 128 + signal 9")) << events.toStdString();
    EXPECT_EQ(vl::test::paneCounter(pane, "exit_code"), 137);
    // A picture of it (VIRTLAB_PANE_SHOTS, as the other pane tests).
    if (const char* shots = std::getenv("VIRTLAB_PANE_SHOTS")) {
        pane->showView("events");
        QApplication::processEvents();
        EXPECT_TRUE(pane->grab().save(QString::fromLocal8Bit(shots) + "/containers-lesson-events.png"));
    }
}

// No container needed: a run as the runtime reports it, its output chunks among its events.
TEST(ContainersLesson, TheEventsViewLeavesOutputToTheTerminal) {
    ContainersPane pane;
    pane.show();
    vl::lessons::WorldRun run;
    run.call = "lab.container";
    run.options = {{"argv", QVariantList{"/bin/echo", "two words"}}, {"pids", 4}, {"cpus", 0.5}};
    run.world = "containers";
    run.state = vl::RunState::Finished;
    run.counters = {{"exit_code", 0}, {"stdout_bytes", 10}};
    run.snapshot.console = "two words\n";
    run.snapshot.registers = {{"id", "vl-test-events"}};
    uint64_t seq = 0;
    for (auto [kind, detail] : {std::pair{"phase", "clone 0.400 ms"}, {"running", "the command runs"},
                                {"stdout", "two "}, {"stdout", "words\n"}, {"stderr", "a warning\n"},
                                {"cgroup", "pids_limit_hits 3"}, {"cgroup", "pids_current 0"}, {"exit", "exit code 0"}})
    {
        ++seq;
        run.events.push_back(vl::Event{seq, seq * 1000, kind, detail});
    }
    ASSERT_TRUE(pane.showLessonRun(run, "Lesson 99, step 1"));

    EXPECT_EQ(pane.commandEdit()->text(), "/bin/echo 'two words'") << "argv as one shell line";
    EXPECT_EQ(pane.pidsBox()->value(), 4);
    EXPECT_DOUBLE_EQ(pane.cpusBox()->value(), 0.5);
    EXPECT_EQ(pane.memoryBox()->value(), 0);
    const QString screen = pane.terminal()->screen()->toPlainText();
    EXPECT_TRUE(screen.contains("two words\n")) << screen.toStdString();
    EXPECT_TRUE(screen.contains("a warning")) << screen.toStdString();
    const QString events = eventsText(&pane);
    EXPECT_FALSE(events.contains("words")) << events.toStdString();
    EXPECT_FALSE(events.contains("a warning")) << events.toStdString();
    EXPECT_TRUE(events.contains("phase: clone 0.400 ms")) << events.toStdString();
    EXPECT_TRUE(events.contains("limit hit: 3 fork()s refused")) << events.toStdString();
    EXPECT_TRUE(events.contains("cgroup: pids_current 0")) << events.toStdString();
    EXPECT_TRUE(events.contains("exit: exit code 0")) << events.toStdString();
    EXPECT_EQ(events.count('\n') + 1, 5) << "five runtime events, no output chunks:\n" << events.toStdString();
    // The exported trace keeps every event, output included.
    EXPECT_EQ(pane.traceJson()["events"].toArray().size(), 8);
}

}  // namespace
