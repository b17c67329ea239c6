// The event loop stays live while two engines run flat out on their worker threads: the
// translator on an endless loop and the trap-and-emulate monitor on a guest that traps twice
// every three instructions. A 5 ms timer records the largest gap between its ticks.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>
#include <QTimer>

#include <cstdio>

#include "app/gui/emulation_pane.h"
#include "app/gui/main_window.h"
#include "app/gui/trap_pane.h"
#include "tests/support/cli_runner.h"

namespace {

using vl::gui::WorldPane;

void choose(QComboBox* box, const std::string& path) {
    box->addItem(QString::fromStdString(path), QString::fromStdString(path));
    box->setCurrentIndex(box->count() - 1);
}

uint64_t counter(WorldPane* pane, const QString& name) {
    for (int r = 0; r < pane->countersTable()->rowCount(); ++r)
        if (pane->countersTable()->item(r, 0)->text() == name)
            return pane->countersTable()->item(r, 1)->text().remove(',').toULongLong();
    return 0;
}

TEST(Responsiveness, TheEventLoopNeverStallsFiftyMillisecondsWhileTwoEnginesRunFlatOut) {
    vl::gui::MainWindow window;
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    auto* emulation = window.emulationPane();
    auto* trap = window.trapPane();
    // An i386 program that never ends:      loop: inc eax / jmp loop
    choose(emulation->programBox(),
           vl::test::writeTempFile("endless.asm", "bits 32\norg 0x00400000\nloop: inc eax\n jmp loop\n"));
    emulation->engineBox()->setCurrentIndex(emulation->engineBox()->findData("dbt"));
    // A guest kernel that traps forever:    loop: cli / sti / jmp loop   (flat, at 1 MiB)
    choose(trap->guestBox(),
           vl::test::writeTempFile("trapping.asm", "bits 32\norg 0x00100000\nloop: cli\n sti\n jmp loop\n"));

    QElapsedTimer clock;
    qint64 last = 0, worst = 0;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        worst = std::max(worst, now - last);
        last = now;
    });
    QSignalSpy emulation_done(emulation, &WorldPane::runFinished), trap_done(trap, &WorldPane::runFinished);
    QTest::mouseClick(emulation->runButton(), Qt::LeftButton);
    QTest::mouseClick(trap->runButton(), Qt::LeftButton);
    QTest::qWait(300);  // both engines built and running
    clock.start();
    tick.start(5);
    QTest::qWait(2000);
    tick.stop();
    const qint64 measured = worst;
    QTest::mouseClick(emulation->pauseButton(), Qt::LeftButton);
    QTest::mouseClick(trap->pauseButton(), Qt::LeftButton);
    ASSERT_TRUE(emulation_done.count() > 0 || emulation_done.wait(10000));
    ASSERT_TRUE(trap_done.count() > 0 || trap_done.wait(10000));

    const uint64_t translated = counter(emulation, "guest_instructions");
    const uint64_t traps = counter(trap, "vmm_entries");
    std::printf("largest event-loop stall: %lld ms (translator: %llu guest instructions, monitor: %llu VMM entries)\n",
                static_cast<long long>(measured), static_cast<unsigned long long>(translated),
                static_cast<unsigned long long>(traps));
    EXPECT_TRUE(emulation->statusLabel()->text().startsWith("paused")) << emulation->statusLabel()->text().toStdString();
    EXPECT_TRUE(trap->statusLabel()->text().startsWith("paused")) << trap->statusLabel()->text().toStdString();
    EXPECT_GT(translated, 1'000'000u) << "the translator really ran";
    EXPECT_GT(traps, 10'000u) << "the monitor really handled traps";
    EXPECT_LT(measured, 50) << "the window froze for " << measured << " ms";
}

}  // namespace
