#include "app/gui/trap_pane.h"

#include <QComboBox>
#include <QFormLayout>

#include "app/gui/guest_picker.h"
#include "trapsim/trap_vmm.h"

namespace vl::gui {

TrapPane::TrapPane(QWidget* parent)
    : WorldPane(tr("Trap and emulate"),
                tr("A guest kernel written for bare hardware runs deprivileged. Each privileged "
                   "instruction (cli, sti, hlt, in, out) traps to VirtLab's monitor, which emulates "
                   "it on a virtual CPU and resumes the guest."),
                true, parent) {
    picker_ = new GuestPicker("guest", {".bin"}, "guest/kernel.bin", tr("Guest kernels (*.asm *.bin);;All files (*)"));
    picker_->comboBox()->setObjectName("guest");
    auto* form = new QFormLayout;
    form->addRow(tr("Guest kernel"), picker_);
    controlsLayout()->addLayout(form);
}

EngineRunner::Factory TrapPane::engineFactory() {
    vm::TrapVmmConfig config;
    config.guest_path = picker_->selectedPath().toStdString();  // empty: the built default kernel
    return [config]() -> std::unique_ptr<Engine> { return std::make_unique<vm::TrapVmm>(config); };
}

QStringList TrapPane::leadingCounters() const {
    return {"guest_instructions", "vmm_entries", "traps.cli", "traps.sti", "traps.hlt", "traps.out", "traps.in",
            "modeled_cycles"};
}

QString TrapPane::listingTitle() const { return tr("privileged instructions that trapped (trap sites)"); }

}  // namespace vl::gui
