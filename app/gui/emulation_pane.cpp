#include "app/gui/emulation_pane.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPushButton>

#include "app/gui/guest_picker.h"
#include "core/error.h"
#include "emulator/arm_direct_engine.h"
#include "emulator/guest_loader.h"
#include "emulator/unicorn_x86_engine.h"

namespace vl::gui {

EmulationPane::EmulationPane(QWidget* parent)
    : WorldPane(tr("Full emulation"),
                tr("An i386 program run instruction by instruction on an emulated CPU, its Linux "
                   "system calls served by VirtLab. Choose the ARM64 CPU to see what happens when "
                   "x86 bytes meet an ARM processor."),
                parent) {
    program_ = new QComboBox;
    program_->setObjectName("program");
    fillWithBuiltAssets(program_, "tour", {"-i386"}, "tour/tour-i386");
    fillWithBuiltAssets(program_, "programs", {".bin", ".elf"});
    auto* open = new QPushButton(tr("Open..."));
    connect(open, &QPushButton::clicked, this, &EmulationPane::chooseFile);
    auto* program_row = new QHBoxLayout;
    program_row->addWidget(program_, 1);
    program_row->addWidget(open);

    engine_ = new QComboBox;
    engine_->setObjectName("engine");
    engine_->addItem(tr("x86 CPU (Unicorn) + Linux syscalls"), "unicorn");
    engine_->addItem(tr("x86 bytes on the ARM64 CPU"), "arm-direct");

    auto* form = new QFormLayout;
    form->addRow(tr("Program"), program_row);
    form->addRow(tr("CPU"), engine_);
    controlsLayout()->addLayout(form);
}

void EmulationPane::chooseFile() {
    addChosenFile(program_, this, tr("Guest program"), tr("Guest programs (*.asm *.bin *.elf);;All files (*)"));
}

EngineRunner::Factory EmulationPane::engineFactory() {
    const std::string path = selectedPath(program_).toStdString();
    if (path.empty()) throwInput("no program chosen");
    const bool arm = engine_->currentData().toString() == "arm-direct";
    return [path, arm]() -> std::unique_ptr<Engine> {
        auto image = emu::loadGuest(path);
        if (arm) return std::make_unique<emu::ArmDirectEngine>(std::move(image));
        return std::make_unique<emu::UnicornX86Engine>(std::move(image));
    };
}

QStringList EmulationPane::leadingCounters() const { return {"guest_instructions", "blocks", "syscalls"}; }

}  // namespace vl::gui
