// Trap and emulate: a guest kernel entered deprivileged, its privileged instructions trapping
// to VirtLab's monitor, which emulates them and resumes the guest.
#pragma once

#include "app/gui/world_pane.h"

class QComboBox;

namespace vl::gui {

class TrapPane : public WorldPane {
    Q_OBJECT
public:
    explicit TrapPane(QWidget* parent = nullptr);

    QComboBox* guestBox() const { return guest_; }

protected:
    EngineRunner::Factory engineFactory() override;
    QStringList leadingCounters() const override;

private:
    void chooseFile();

    QComboBox* guest_;
};

}  // namespace vl::gui
