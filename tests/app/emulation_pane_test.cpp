// The Emulation pane's debugger, driven as a student drives it: "Step AArch64 instruction"
// moves the mark one word through the translated code and shows the ARM64 registers it
// changed; "Step x86 instruction" stops at the first word of the next x86 instruction's band;
// after a run the Cache view shows how often each block ran.
#include <gtest/gtest.h>

#include <cstdlib>

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>

#include "app/gui/emulation_host_view.h"
#include "app/gui/emulation_pane.h"
#include "app/gui/listing_colours.h"
#include "app/gui/main_window.h"
#include "app/gui/shortcuts_dialog.h"
#include "app/gui/trap_pane.h"
#include "app/gui/translation_cache_view.h"
#include "app/gui/translation_listing.h"
#include "emulator/dbt/code_cache.h"
#include "tests/support/cli_runner.h"
#include "tests/support/guest_programs.h"

namespace {

using vl::gui::EmulationHostView;
using vl::gui::EmulationPane;

using vl::test::kCountedLoop;

void clickAndWait(EmulationPane* pane, QPushButton* button) {
    QSignalSpy finished(pane, &vl::gui::WorldPane::runFinished);
    QTest::mouseClick(button, Qt::LeftButton);
    ASSERT_TRUE(finished.wait(60000)) << "the step or run did not finish";
}

void chooseLoopOnTheTranslator(EmulationPane& pane) {
    const std::string source = vl::test::writeTempFile("loop.asm", kCountedLoop);
    pane.programBox()->addItem("loop.asm", QString::fromStdString(source));
    pane.programBox()->setCurrentIndex(pane.programBox()->count() - 1);
    pane.engineBox()->setCurrentIndex(pane.engineBox()->findData("dbt"));
}

QString cell(QTableWidget* table, int row, int column) {
    const QTableWidgetItem* item = table->item(row, column);
    return item ? item->text() : QString();
}

}  // namespace

TEST(EmulationPaneSteps, AnAArch64StepMovesTheMarkOneWordAndShowsTheRegistersItChanged) {
    EmulationPane pane;
    pane.resize(1200, 900);
    pane.show();
    chooseLoopOnTheTranslator(pane);
    ASSERT_TRUE(pane.stepHostButton()->isEnabled());

    clickAndWait(&pane, pane.stepHostButton());
    EmulationHostView* view = pane.hostView();
    EXPECT_EQ(pane.viewTabs()->currentWidget(), view);
    QTableWidget* code = view->code();
    // One step ran the first word of the block's entry, its hit counter: the mark is on the second.
    EXPECT_EQ(view->highlightedRow(), 1);
    EXPECT_TRUE(cell(code, 0, EmulationHostView::X86Column).contains("hit counter")) << cell(code, 0, 2).toStdString();
    EXPECT_TRUE(cell(code, 1, EmulationHostView::AddressColumn).startsWith(QStringLiteral("\u25B6")));
    EXPECT_TRUE(view->changedRegisters().contains("x9")) << "the counter's address went into x9";

    // Step on to the first word of `mov ecx, 10`'s band, then through that band: the mark
    // moves one row per step, and the step that writes ecx marks x1 (w1 holds ecx) changed.
    int previous = view->highlightedRow();
    bool saw_ecx = false;
    for (int i = 0; i < 12 && !saw_ecx; ++i) {
        clickAndWait(&pane, pane.stepHostButton());
        EXPECT_EQ(view->highlightedRow(), previous + 1) << "step " << i;
        previous = view->highlightedRow();
        if (view->changedRegisters().contains("x1")) {
            saw_ecx = true;
            const int row = view->registerRow("x1");
            EXPECT_EQ(cell(view->registers(), row, EmulationHostView::ValueColumn), "0x0000000a");
            EXPECT_TRUE(cell(view->registers(), row, EmulationHostView::HoldsColumn).startsWith("ecx"));
        }
    }
    EXPECT_TRUE(saw_ecx) << "no step wrote ecx";
    // The translation listing highlights the x86 instruction whose band the mark is in: the
    // next one, add eax, ecx (mov ecx, 10 is complete).
    EXPECT_TRUE(view->heading()->text().contains("add eax, ecx")) << view->heading()->text().toStdString();
    vl::gui::TranslationListing* listing = pane.translationListing();
    EXPECT_EQ(listing->highlightedRow(), listing->rowOf(0x00400005));

    // An x86 step stops on the first word of the next x86 instruction's band: its x86
    // column names that instruction, drawn in its band's colour in the listing.
    clickAndWait(&pane, pane.stepGuestButton());
    const int at = view->highlightedRow();
    ASSERT_GE(at, 0);
    EXPECT_TRUE(cell(code, at, EmulationHostView::X86Column).contains("dec ecx")) << cell(code, at, 2).toStdString();
    EXPECT_EQ(listing->highlightedRow(), listing->rowOf(0x00400007));
    EXPECT_FALSE(view->changedRegisters().isEmpty());

    // A picture of the debugger as a student sees it (VIRTLAB_PANE_SHOTS, as the other pane tests).
    if (const char* dir = std::getenv("VIRTLAB_PANE_SHOTS")) {
        pane.resize(1400, 900);
        QApplication::processEvents();
        EXPECT_TRUE(pane.grab().save(QString::fromLocal8Bit(dir) + "/emulation-aarch64-steps.png"));
    }

    // Run to the end: the Cache view counts each block's runs.
    pane.speedBox()->setCurrentIndex(0);  // full speed
    clickAndWait(&pane, pane.runButton());
    EXPECT_TRUE(pane.statusLabel()->text().contains("exit code 55")) << pane.statusLabel()->text().toStdString();
    vl::gui::TranslationCacheView* cache = pane.cacheView();
    const int first = cache->rowOf(0x00400000), loop = cache->rowOf(0x00400005);
    ASSERT_GE(first, 0);
    ASSERT_GE(loop, 0);
    EXPECT_EQ(cell(cache->table(), first, vl::gui::TranslationCacheView::HitsColumn), "1");
    EXPECT_EQ(cell(cache->table(), loop, vl::gui::TranslationCacheView::HitsColumn), "9");
    if (const char* dir = std::getenv("VIRTLAB_PANE_SHOTS")) {
        pane.viewTabs()->setCurrentWidget(cache);
        QApplication::processEvents();
        EXPECT_TRUE(pane.grab().save(QString::fromLocal8Bit(dir) + "/emulation-cache-runs.png"));
    }
}

TEST(EmulationPaneSteps, StepButtonsNeedTheTranslator) {
    EmulationPane pane;
    pane.show();
    pane.engineBox()->setCurrentIndex(pane.engineBox()->findData("unicorn"));
    EXPECT_FALSE(pane.stepHostButton()->isEnabled());
    EXPECT_FALSE(pane.stepGuestButton()->isEnabled());
    pane.engineBox()->setCurrentIndex(pane.engineBox()->findData("dbt"));
    EXPECT_TRUE(pane.stepHostButton()->isEnabled());
    EXPECT_TRUE(pane.stepGuestButton()->isEnabled());
}

// Issue 7: the translator's steps have keys in the manner of debuggers -- Ctrl+F10 one x86
// instruction, Ctrl+F11 one AArch64 instruction (F11 alone is presentation mode) -- that act
// on the Emulation pane whichever pane is active, are listed under Help > Keyboard shortcuts
// and named in the buttons' tooltips.
TEST(EmulationPaneSteps, CtrlF10AndCtrlF11StepTheTranslatorFromTheKeyboard) {
    vl::gui::MainWindow window;
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&window));
    EmulationPane* pane = window.emulationPane();
    EXPECT_TRUE(pane->stepGuestButton()->toolTip().contains("Ctrl+F10")) << pane->stepGuestButton()->toolTip().toStdString();
    EXPECT_TRUE(pane->stepHostButton()->toolTip().contains("Ctrl+F11")) << pane->stepHostButton()->toolTip().toStdString();

    // Without the translator the keys say why they do nothing.
    pane->engineBox()->setCurrentIndex(pane->engineBox()->findData("unicorn"));
    QTest::keyClick(&window, Qt::Key_F11, Qt::ControlModifier);
    EXPECT_FALSE(pane->isRunning());
    EXPECT_TRUE(window.statusBar()->currentMessage().contains("Choose the translator"))
        << window.statusBar()->currentMessage().toStdString();
    EXPECT_FALSE(window.presentationMode()) << "Ctrl+F11 is not F11";

    chooseLoopOnTheTranslator(*pane);
    window.setActivePane(window.trapPane());  // the keys reach the Emulation pane all the same
    QSignalSpy finished(pane, &vl::gui::WorldPane::runFinished);
    QTest::keyClick(&window, Qt::Key_F11, Qt::ControlModifier);
    ASSERT_TRUE(finished.wait(30000)) << "Ctrl+F11 stepped the translator";
    EXPECT_EQ(window.activePane(), pane);
    EmulationHostView* view = pane->hostView();
    EXPECT_EQ(view->highlightedRow(), 1) << "one AArch64 instruction: the block's hit counter";
    EXPECT_EQ(window.trapPane()->countersTable()->rowCount(), 0) << "the active pane did nothing";

    // Ctrl+F10 runs through the prologue to the first word of the block's first x86 instruction,
    // mov ecx, 10 (Capstone writes 0xa).
    QTest::keyClick(&window, Qt::Key_F10, Qt::ControlModifier);
    ASSERT_TRUE(finished.wait(30000)) << "Ctrl+F10 stepped the translator";
    const int at = view->highlightedRow();
    EXPECT_GT(at, 1);
    EXPECT_TRUE(cell(view->code(), at, EmulationHostView::X86Column).contains("mov ecx, 0xa"))
        << cell(view->code(), at, EmulationHostView::X86Column).toStdString();

    QTest::keyClick(&window, Qt::Key_F1);
    auto* dialog = window.findChild<vl::gui::ShortcutsDialog*>();
    ASSERT_NE(dialog, nullptr);
    QString text;
    for (int r = 0; r < dialog->table()->rowCount(); ++r)
        text += dialog->table()->item(r, 0)->text() + " " + dialog->table()->item(r, 1)->text() + "\n";
    EXPECT_TRUE(text.contains("Ctrl+F10 Step one x86 instruction")) << text.toStdString();
    EXPECT_TRUE(text.contains("Ctrl+F11 Step one AArch64 instruction")) << text.toStdString();
    dialog->close();
}
