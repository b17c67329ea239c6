// Full emulation: a guest program on Unicorn's x86 CPU with VirtLab's Linux syscall layer, or
// the same bytes fed straight to the ARM64 CPU to show why a translator is needed at all.
#pragma once

#include "app/gui/guest_picker.h"
#include "app/gui/world_pane.h"



namespace vl::gui {

class EmulationPane : public WorldPane {
    Q_OBJECT
public:
    explicit EmulationPane(QWidget* parent = nullptr);

    QComboBox* programBox() const { return picker_->comboBox(); }
    QComboBox* engineBox() const { return engine_; }

protected:
    EngineRunner::Factory engineFactory() override;
    QStringList leadingCounters() const override;
    QString listingTitle() const override;

private:
    GuestPicker* picker_;
    QComboBox* engine_;
    QString last_engine_;  // the engine of the run being shown
};

}  // namespace vl::gui
