#include "app/gui/trap_pane.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QRegularExpression>
#include <QScrollArea>
#include <QTabWidget>
#include <QTableWidget>

#include "app/gui/guest_picker.h"
#include "app/gui/listing_colours.h"
#include "app/gui/read_only_table.h"
#include "app/gui/vmcs_controls_box.h"
#include "trapsim/monitor_mode.h"
#include "trapsim/trap_vmm.h"

namespace vl::gui {

namespace {

QTableWidget* makeTable(const QStringList& headers, const char* name) {
    auto* table = makeReadOnlyTable(headers, name);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}

}  // namespace

TrapPane::TrapPane(QWidget* parent)
    : WorldPane(tr("Trap and emulate"),
                tr("A guest kernel written for bare hardware runs deprivileged. Each privileged "
                   "instruction (cli, sti, hlt, in, out) traps to VirtLab's monitor, which emulates "
                   "it on a virtual CPU and resumes the guest. Binary translation and VT-x-style exits "
                   "close the holes trapping leaves."),
                true, parent) {
    picker_ = new GuestPicker("guest", {".bin"}, "guest/kernel.bin", tr("Guest kernels (*.asm *.bin);;All files (*)"));
    picker_->comboBox()->setObjectName("guest");
    monitor_ = new QComboBox;
    monitor_->setObjectName("monitor");
    monitor_->addItem(tr("trap: privileged instructions fault (Popek & Goldberg)"), "trap");
    monitor_->addItem(tr("bt: sensitive instructions rewritten (VMware)"), "bt");
    monitor_->addItem(tr("hw: VT-x-style VM exits"), "hw");
    auto* form = new QFormLayout;
    form->addRow(tr("Guest kernel"), picker_);
    form->addRow(tr("Monitor"), monitor_);
    controlsLayout()->addLayout(form);

    reasons_ = makeTable({tr("reason"), tr("entries")}, "entryReasons");
    translation_ = makeTable({tr("guest instruction"), tr("translated to")}, "btTranslation");
    viewTabs()->addTab(reasons_, tr("By reason"));  // showView("entryReasons") / ("btTranslation")
    viewTabs()->addTab(translation_, tr("Translated"));
    // The VMCS controls get a view of their own: above the buttons they would crowd a narrow
    // pane. They mean something only to the hw monitor, so the tab is live only in hw mode.
    vmcs_ = new VmcsControlsBox;
    auto* vmcs_page = new QScrollArea;
    vmcs_page->setObjectName("vmcsControls");  // showView("vmcsControls")
    vmcs_page->setWidget(vmcs_);
    vmcs_page->setWidgetResizable(true);
    vmcs_page->setFrameShape(QFrame::NoFrame);
    const int vmcs_tab = viewTabs()->addTab(vmcs_page, tr("VMCS"));
    auto showControls = [this, vmcs_tab, vmcs_page] {
        const bool hw = monitor_->currentData().toString() == "hw";
        viewTabs()->setTabEnabled(vmcs_tab, hw);
        viewTabs()->setTabToolTip(vmcs_tab, hw ? tr("The VMCS execution controls the next run is built with")
                                               : tr("Only the hw monitor has VMCS controls: choose hw above"));
        if (hw) viewTabs()->setCurrentWidget(vmcs_page);
    };
    connect(monitor_, &QComboBox::currentIndexChanged, this, showControls);
    showControls();
    connect(vmcs_, &VmcsControlsBox::changed, this, [this] {
        // A paused run keeps the controls it was built with, as a running VM keeps its VMCS.
        if (isRunning() || !countersTable()->rowCount()) return;
        statusLabel()->setText(tr("The VMCS controls changed: they apply from the next run (Reset, then Run)."));
    });
    connect(this, &WorldPane::runFinished, this, &TrapPane::showMonitorViews);
}

EngineRunner::Factory TrapPane::engineFactory() {
    vm::TrapVmmConfig config;
    config.guest_path = picker_->selectedPath().toStdString();  // empty: the built default kernel
    last_mode_ = monitor_->currentData().toString();
    config.mode = vm::parseMode(last_mode_.toStdString()).value_or(vm::MonitorMode::Trap);
    if (config.mode == vm::MonitorMode::HardwareAssisted) config.controls = vmcs_->controls();
    return [config]() -> std::unique_ptr<Engine> { return std::make_unique<vm::TrapVmm>(config); };
}

bool TrapPane::loadRunSettings(const lessons::WorldRun& run) {
    // lab.vm runs the built-in kernel with the default VMCS controls; only its mode varies.
    const int mode = monitor_->findData(run.options.value("mode", "trap").toString());
    if (run.call != "lab.vm" || mode < 0 || !picker_->selectBuilt("guest/kernel.bin")) return false;
    monitor_->setCurrentIndex(mode);
    vmcs_->setControls(vm::VmcsControls());
    last_mode_ = monitor_->currentData().toString();
    return true;
}

QStringList TrapPane::leadingCounters() const {
    if (last_mode_ == "hw") return {"guest_instructions", "vmm_entries", "exits", "exits.hlt", "exits.io", "modeled_cycles"};
    if (last_mode_ == "bt")
        return {"guest_instructions", "vmm_entries", "bt.blocks", "bt.rewritten", "bt.translated_instructions", "modeled_cycles"};
    return {"guest_instructions", "vmm_entries", "traps.cli", "traps.sti", "traps.hlt", "traps.out", "traps.in",
            "modeled_cycles"};
}

QString TrapPane::listingTitle() const {
    if (last_mode_ == "bt") return tr("each translated instruction beside its translation");
    if (last_mode_ == "hw") return tr("instructions that exited");
    return tr("privileged instructions that trapped (trap sites)");
}

void TrapPane::showMonitorViews(const RunOutcome& outcome) {
    const vm::MonitorMode mode = vm::parseMode(last_mode_.toStdString()).value_or(vm::MonitorMode::Trap);
    const auto rows = vm::entriesByReason(mode, outcome.counters);
    reasons_->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        reasons_->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(rows[static_cast<size_t>(r)].reason)));
        auto* n = new QTableWidgetItem(QLocale::c().toString(static_cast<qulonglong>(rows[static_cast<size_t>(r)].count)));
        n->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        reasons_->setItem(r, 1, n);
    }

    // bt's listing lines: "0x00100020  cli                              ->  call vmm_cli".
    translation_->setRowCount(0);
    if (mode != vm::MonitorMode::BinaryTranslation) return;
    static const QRegularExpression line(QStringLiteral("^(0x[0-9a-f]+)\\s+(.*?)\\s+->\\s+(.*)$"));
    translation_->setRowCount(static_cast<int>(outcome.snapshot.listing.size()));
    int row = 0;
    for (const std::string& text : outcome.snapshot.listing) {
        const auto m = line.match(QString::fromStdString(text));
        if (!m.hasMatch()) continue;
        const QString original = m.captured(1) + "  " + m.captured(2);
        auto* left = new QTableWidgetItem(original);
        auto* right = new QTableWidgetItem(m.captured(3));
        // A rewritten instruction is the point of the listing: marked in both columns.
        if (m.captured(3) != m.captured(2)) {
            left->setBackground(bandColour(0, palette()));
            right->setBackground(bandColour(0, palette()));
        }
        translation_->setItem(row, 0, left);
        translation_->setItem(row, 1, right);
        ++row;
    }
    translation_->setRowCount(row);
}

}  // namespace vl::gui
