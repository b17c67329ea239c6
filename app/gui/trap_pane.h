// The monitors of one guest kernel written for bare hardware: trap-and-emulate (its
// privileged instructions trap to VirtLab's monitor, which emulates them and resumes it),
// binary translation (its sensitive instructions rewritten into calls into the monitor before
// they run; the translated listing beside the original) and VT-x-style exits (entries by the
// SDM's exit reason).
#pragma once

#include "app/gui/guest_picker.h"
#include "app/gui/world_pane.h"

class QTableWidget;

namespace vl::gui {

class VmcsControlsBox;

class TrapPane : public WorldPane {
    Q_OBJECT
public:
    explicit TrapPane(QWidget* parent = nullptr);

    QComboBox* guestBox() const { return picker_->comboBox(); }
    // "trap", "bt" or "hw" (monitor_mode.h's names).
    QComboBox* monitorBox() const { return monitor_; }
    // Monitor entries by reason: trapped instruction, or exit reason with its SDM number.
    QTableWidget* reasonsTable() const { return reasons_; }
    // bt: each guest instruction translated so far beside what it became.
    QTableWidget* translationTable() const { return translation_; }
    // hw: the VMCS execution controls the next run is built with (shown only in hw mode).
    VmcsControlsBox* vmcsControls() const { return vmcs_; }

protected:
    EngineRunner::Factory engineFactory() override;
    QStringList leadingCounters() const override;
    QString listingTitle() const override;
    bool loadRunSettings(const lessons::WorldRun& run) override;

private:
    void showMonitorViews(const RunOutcome& outcome);

    GuestPicker* picker_;
    QComboBox* monitor_;
    QString last_mode_ = "trap";  // the mode of the run being shown
    QTableWidget* reasons_;
    QTableWidget* translation_;
    VmcsControlsBox* vmcs_;
};

}  // namespace vl::gui
