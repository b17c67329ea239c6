// The Emulation pane's view of the translator and the Paravirtual pane, driven as a student
// would drive them (choose, Step, Run) and checked against the command line's own answers:
// `virtlab translate --json` for the AArch64 each x86 instruction became, `virtlab vm run
// --mode pv|trap --json` for the hypercalls and monitor entries.
#include <gtest/gtest.h>

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QImage>
#include <QSet>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>

#include <map>

#include "app/gui/blkif_ring_view.h"
#include "app/gui/emulation_pane.h"
#include "app/gui/hypercall_log_view.h"
#include "app/gui/listing_colours.h"
#include "app/gui/main_window.h"
#include "app/gui/paravirt_pane.h"
#include "app/gui/pv_comparison_view.h"
#include "app/gui/pv_inspection.h"
#include "app/gui/pv_state_view.h"
#include "app/gui/register_map.h"
#include "app/gui/theme.h"
#include "app/gui/trap_pane.h"
#include "app/gui/translation_cache_view.h"
#include "app/gui/translation_listing.h"
#include "app/gui/vmcs_controls_box.h"
#include "tests/support/cli_runner.h"
#include "tests/app/pane_test_support.h"

namespace {

using vl::gui::WorldPane;

// Two blocks: the jmp ends the first, so one Step stops with `add eax, ebx` next to run.
//   0x00400000  b8 02 00 00 00   mov eax, 2
//   0x00400005  bb 03 00 00 00   mov ebx, 3
//   0x0040000a  eb 00            jmp 0x0040000c
//   0x0040000c  01 d8            add eax, ebx
//   0x0040000e  89 c3            mov ebx, eax      ; exit code 5
//   0x00400010  b8 01 00 00 00   mov eax, 1        ; exit
//   0x00400015  cd 80            int 0x80
constexpr char kAddProgram[] =
    "        mov eax, 2\n"
    "        mov ebx, 3\n"
    "        jmp .next\n"
    ".next:  add eax, ebx\n"
    "        mov ebx, eax\n"
    "        mov eax, 1\n"
    "        int 0x80\n";
constexpr uint32_t kAddAddress = 0x0040000c;

void clickAndWait(WorldPane* pane, QPushButton* button, int timeout_ms = 60000) {
    QSignalSpy finished(pane, &WorldPane::runFinished);
    QTest::mouseClick(button, Qt::LeftButton);
    ASSERT_TRUE(finished.wait(timeout_ms)) << "the run did not finish";
}

QJsonObject cliJson(const std::vector<std::string>& args) {
    const auto r = vl::test::runVirtlab(args);
    EXPECT_EQ(r.exit_status, 0) << r.err;
    return QJsonDocument::fromJson(QByteArray::fromStdString(r.out)).object();
}

// The AArch64 lines `virtlab translate --json` lists for the x86 instruction at `address`.
QStringList cliTranslationOf(const QJsonObject& translate, uint32_t address) {
    const QString prefix = QStringLiteral("0x%1:").arg(address, 8, 16, QLatin1Char('0'));
    for (const QJsonValue& b : translate["blocks"].toArray()) {
        const QJsonObject block = b.toObject();
        const QJsonArray x86 = block["x86"].toArray(), arm64 = block["arm64"].toArray();
        for (const QJsonValue& m : block["map"].toArray()) {
            const QJsonArray entry = m.toArray();  // [x86 index, arm64 first, arm64 count]
            if (!x86[entry[0].toInt()].toString().startsWith(prefix)) continue;
            QStringList lines;
            for (int i = entry[1].toInt(); i < entry[1].toInt() + entry[2].toInt(); ++i) lines << arm64[i].toString();
            return lines;
        }
    }
    return {};
}

using vl::test::tableValue;

QString registerValue(vl::gui::RegisterMap* map, const QString& name, int column) {
    const int row = map->rowOf(name);
    return row < 0 ? QString() : map->table()->item(row, column)->text();
}

TEST(EmulationPane, StepShowsEachX86InstructionBesideTheAArch64ItBecame) {
    const std::string source = vl::test::writeTempFile("add.asm", kAddProgram);
    const QJsonObject translate = cliJson({"translate", source, "--json"});
    const QStringList expected = cliTranslationOf(translate, kAddAddress);
    ASSERT_FALSE(expected.isEmpty()) << "translate --json lists add eax, ebx";

    vl::gui::EmulationPane pane;
    pane.resize(900, 800);
    pane.show();
    pane.programBox()->addItem("add.asm", QString::fromStdString(source));  // what Open... does
    pane.programBox()->setCurrentIndex(pane.programBox()->count() - 1);
    pane.engineBox()->setCurrentIndex(pane.engineBox()->findData("dbt"));
    clickAndWait(&pane, pane.stepButton());
    ASSERT_TRUE(pane.statusLabel()->text().startsWith("paused")) << pane.statusLabel()->text().toStdString();

    // The listing shows the block that runs next, its first instruction highlighted.
    auto* listing = pane.translationListing();
    ASSERT_NE(listing->block(), nullptr);
    EXPECT_EQ(listing->block()->guest_start, kAddAddress);
    EXPECT_TRUE(listing->heading()->text().contains("the next to run")) << listing->heading()->text().toStdString();
    const int row = listing->rowOf(kAddAddress);
    ASSERT_GE(row, 0);
    EXPECT_EQ(listing->highlightedRow(), row);
    QTableWidget* table = listing->table();
    EXPECT_TRUE(table->item(row, vl::gui::TranslationListing::X86Column)->text().endsWith("add eax, ebx"));
    // Its band spans exactly its AArch64 instructions, the ones the command line lists.
    EXPECT_EQ(table->rowSpan(row, vl::gui::TranslationListing::X86Column), expected.size());
    QStringList shown;
    for (int r = row; r < row + expected.size(); ++r) shown << table->item(r, vl::gui::TranslationListing::Arm64Column)->text();
    EXPECT_EQ(shown, expected);
    EXPECT_EQ(table->item(row, vl::gui::TranslationListing::CountColumn)->text(), QString::number(expected.size()));
    // Neighbouring pairs are told apart by colour.
    const int after = row + static_cast<int>(expected.size());
    ASSERT_LT(after, table->rowCount());
    EXPECT_NE(table->item(after, 0)->background().color(), table->item(after - 1, 1)->background().color());
    EXPECT_EQ(table->item(after, 0)->background().color(), table->item(after, 1)->background().color())
        << "one band across both listings";

    // The register map: x86 registers in the AArch64 registers host_abi.h gives them.
    auto* map = pane.registerMap();
    EXPECT_EQ(registerValue(map, "eax", vl::gui::RegisterMap::ValueColumn), "0x00000002");
    EXPECT_EQ(registerValue(map, "eax", vl::gui::RegisterMap::HostColumn), "w0");
    EXPECT_EQ(registerValue(map, "ebx", vl::gui::RegisterMap::ValueColumn), "0x00000003");
    EXPECT_EQ(registerValue(map, "ebx", vl::gui::RegisterMap::HostColumn), "w3");
    EXPECT_EQ(registerValue(map, "guest memory", vl::gui::RegisterMap::HostColumn), "x28");
    EXPECT_EQ(registerValue(map, "guest memory", vl::gui::RegisterMap::ValueColumn), "0x100000000");
    EXPECT_EQ(registerValue(map, "CF", vl::gui::RegisterMap::HostColumn), "NZCV.C");
    // `add eax, ebx` sets every flag before anything reads one: all six are dead at eip.
    EXPECT_EQ(registerValue(map, "ZF", vl::gui::RegisterMap::ValueColumn), "dead");
    EXPECT_EQ(registerValue(map, "PF", vl::gui::RegisterMap::ValueColumn), "dead");

    // The cache: both blocks, the jump chained from the first into the second.
    auto* cache = pane.cacheView();
    const int first = cache->rowOf(0x00400000), second = cache->rowOf(kAddAddress);
    ASSERT_GE(first, 0);
    ASSERT_GE(second, 0);
    EXPECT_TRUE(cache->table()->item(first, vl::gui::TranslationCacheView::ChainedToColumn)->text().contains("0x0040000c"));
    EXPECT_EQ(cache->table()->item(second, vl::gui::TranslationCacheView::ChainedFromColumn)->text(), "1");
    EXPECT_TRUE(cache->table()->item(second, vl::gui::TranslationCacheView::BlockColumn)->text().contains("next"));

    // The next step runs the rest: add, then exit(eax + ebx).
    clickAndWait(&pane, pane.stepButton());
    EXPECT_TRUE(pane.statusLabel()->text().contains("exit code 5")) << pane.statusLabel()->text().toStdString();
    EXPECT_EQ(registerValue(map, "ebx", vl::gui::RegisterMap::ValueColumn), "0x00000005");

    // Choosing a block in the cache shows its translation.
    QTest::mouseClick(cache->table()->viewport(), Qt::LeftButton, {},
                      cache->table()->visualItemRect(cache->table()->item(first, 0)).center());
    EXPECT_EQ(listing->block()->guest_start, 0x00400000u);
    EXPECT_EQ(pane.viewTabs()->currentWidget(), listing);

    // A lesson's show("translation") hint brings the view forward.
    pane.viewTabs()->setCurrentIndex(0);
    EXPECT_TRUE(pane.showView("registerMap"));
    EXPECT_EQ(pane.viewTabs()->currentWidget(), map);
    EXPECT_TRUE(pane.showView("translation"));
    EXPECT_EQ(pane.viewTabs()->currentWidget(), listing);

    // Reset forgets the translation.
    QTest::mouseClick(pane.resetButton(), Qt::LeftButton);
    EXPECT_EQ(listing->block(), nullptr);
    EXPECT_EQ(cache->table()->rowCount(), 0);
}

TEST(EmulationPane, OtherCpusSayWhereTheTranslationWouldBe) {
    vl::gui::EmulationPane pane;
    pane.show();
    pane.programBox()->setCurrentIndex(pane.programBox()->findText("tour/tour-i386"));
    pane.engineBox()->setCurrentIndex(pane.engineBox()->findData("unicorn"));
    clickAndWait(&pane, pane.runButton());
    EXPECT_EQ(pane.translationListing()->block(), nullptr);
    EXPECT_TRUE(pane.translationListing()->heading()->text().contains("another CPU"))
        << pane.translationListing()->heading()->text().toStdString();
}

TEST(ListingColours, BandsKeepTheThemesTextReadable) {
    // WCAG 2 relative luminance and contrast ratio.
    auto luminance = [](const QColor& c) {
        auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    auto contrast = [&](const QColor& a, const QColor& b) {
        const double la = luminance(a), lb = luminance(b);
        return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
    };
    for (auto theme : {vl::gui::ThemeChoice::Light, vl::gui::ThemeChoice::Dark})
        for (bool presentation : {false, true}) {
            const QPalette palette = vl::gui::themePalette(theme, presentation);
            for (int band = 0; band < 8; ++band)
                EXPECT_GE(contrast(vl::gui::bandColour(band, palette), palette.color(QPalette::Text)), 7.0)
                    << "band " << band << (presentation ? " presentation" : "") << " theme " << static_cast<int>(theme);
            EXPECT_NE(vl::gui::bandColour(0, palette), vl::gui::bandColour(1, palette));
        }
}

TEST(HypercallLog, ParsesTheHypervisorsWordingAndAMulticallsMembers) {
    vl::Event e;
    e.seq = 7;
    e.kind = "hypercall";
    e.detail = "multicall(2 calls) = 0; xen_version(XENVER_version) = 196608; console_io(CONSOLEIO_write, 5 bytes) = 0 at 0x00100abc";
    const auto records = vl::gui::parseHypercallEvent(e);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].name, "multicall");
    EXPECT_EQ(records[0].arguments, "2 calls");
    EXPECT_EQ(records[1].kind, vl::gui::HypercallRecord::Kind::MulticallMember);
    EXPECT_EQ(records[1].result, "196608");
    EXPECT_EQ(records[2].name, "console_io");
    EXPECT_EQ(records[2].arguments, "CONSOLEIO_write, 5 bytes");
    EXPECT_EQ(records[2].at, "0x00100abc");
    e.kind = "trap";
    EXPECT_TRUE(vl::gui::parseHypercallEvent(e).empty());
}

TEST(ParavirtPane, TheHypercallLogMatchesVmRunAndTheRunIsComparedWithTrapMode) {
    const QJsonObject pv = cliJson({"vm", "run", "--mode", "pv", "--json"});
    const QJsonObject trap = cliJson({"vm", "run", "--mode", "trap", "--json"});
    const QJsonObject calls = pv["hypercalls"].toObject();
    ASSERT_FALSE(calls.isEmpty());

    vl::gui::MainWindow window;
    window.show();
    vl::gui::ParavirtPane* pane = window.paravirtPane();
    QSignalSpy trap_done(pane, &vl::gui::ParavirtPane::trapComparisonFinished);
    clickAndWait(pane, pane->runButton());
    ASSERT_TRUE(pane->statusLabel()->text().contains("exit code 0")) << pane->statusLabel()->text().toStdString();

    // The log: one row per call, members of a multicall included, named as Xen names them.
    std::map<QString, int> logged;
    for (const auto& r : pane->hypercallLog()->records())
        if (r.kind == vl::gui::HypercallRecord::Kind::Hypercall || r.kind == vl::gui::HypercallRecord::Kind::MulticallMember)
            ++logged[r.name];
    QTableWidget* counts = pane->hypercallLog()->countsTable();
    ASSERT_EQ(counts->rowCount(), calls.size());
    for (int row = 0; row < counts->rowCount(); ++row) {
        const QString name = counts->item(row, 1)->text();
        EXPECT_EQ(counts->item(row, 2)->text().remove(',').toInt(), calls[name].toInt()) << name.toStdString();
        EXPECT_EQ(logged[name], calls[name].toInt()) << name.toStdString();
    }
    EXPECT_EQ(counts->item(0, 0)->text().isEmpty(), false) << "Xen's hypercall number beside the name";

    // The shared-info page and the ring, read from the guest's memory where it stopped.
    auto* state = pane->stateView();
    EXPECT_TRUE(QStringList({"0", "1"}).contains(state->sharedInfo("evtchn_upcall_mask")));
    const auto served = static_cast<uint32_t>(pv["counters"].toObject()["blkback.requests"].toInt());
    ASSERT_GT(served, 0u);
    const vl::gui::PvInspection pages = pane->inspection();
    EXPECT_TRUE(pages.ring_connected);
    EXPECT_EQ(pages.req_prod, served) << "every request the frontend queued";
    EXPECT_EQ(pages.rsp_prod, served) << "was answered by blkback";
    EXPECT_EQ(state->ringView()->indices().req_cons, served);
    ASSERT_EQ(state->slotsTable()->rowCount(), static_cast<int>(std::min<uint32_t>(served, 32)));
    EXPECT_EQ(state->slotsTable()->item(0, 2)->text(), "response");
    EXPECT_TRUE(state->slotsTable()->item(0, 5)->text().contains("BLKIF_RSP_OKAY"));
    bool ring_channel = false;
    for (int r = 0; r < state->channelsTable()->rowCount(); ++r)
        ring_channel |= state->channelsTable()->item(r, 0)->text() == QString::number(pages.ring_port) &&
                        state->channelsTable()->item(r, 2)->text().toInt() > 0;
    EXPECT_TRUE(ring_channel) << "the frontend notified the ring's event channel";

    EXPECT_TRUE(pane->showView("hypercalls"));
    EXPECT_EQ(pane->viewTabs()->currentWidget(), pane->hypercallLog());

    // Beside trap mode of the native build.
    ASSERT_TRUE(pane->trapComparisonReady() || trap_done.wait(60000));
    auto* comparison = pane->comparison();
    EXPECT_EQ(comparison->cell("vmm_entries", vl::gui::PvComparisonView::PvColumn).remove(',').toLongLong(),
              pv["vmm_entries"].toInteger());
    EXPECT_EQ(comparison->cell("vmm_entries", vl::gui::PvComparisonView::TrapColumn).remove(',').toLongLong(),
              trap["vmm_entries"].toInteger());
    EXPECT_GT(comparison->cell("vmm_entries", vl::gui::PvComparisonView::RatioColumn).toDouble(), 10.0)
        << "issue 4's target: at least 10x fewer monitor entries than trap";
}

TEST(ParavirtPane, SitsBesideTheOtherWorldsAndTakesLessonHints) {
    vl::gui::MainWindow window;
    window.setPaneLayout(vl::gui::MainWindow::PaneLayout::SideBySide);
    window.resize(1900, 1000);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    const auto panes = window.panes();
    ASSERT_NE(std::find(panes.begin(), panes.end(), window.paravirtPane()), panes.end());
    EXPECT_LT(window.trapPane()->x(), window.paravirtPane()->x());
    EXPECT_TRUE(window.paravirtPane()->isVisible());
    window.setPaneLayout(vl::gui::MainWindow::PaneLayout::Tabs);
    EXPECT_GE(window.paneTabs()->indexOf(window.paravirtPane()), 0);
}

TEST(TrapPane, HwShowsExitsBySdmReasonAndBtItsTranslationBesideTheOriginal) {
    const QJsonObject hw = cliJson({"vm", "run", "--mode", "hw", "--json"});
    const QJsonObject exits = hw["exits"].toObject();
    ASSERT_FALSE(exits.isEmpty());

    vl::gui::TrapPane pane;
    pane.show();
    pane.monitorBox()->setCurrentIndex(pane.monitorBox()->findData("hw"));
    clickAndWait(&pane, pane.runButton());
    ASSERT_TRUE(pane.statusLabel()->text().contains("exit code 0")) << pane.statusLabel()->text().toStdString();
    QTableWidget* reasons = pane.reasonsTable();
    ASSERT_EQ(reasons->rowCount(), exits.size());
    for (int r = 0; r < reasons->rowCount(); ++r) {
        const QString reason = reasons->item(r, 0)->text();  // "HLT (12)": the SDM's name and number
        EXPECT_EQ(reasons->item(r, 1)->text().remove(',').toInt(), exits[reason].toInt()) << reason.toStdString();
    }
    EXPECT_EQ(pane.translationTable()->rowCount(), 0) << "hw translates nothing";

    pane.monitorBox()->setCurrentIndex(pane.monitorBox()->findData("bt"));
    clickAndWait(&pane, pane.runButton());
    QTableWidget* bt = pane.translationTable();
    ASSERT_GT(bt->rowCount(), 0);
    int rewritten = 0;
    for (int r = 0; r < bt->rowCount(); ++r) {
        const QString original = bt->item(r, 0)->text(), translated = bt->item(r, 1)->text();
        if (original.endsWith("  cli")) {
            EXPECT_EQ(translated, "call vmm_cli");
        }
        rewritten += translated.startsWith("call vmm_");
    }
    EXPECT_EQ(rewritten, tableValue(pane.countersTable(), "bt.rewritten").remove(',').toInt());
}

// Issue 4's VMCS-like controls as checkboxes: what is ticked is what the next hw run exits on.
TEST(TrapPane, UntickingAVmcsControlStopsThoseExitsOnTheNextRun) {
    vl::gui::TrapPane pane;
    pane.show();
    pane.monitorBox()->setCurrentIndex(pane.monitorBox()->findData("hw"));
    QWidget* page = pane.viewTabs()->findChild<QWidget*>("vmcsControls");
    ASSERT_NE(page, nullptr);
    EXPECT_TRUE(pane.viewTabs()->isTabEnabled(pane.viewTabs()->indexOf(page)));
    EXPECT_EQ(pane.viewTabs()->currentWidget(), page) << "choosing hw shows its controls";
    QCheckBox* hlt = pane.vmcsControls()->checkBox("HLT exiting");
    ASSERT_NE(hlt, nullptr);
    EXPECT_TRUE(hlt->isChecked());
    EXPECT_TRUE(hlt->toolTip().contains("primary processor-based controls, bit 7")) << hlt->toolTip().toStdString();
    QCheckBox* cpuid = pane.vmcsControls()->checkBox("CPUID, VMCALL, triple fault");
    ASSERT_NE(cpuid, nullptr);
    EXPECT_TRUE(cpuid->isChecked() && !cpuid->isEnabled()) << "CPUID always exits: shown, not a choice";

    clickAndWait(&pane, pane.runButton());
    ASSERT_TRUE(pane.statusLabel()->text().contains("exit code 0")) << pane.statusLabel()->text().toStdString();
    const qulonglong hlt_exits = tableValue(pane.countersTable(), "exits.hlt").remove(',').toULongLong();
    ASSERT_GT(hlt_exits, 0u) << "the guest idles in hlt, and HLT exiting is on";
    const qulonglong interrupts = tableValue(pane.countersTable(), "exits.external_interrupt").remove(',').toULongLong();

    hlt->click();
    ASSERT_FALSE(hlt->isChecked());
    EXPECT_TRUE(pane.statusLabel()->text().contains("next run")) << pane.statusLabel()->text().toStdString();
    EXPECT_FALSE(pane.vmcsControls()->controls().hlt_exiting);
    QTest::mouseClick(pane.resetButton(), Qt::LeftButton);
    clickAndWait(&pane, pane.runButton());
    ASSERT_TRUE(pane.statusLabel()->text().contains("exit code 0")) << pane.statusLabel()->text().toStdString();
    const QString unticked = tableValue(pane.countersTable(), "exits.hlt").remove(',');
    EXPECT_TRUE(unticked.isEmpty() || unticked == "0") << "exits.hlt = " << unticked.toStdString();
    for (int r = 0; r < pane.reasonsTable()->rowCount(); ++r)
        EXPECT_FALSE(pane.reasonsTable()->item(r, 0)->text().startsWith("HLT")) << "no HLT row in the exit table";
    // The guest now sleeps in hlt until the timer's interrupt exits instead.
    EXPECT_GT(tableValue(pane.countersTable(), "exits.external_interrupt").remove(',').toULongLong(), interrupts);

    // A bad port list is the pane's readable error, not a run with half the controls.
    pane.vmcsControls()->checkBox("use I/O bitmaps")->click();
    auto* ports = pane.vmcsControls()->findChild<QLineEdit*>("ioBitmapPorts");
    ASSERT_NE(ports, nullptr);
    ports->setText("0x3f8 serial");
    QTest::mouseClick(pane.resetButton(), Qt::LeftButton);
    QTest::mouseClick(pane.runButton(), Qt::LeftButton);
    EXPECT_FALSE(pane.isRunning());
    EXPECT_TRUE(pane.statusLabel()->text().contains("'serial' is not a port number")) << pane.statusLabel()->text().toStdString();

    pane.monitorBox()->setCurrentIndex(pane.monitorBox()->findData("trap"));
    EXPECT_FALSE(pane.viewTabs()->isTabEnabled(pane.viewTabs()->indexOf(page))) << "trap mode has no VMCS";
}

// Draws the panes' new views in the light and dark themes and in presentation mode. Each
// picture must be drawn (many colours, not a blank widget); with VIRTLAB_PANE_SHOTS=DIR they
// are also saved there, to look at:
//   VIRTLAB_PANE_SHOTS=/tmp/shots QT_QPA_PLATFORM=offscreen build/tests/app/test_machine_panes --gtest_filter='*Drawn*'
TEST(MachinePanes, DrawnInLightDarkAndPresentation) {
    const std::string source = vl::test::writeTempFile("add.asm", kAddProgram);
    vl::gui::MainWindow window;
    window.setPaneLayout(vl::gui::MainWindow::PaneLayout::Tabs);
    window.resize(1600, 1000);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    auto* emulation = window.emulationPane();
    emulation->programBox()->addItem("add.asm", QString::fromStdString(source));
    emulation->programBox()->setCurrentIndex(emulation->programBox()->count() - 1);
    emulation->engineBox()->setCurrentIndex(emulation->engineBox()->findData("dbt"));
    clickAndWait(emulation, emulation->stepButton());
    auto* pv = window.paravirtPane();
    clickAndWait(pv, pv->runButton());
    auto* trap = window.trapPane();
    trap->monitorBox()->setCurrentIndex(trap->monitorBox()->findData("bt"));
    clickAndWait(trap, trap->runButton());

    const QString dir = qEnvironmentVariable("VIRTLAB_PANE_SHOTS");
    struct Look {
        const char* name;
        vl::gui::ThemeChoice theme;
        bool presentation;
    };
    for (const Look look : {Look{"light", vl::gui::ThemeChoice::Light, false}, Look{"dark", vl::gui::ThemeChoice::Dark, false},
                            Look{"presentation", vl::gui::ThemeChoice::Light, true}}) {
        window.setTheme(look.theme);
        window.setPresentationMode(look.presentation);
        for (WorldPane* pane : {static_cast<WorldPane*>(emulation), static_cast<WorldPane*>(pv), static_cast<WorldPane*>(trap)}) {
            window.bringForward(pane);
            for (int tab = 4; tab < pane->viewTabs()->count(); ++tab) {  // the views after the common four
                pane->viewTabs()->setCurrentIndex(tab);
                QApplication::processEvents();
                const QImage image = pane->grab().toImage();
                QSet<QRgb> colours;
                for (int y = 0; y < image.height(); y += 4)
                    for (int x = 0; x < image.width(); x += 4) colours.insert(image.pixel(x, y));
                EXPECT_GT(colours.size(), 10) << look.name << " " << pane->viewTabs()->tabText(tab).toStdString();
                if (!dir.isEmpty())
                    image.save(QStringLiteral("%1/%2-%3-%4.png")
                                   .arg(dir, pane->objectName().isEmpty() ? pane->title().section(' ', 0, 0).toLower() : pane->objectName(),
                                        pane->viewTabs()->tabText(tab).section(' ', 0, 0).toLower().remove('&'), look.name));
            }
        }
    }
    window.setPresentationMode(false);
}

}  // namespace
