// The hardware-assisted monitor's VMCS execution controls as checkboxes (issue 4): one per
// control that VmcsControls lets a VMM choose, each with its VMCS field and bit as tooltip, and
// the controls this monitor always sets shown ticked and greyed. What is ticked here is what
// the next hw run is built with (the pane reads controls() when it builds the engine).
#pragma once

#include <QGroupBox>

#include <map>
#include <string>

#include "trapsim/monitor_mode.h"

class QCheckBox;
class QLineEdit;

namespace vl::gui {

class VmcsControlsBox : public QGroupBox {
    Q_OBJECT
public:
    explicit VmcsControlsBox(QWidget* parent = nullptr);

    // The controls as ticked. Throws vl::Error(Input) for a malformed I/O-bitmap port list.
    vm::VmcsControls controls() const;
    void setControls(const vm::VmcsControls& controls);
    // The checkbox of a control by VmcsControls::settings()' name ("HLT exiting"), or of one
    // exception-bitmap bit ("exception bitmap: 14"); nullptr when there is none.
    QCheckBox* checkBox(const QString& name) const;

signals:
    void changed();

private:
    std::map<std::string, QCheckBox*> boxes_;   // by setting name
    std::map<int, QCheckBox*> exceptions_;      // by vector
    QLineEdit* ports_ = nullptr;                // the I/O bitmap's ports, "0x3f8 0x80"
};

}  // namespace vl::gui
