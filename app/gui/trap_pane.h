// Trap and emulate: a guest kernel entered deprivileged, its privileged instructions trapping
// to VirtLab's monitor, which emulates them and resumes the guest.
#pragma once

#include "app/gui/guest_picker.h"
#include "app/gui/world_pane.h"

namespace vl::gui {

class TrapPane : public WorldPane {
    Q_OBJECT
public:
    explicit TrapPane(QWidget* parent = nullptr);

    QComboBox* guestBox() const { return picker_->comboBox(); }

protected:
    EngineRunner::Factory engineFactory() override;
    QStringList leadingCounters() const override;
    QString listingTitle() const override;

private:
    GuestPicker* picker_;
};

}  // namespace vl::gui
