// Paravirtualization: the guest kernel's -DPARAVIRT build on VirtLab's Xen-style hypervisor
// (trapsim/pv/). Beside what every pane has: the hypercall log with Xen's names, the
// shared-info page, the event channels and the blkfront/blkback ring, and the run compared
// with trap-and-emulate of the same kernel's native build.
#pragma once

#include "app/gui/engine_runner.h"
#include "app/gui/guest_picker.h"
#include "app/gui/pv_inspection.h"
#include "app/gui/world_pane.h"

namespace vl::gui {

class HypercallLogView;
class PvComparisonView;
class PvStateView;

class ParavirtPane : public WorldPane {
    Q_OBJECT
public:
    explicit ParavirtPane(QWidget* parent = nullptr);

    QComboBox* guestBox() const { return picker_->comboBox(); }
    HypercallLogView* hypercallLog() const { return log_; }
    PvStateView* stateView() const { return state_view_; }
    PvComparisonView* comparison() const { return comparison_; }
    // The trap-mode run of the native kernel that the comparison shows (started with the
    // first pv run; `finished` tells when its numbers are in).
    EngineRunner* trapRunner() { return &trap_runner_; }
    bool trapComparisonReady() const { return trap_ready_; }
    // The shared pages as the last run or step left them.
    PvInspection inspection() const { return channel_->latest(); }

signals:
    void trapComparisonFinished();

protected:
    EngineRunner::Factory engineFactory() override;
    QStringList leadingCounters() const override;
    QString listingTitle() const override;
    bool loadRunSettings(const lessons::WorldRun& run) override;

private:
    void showPvState(const RunOutcome& outcome);
    void startTrapComparison();

    GuestPicker* picker_;
    std::shared_ptr<PvInspectionChannel> channel_;
    HypercallLogView* log_;
    PvStateView* state_view_;
    PvComparisonView* comparison_;
    EngineRunner trap_runner_;
    // A lesson's run shown here left no pages to read (its engine was not an InspectedPvVmm):
    // the same settings run once more on this runner, only to read the shared pages.
    EngineRunner pages_runner_;
    bool trap_started_ = false;
    bool trap_ready_ = false;
    bool lesson_run_ = false;  // showing a lesson's run (its pages come from pages_runner_)
};

}  // namespace vl::gui
