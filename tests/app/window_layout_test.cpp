// The window as a whole: panes that turn into tabs when the window is narrow, themes, the
// shortcuts dialog and the long-work dialog -- each driven through the window's own controls.
#include <gtest/gtest.h>

#include <cstdio>

#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QLabel>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>

#include "app/gui/containers_pane.h"
#include "app/gui/emulation_pane.h"
#include "app/gui/fuzz_dialog.h"
#include "app/gui/main_window.h"
#include "app/gui/shortcuts_dialog.h"
#include "app/gui/theme.h"
#include "app/gui/trap_pane.h"
#include "emulator/dbt/dbt_fuzzer.h"
#include "emulator/dbt/fuzz_batch.h"

namespace {

using vl::gui::MainWindow;

// The menu action whose data is `key` (the layout and theme entries carry their settings key).
QAction* menuAction(MainWindow& window, const QString& key) {
    for (QAction* a : window.findChildren<QAction*>())
        if (a->data().toString() == key) return a;
    return nullptr;
}

bool resizeAndSettle(MainWindow& window, int width, int height) {
    window.resize(width, height);
    return QTest::qWaitFor([&] { return window.width() == width; }, 2000);
}

TEST(WindowLayout, PanesBecomeTabsWhenTheWindowIsNarrowAndComeBack) {
    MainWindow window;
    window.setPaneLayout(MainWindow::PaneLayout::Auto);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    ASSERT_TRUE(resizeAndSettle(window, 1900, 1000));
    EXPECT_FALSE(window.panesTabbed());
    for (auto* pane : window.panes()) EXPECT_TRUE(pane->isVisible()) << pane->title().toStdString();

    ASSERT_TRUE(resizeAndSettle(window, 900, 700));
    ASSERT_TRUE(QTest::qWaitFor([&] { return window.panesTabbed(); }, 2000)) << "a narrow window shows tabs";
    EXPECT_EQ(window.paneTabs()->count(), static_cast<int>(window.panes().size()));
    int visible = 0;
    for (auto* pane : window.panes()) visible += pane->isVisible();
    EXPECT_EQ(visible, 1) << "one world at a time, in its tab";
    // The tab in front is the pane F5 acts on.
    window.paneTabs()->setCurrentWidget(window.trapPane());
    EXPECT_EQ(window.activePane(), window.trapPane());
    EXPECT_LE(window.width(), 900) << "the panes' minimum widths did not force the window wider";

    ASSERT_TRUE(resizeAndSettle(window, 1900, 1000));
    ASSERT_TRUE(QTest::qWaitFor([&] { return !window.panesTabbed(); }, 2000));
    for (auto* pane : window.panes()) EXPECT_TRUE(pane->isVisible()) << pane->title().toStdString();
    EXPECT_LT(window.emulationPane()->x(), window.trapPane()->x());
    EXPECT_LT(window.trapPane()->x(), window.containersPane()->x());
}

TEST(WindowLayout, TheChosenLayoutIsRemembered) {
    {
        MainWindow window;
        window.show();
        ASSERT_TRUE(resizeAndSettle(window, 1900, 1000));
        menuAction(window, "tabs")->trigger();  // View > Pane layout > Tabs
        EXPECT_TRUE(window.panesTabbed()) << "tabs even though the window is wide";
    }
    MainWindow window;
    window.show();
    EXPECT_EQ(window.paneLayout(), MainWindow::PaneLayout::Tabs);
    EXPECT_TRUE(window.panesTabbed());
    EXPECT_TRUE(menuAction(window, "tabs")->isChecked());
    menuAction(window, "auto")->trigger();
    EXPECT_EQ(window.paneLayout(), MainWindow::PaneLayout::Auto);
}

TEST(WindowLayout, DarkAndLightThemesFromTheViewMenuAndPresentationStaysHighContrast) {
    MainWindow window;
    window.show();
    EXPECT_EQ(window.theme(), vl::gui::ThemeChoice::FollowDesktop);
    EXPECT_EQ(vl::gui::isDark(QApplication::palette()), vl::gui::desktopPrefersDark());

    menuAction(window, "dark")->trigger();
    EXPECT_TRUE(vl::gui::isDark(QApplication::palette()));
    EXPECT_GT(QApplication::palette().color(QPalette::Text).lightness(), 200) << "light text on dark";
    window.setPresentationMode(true);
    EXPECT_EQ(QApplication::palette().color(QPalette::Base), QColor(Qt::black));
    EXPECT_EQ(QApplication::palette().color(QPalette::Text), QColor(Qt::white));
    window.setPresentationMode(false);
    EXPECT_TRUE(vl::gui::isDark(QApplication::palette()));

    menuAction(window, "light")->trigger();
    EXPECT_FALSE(vl::gui::isDark(QApplication::palette()));
    {
        MainWindow again;  // remembered
        EXPECT_EQ(again.theme(), vl::gui::ThemeChoice::Light);
    }
    menuAction(window, "desktop")->trigger();
    EXPECT_EQ(QApplication::palette().color(QPalette::Window), vl::gui::desktopPalette().color(QPalette::Window));
}

TEST(WindowLayout, F1ListsTheDebuggerShortcuts) {
    MainWindow window;
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&window));
    QTest::keyClick(&window, Qt::Key_F1);
    auto* dialog = window.findChild<vl::gui::ShortcutsDialog*>();
    ASSERT_NE(dialog, nullptr);
    EXPECT_TRUE(dialog->isVisible());
    QStringList keys;
    QString text;
    for (int r = 0; r < dialog->table()->rowCount(); ++r) {
        keys << dialog->table()->item(r, 0)->text();
        text += dialog->table()->item(r, 0)->text() + " " + dialog->table()->item(r, 1)->text() + "\n";
    }
    for (const char* k : {"F5", "F10", "Shift+F5", "F11", "Ctrl+T"}) EXPECT_TRUE(keys.contains(k)) << k << " not in\n" << text.toStdString();
    EXPECT_TRUE(text.contains("F10 Step one guest instruction")) << text.toStdString();
    dialog->close();
}

TEST(WindowLayout, AFuzzRunShowsProgressAndCanBeCancelled) {
    MainWindow window;
    window.show();
    vl::gui::FuzzDialog* fuzz = window.showFuzzDialog();
    fuzz->casesBox()->setValue(100'000'000);  // far more than the test will wait for
    QSignalSpy finished(fuzz->job(), &vl::gui::BackgroundJob::finished);
    QTest::mouseClick(fuzz->startButton(), Qt::LeftButton);
    EXPECT_FALSE(fuzz->startButton()->isEnabled());
    ASSERT_TRUE(QTest::qWaitFor([&] { return fuzz->statusLabel()->text().contains(" of 100000000 cases") &&
                                             !fuzz->statusLabel()->text().startsWith("0 of"); }, 30000))
        << fuzz->statusLabel()->text().toStdString();
    QTest::mouseClick(fuzz->cancelButton(), Qt::LeftButton);
    const uint64_t done_at_cancel = fuzz->job()->done();
    ASSERT_TRUE(finished.wait(30000)) << "Cancel stopped the run";
    EXPECT_TRUE(finished.at(0).at(2).toBool());
    const QString status = fuzz->statusLabel()->text();
    EXPECT_TRUE(status.startsWith("Cancelled:")) << status.toStdString();
    EXPECT_TRUE(status.contains("0 divergences")) << status.toStdString();
    // Cancel is asked before every batch: at most the batch under way finishes after it.
    const uint64_t done = status.section(' ', 1, 1).remove(',').toULongLong();
    EXPECT_GE(done, done_at_cancel);
    EXPECT_LE(done, done_at_cancel + vl::emu::dbt::kFuzzBatchCases) << status.toStdString();
    EXPECT_TRUE(fuzz->startButton()->isEnabled());
}

// Measures, asserts no speed: cases a second from the dialog (batched, as `virtlab fuzz dbt`),
// beside the loop it ran before -- one case at a time, each its own NASM run and pair of CPUs.
TEST(WindowLayout, TheFuzzDialogsSpeedIsMeasured) {
    MainWindow window;
    window.show();
    vl::gui::FuzzDialog* fuzz = window.showFuzzDialog();
    fuzz->casesBox()->setValue(640);
    fuzz->seedBox()->setValue(7);
    QSignalSpy finished(fuzz->job(), &vl::gui::BackgroundJob::finished);
    QTest::mouseClick(fuzz->startButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(120000));
    const QString status = fuzz->statusLabel()->text();
    EXPECT_TRUE(status.startsWith("640 cases, 0 divergences (seed 7)")) << status.toStdString();
    EXPECT_EQ(fuzz->progressBar()->value(), 1000);
    const double batched = status.section(", ", -1).section(' ', 0, 0).remove(',').toDouble();

    constexpr uint64_t kAlone = 32;
    QElapsedTimer clock;
    clock.start();
    for (uint64_t i = 0; i < kAlone; ++i) EXPECT_FALSE(vl::emu::dbt::runFuzzCase(vl::emu::dbt::randomFuzzCase(7, i)));
    const double alone = static_cast<double>(kAlone) / (static_cast<double>(clock.nsecsElapsed()) / 1e9);
    std::printf("fuzz dialog: %.0f cases/s batched; %.0f cases/s one case at a time (the dialog before); ratio %.1f\n",
                batched, alone, batched / alone);
    RecordProperty("batched_cases_per_second", QString::number(batched, 'f', 0).toStdString());
    RecordProperty("one_at_a_time_cases_per_second", QString::number(alone, 'f', 0).toStdString());
    EXPECT_GT(batched, 0);
}

}  // namespace
