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
                true, parent) {
    picker_ = new GuestPicker("tour", {"-i386"}, "tour/tour-i386",
                              tr("Guest programs (*.asm *.bin *.elf);;All files (*)"));
    picker_->addBuiltAssets("programs", {".bin", ".elf"});
    picker_->comboBox()->setObjectName("program");

    engine_ = new QComboBox;
    engine_->setObjectName("engine");
    engine_->addItem(tr("x86 CPU (Unicorn) + Linux syscalls"), "unicorn");
    engine_->addItem(tr("VirtLab's x86 -> AArch64 translator on the ARM64 CPU"), "dbt");
    engine_->addItem(tr("x86 bytes on the ARM64 CPU"), "arm-direct");

    auto* form = new QFormLayout;
    form->addRow(tr("Program"), picker_);
    form->addRow(tr("CPU"), engine_);
    controlsLayout()->addLayout(form);
}

EngineRunner::Factory EmulationPane::engineFactory() {
    const std::string path = picker_->selectedPath().toStdString();
    if (path.empty()) throwInput("no program chosen");
    last_engine_ = engine_->currentData().toString();
    const std::string engine = last_engine_.toStdString();
    return [path, engine] { return emu::makeEmulationEngine(engine, emu::loadGuest(path)); };
}

QStringList EmulationPane::leadingCounters() const { return {"guest_instructions", "blocks", "syscalls"}; }

QString EmulationPane::listingTitle() const {
    if (last_engine_ == "arm-direct") return tr("what the ARM64 CPU decoded");
    return tr("the last block executed");
}

}  // namespace vl::gui
