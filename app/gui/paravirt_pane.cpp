#include "app/gui/paravirt_pane.h"

#include <QComboBox>
#include <QFormLayout>
#include <QPushButton>
#include <QTabWidget>

#include "app/gui/hypercall_log_view.h"
#include "app/gui/pv_comparison_view.h"
#include "app/gui/pv_state_view.h"
#include "trapsim/trap_vmm.h"

namespace vl::gui {

ParavirtPane::ParavirtPane(QWidget* parent)
    : WorldPane(tr("Paravirtual"),
                tr("The same kernel, ported to a Xen-style hypervisor: it knows it runs in ring 1 and asks for "
                   "privileged work with hypercalls (int 0x82, Xen's numbers) instead of trapping, masks "
                   "events in a shared page, and reads its disk through dom0 over a granted ring."),
                true, parent),
      channel_(std::make_shared<PvInspectionChannel>()) {
    picker_ = new GuestPicker("guest", {"-pv.bin"}, "guest/kernel-pv.bin",
                              tr("Paravirtual guest kernels (*.asm *.bin);;All files (*)"));
    picker_->comboBox()->setObjectName("pvGuest");
    auto* form = new QFormLayout;
    form->addRow(tr("Guest kernel"), picker_);
    controlsLayout()->addLayout(form);

    log_ = new HypercallLogView;
    state_view_ = new PvStateView;
    comparison_ = new PvComparisonView;
    log_->setObjectName("hypercalls");  // lesson hints name views by these (WorldPane::showView)
    state_view_->setObjectName("sharedPages");
    comparison_->setObjectName("vsTrap");
    viewTabs()->addTab(log_, tr("Hypercalls"));
    viewTabs()->addTab(state_view_, tr("Shared info && ring"));
    viewTabs()->addTab(comparison_, tr("vs trap"));
    viewTabs()->setCurrentWidget(log_);

    connect(this, &WorldPane::eventsArrived, log_, &HypercallLogView::addEvents);
    connect(this, &WorldPane::runFinished, this, &ParavirtPane::showPvState);
    connect(resetButton(), &QPushButton::clicked, this, [this] {
        if (isRunning()) return;
        lesson_run_ = false;
        log_->clear();
        state_view_->clear();
        comparison_->clearPv();
    });
    connect(&pages_runner_, &EngineRunner::finished, this, [this](const RunOutcome& outcome) {
        if (lesson_run_ && outcome.state == RunState::Finished)
            state_view_->showState(channel_->latest(), outcome.counters, log_->records());
    });
    connect(&trap_runner_, &EngineRunner::finished, this, [this](const RunOutcome& outcome) {
        if (outcome.state == RunState::Finished) comparison_->showTrap(outcome.counters);
        else comparison_->showTrapFailure(outcome.failure.isEmpty() ? tr("it did not finish") : outcome.failure);
        trap_ready_ = true;
        emit trapComparisonFinished();
    });
}

EngineRunner::Factory ParavirtPane::engineFactory() {
    vm::TrapVmmConfig config;
    config.mode = vm::MonitorMode::Paravirtual;
    config.guest_path = picker_->selectedPath().toStdString();  // empty: the built-in kernel-pv.bin
    lesson_run_ = false;
    startTrapComparison();
    // Built on the worker; the shared pages come back through the channel after every run.
    return [config, channel = channel_]() -> std::unique_ptr<Engine> {
        return std::make_unique<InspectedPvVmm>(config, channel);
    };
}

void ParavirtPane::startTrapComparison() {
    // Once: the native build of the built-in kernel does the same work, whatever is stepped here.
    if (trap_started_) return;
    trap_started_ = true;
    trap_runner_.run([]() -> std::unique_ptr<Engine> {
        vm::TrapVmmConfig config;
        config.mode = vm::MonitorMode::Trap;
        return std::make_unique<vm::TrapVmm>(config);
    });
}

QStringList ParavirtPane::leadingCounters() const {
    return {"guest_instructions", "vmm_entries", "hypercalls", "upcalls", "blkback.requests", "modeled_cycles"};
}

QString ParavirtPane::listingTitle() const { return tr("privileged instructions left that trapped"); }

bool ParavirtPane::loadRunSettings(const lessons::WorldRun& run) {
    // lab.vm({mode: "pv"}) runs the built-in paravirtual kernel.
    if (run.call != "lab.vm" || !picker_->selectBuilt("guest/kernel-pv.bin")) return false;
    log_->clear();
    state_view_->clear();
    comparison_->clearPv();
    lesson_run_ = true;
    startTrapComparison();
    // The monitor is deterministic: the same guest and budget leave the same pages. A run
    // stopped early (until_console) ended where no repeat can be sure to stop, so it has none.
    if (run.state == RunState::Finished && !run.options.contains("until_console")) {
        vm::TrapVmmConfig config;
        config.mode = vm::MonitorMode::Paravirtual;
        config.guest_path = picker_->selectedPath().toStdString();
        if (run.options.contains("max_instructions"))
            config.max_instructions = run.options.value("max_instructions").toULongLong();
        pages_runner_.reset();
        pages_runner_.run([config, channel = channel_]() -> std::unique_ptr<Engine> {
            return std::make_unique<InspectedPvVmm>(config, channel);
        });
    }
    return true;
}

void ParavirtPane::showPvState(const RunOutcome& outcome) {
    log_->showCounts(outcome.counters);
    if (lesson_run_) state_view_->clear();  // Run repeats the lesson's run and reads its pages
    else state_view_->showState(channel_->latest(), outcome.counters, log_->records());
    comparison_->showPv(outcome.counters, outcome.state == RunState::Finished);
}

}  // namespace vl::gui
