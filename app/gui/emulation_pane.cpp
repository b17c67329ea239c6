#include "app/gui/emulation_pane.h"

#include <QComboBox>
#include <QFormLayout>

#include "app/gui/guest_picker.h"
#include "core/error.h"
#include "emulator/engine_factory.h"
#include "emulator/guest_loader.h"

namespace vl::gui {

EmulationPane::EmulationPane(QWidget* parent)
    : WorldPane(tr("Full emulation"),
                tr("An i386 program run instruction by instruction on an emulated CPU, its Linux "
                   "system calls served by VirtLab. Choose the ARM64 CPU to see what happens when "
                   "x86 bytes meet an ARM processor."),
                parent) {
    picker_ = new GuestPicker("tour", {"-i386"}, "tour/tour-i386",
                              tr("Guest programs (*.asm *.bin *.elf);;All files (*)"));
    picker_->addBuiltAssets("programs", {".bin", ".elf"});
    picker_->comboBox()->setObjectName("program");

    engine_ = new QComboBox;
    engine_->setObjectName("engine");
    engine_->addItem(tr("x86 CPU (Unicorn) + Linux syscalls"), "unicorn");
    engine_->addItem(tr("x86 bytes on the ARM64 CPU"), "arm-direct");

    auto* form = new QFormLayout;
    form->addRow(tr("Program"), picker_);
    form->addRow(tr("CPU"), engine_);
    controlsLayout()->addLayout(form);
}

EngineRunner::Factory EmulationPane::engineFactory() {
    const std::string path = picker_->selectedPath().toStdString();
    if (path.empty()) throwInput("no program chosen");
    const std::string engine = engine_->currentData().toString().toStdString();
    return [path, engine] { return emu::makeEmulationEngine(engine, emu::loadGuest(path)); };
}

QStringList EmulationPane::leadingCounters() const { return {"guest_instructions", "blocks", "syscalls"}; }

}  // namespace vl::gui
