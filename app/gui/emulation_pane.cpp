#include "app/gui/emulation_pane.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>

#include <utility>

#include "app/gui/emulation_host_view.h"
#include "app/gui/guest_picker.h"
#include "app/gui/register_map.h"
#include "app/gui/translation_cache_view.h"
#include "app/gui/translation_listing.h"
#include "core/error.h"
#include "emulator/engine_factory.h"
#include "emulator/guest_loader.h"

namespace vl::gui {

EmulationPane::EmulationPane(QWidget* parent)
    : WorldPane(tr("Full emulation"),
                tr("An i386 program run instruction by instruction on an emulated CPU, its Linux "
                   "system calls served by VirtLab. Choose the translator to watch x86 become AArch64, "
                   "or the ARM64 CPU to see what happens when x86 bytes meet an ARM processor."),
                true, parent),
      channel_(std::make_shared<DbtInspectionChannel>()) {
    picker_ = new GuestPicker("tour", {"-i386"}, "tour/tour-i386",
                              tr("Guest programs (*.asm *.bin *.elf);;All files (*)"));
    picker_->addBuiltAssets("programs", {".bin", ".elf"});
    picker_->comboBox()->setObjectName("program");

    engine_ = new QComboBox;
    engine_->setObjectName("engine");
    engine_->addItem(tr("x86 CPU (Unicorn) + Linux syscalls"), "unicorn");
    engine_->addItem(tr("VirtLab's x86 -> AArch64 translator on the ARM64 CPU"), "dbt");
    engine_->addItem(tr("x86 bytes on the ARM64 CPU"), "arm-direct");
    // Sized by its longest entry the box pushed the form's labels out of a narrow pane; it
    // shows what fits, its list opens wide enough for every entry.
    engine_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    engine_->setMinimumContentsLength(16);
    engine_->view()->setMinimumWidth(engine_->view()->sizeHintForColumn(0) + 24);
    engine_->setToolTip(engine_->currentText());

    auto* form = new QFormLayout;
    form->addRow(tr("Program"), picker_);
    form->addRow(tr("CPU"), engine_);
    controlsLayout()->addLayout(form);

    step_guest_ = new QPushButton(tr("Step x86 instruction"));
    step_guest_->setObjectName("stepGuest");
    step_guest_->setToolTip(tr("Run the translated code up to the first AArch64 instruction of the next x86 instruction (Ctrl+F10)"));
    step_host_ = new QPushButton(tr("Step AArch64 instruction"));
    step_host_->setObjectName("stepHost");
    step_host_->setToolTip(tr("Run exactly one AArch64 instruction of the translated code on the ARM64 CPU (Ctrl+F11)"));
    auto* steps = new QHBoxLayout;
    steps->addWidget(step_guest_);
    steps->addWidget(step_host_);
    steps->addStretch(1);
    controlsLayout()->addLayout(steps);
    connect(step_guest_, &QPushButton::clicked, this, [this] { stepBy(DbtInspectionChannel::Step::Guest); });
    connect(step_host_, &QPushButton::clicked, this, [this] { stepBy(DbtInspectionChannel::Step::Host); });

    listing_ = new TranslationListing;
    register_map_ = new RegisterMap;
    cache_view_ = new TranslationCacheView;
    listing_->setObjectName("translation");  // lesson hints name views by these (WorldPane::showView)
    register_map_->setObjectName("registerMap");
    cache_view_->setObjectName("cache");
    host_view_ = new EmulationHostView;
    host_view_->setObjectName("hostSteps");
    viewTabs()->addTab(listing_, tr("Translation"));
    viewTabs()->addTab(register_map_, tr("Register map"));
    viewTabs()->addTab(cache_view_, tr("Cache"));
    viewTabs()->addTab(host_view_, tr("AArch64 steps"));
    live_.setInterval(250);
    connect(&live_, &QTimer::timeout, this, &EmulationPane::showLiveHits);
    live_.start();
    connect(cache_view_, &TranslationCacheView::blockChosen, this, [this](uint32_t guest) {
        showBlock(guest);
        viewTabs()->setCurrentWidget(listing_);
    });
    connect(this, &WorldPane::runFinished, this, &EmulationPane::showTranslation);
    connect(resetButton(), &QPushButton::clicked, this, &EmulationPane::forgetTranslation);
    // The translator's run(1) runs the whole block at eip (dbt_engine.h): say so where it matters.
    connect(engine_, &QComboBox::currentIndexChanged, this, [this] {
        const bool dbt = engine_->currentData().toString() == "dbt";
        engine_->setToolTip(engine_->currentText());  // the whole name, when the box shows part of it
        stepButton()->setToolTip(dbt ? tr("Run the next translated block: the translator steps a block at a time (F10)")
                                     : tr("Execute one guest instruction (F10)"));
        updateStepButtons();
    });
    connect(this, &WorldPane::runFinished, this, &EmulationPane::updateStepButtons);
    connect(&lesson_runner_, &EngineRunner::finished, this, [this] {
        if (lesson_read_queued_) {
            lesson_read_queued_ = false;
            if (lesson_shown_) readLessonTranslation(lesson_read_path_);
            return;
        }
        lesson_runner_.reset();  // what it translated is in the channel: its code cache can go
        if (!lesson_shown_) return;  // the pane has run since: its own run is on show
        inspection_ = lesson_channel_->latest();
        showInspection(lesson_counters_);
        if (!pending_mark_.isEmpty()) markInstruction(std::exchange(pending_mark_, QString()));
        emit lessonTranslationShown();
    });
    updateStepButtons();
}

void EmulationPane::stepBy(DbtInspectionChannel::Step step) {
    if (isRunning() || engine_->currentData().toString() != "dbt") return;
    channel_->requestStep(step);
    WorldPane::step();
    // A step that did not start (no program chosen) must not turn the next Run into a step.
    if (!isRunning()) channel_->takeStepRequest();
    updateStepButtons();
    viewTabs()->setCurrentWidget(host_view_);
}

void EmulationPane::updateStepButtons() {
    const bool dbt = engine_->currentData().toString() == "dbt";
    for (QPushButton* b : {step_guest_, step_host_}) b->setEnabled(dbt && !isRunning());
}

void EmulationPane::showLiveHits() {
    // While the translator runs, its cache view follows the publications (hit counts, blocks
    // translated); the other views wait for the run to return.
    if (!isRunning() || last_engine_ != "dbt" || channel_->latestSerial() == shown_serial_) return;
    const DbtInspection live = channel_->latest();
    if (!live.valid) return;
    shown_serial_ = live.serial;
    cache_view_->showCache(live, live.counters);
}

EngineRunner::Factory EmulationPane::engineFactory() {
    const std::string path = picker_->selectedPath().toStdString();
    if (path.empty()) throwInput("no program chosen");
    lesson_shown_ = false;
    pending_mark_.clear();
    last_engine_ = engine_->currentData().toString();
    const std::string engine = last_engine_.toStdString();
    if (engine == "dbt") {
        // Built on the worker; what it translated comes back through the channel after every run.
        return [path, channel = channel_]() -> std::unique_ptr<Engine> {
            return std::make_unique<InspectedDbtEngine>(emu::loadGuest(path), channel);
        };
    }
    return [path, engine] { return emu::makeEmulationEngine(engine, emu::loadGuest(path)); };
}

QStringList EmulationPane::leadingCounters() const {
    if (last_engine_ == "dbt")
        return {"guest_instructions", "host_instructions", "blocks", "blocks_translated", "cache_hits", "chained_jumps",
                "helper_exits", "invalidations", "syscalls"};
    return {"guest_instructions", "blocks", "syscalls"};
}

QString EmulationPane::listingTitle() const {
    if (last_engine_ == "arm-direct") return tr("what the ARM64 CPU decoded");
    return tr("the last block executed");
}

bool EmulationPane::loadRunSettings(const lessons::WorldRun& run) {
    // Until the pane runs again its views show the lesson's run, the translations included.
    lesson_shown_ = true;
    lesson_counters_ = run.counters;
    inspection_ = {};
    QString engine;
    if (run.call == "lab.emulate") engine = run.options.value("engine", "unicorn").toString();
    else if (run.call == "lab.translate") engine = "dbt";
    const int engine_index = engine_->findData(engine);
    if (engine_index < 0) return false;
    last_engine_ = engine;  // what the counters and the listing are
    // The pane has no instruction limit of its own: a run the limit cut short cannot be repeated.
    if (run.failure.contains("instruction limit") || run.failure.contains("still running after")) return false;
    if (run.options.contains("source")) {
        const QString path = writeSnippet(run.options.value("source").toString());
        if (path.isEmpty()) return false;
        picker_->selectFile(path, tr("the lesson's snippet"));
    } else if (!picker_->selectBuilt(run.options.value("program").toString())) {
        return false;
    }
    engine_->setCurrentIndex(engine_index);
    if (engine == "dbt") readLessonTranslation(picker_->selectedPath());
    return true;
}

QString EmulationPane::writeSnippet(const QString& source) {
    if (!snippet_dir_) snippet_dir_ = std::make_unique<QTemporaryDir>(QDir::tempPath() + "/virtlab-lesson-snippet-XXXXXX");
    if (!snippet_dir_->isValid()) return {};
    // What lab.translate assembles (lessons/translation_run.cpp): the snippet at the load address.
    const QString path = snippet_dir_->filePath("lesson-snippet.asm");
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(("org 0x00400000\n" + source + "\n").toUtf8()) < 0)
        return {};
    return path;
}

void EmulationPane::readLessonTranslation(const QString& program_path) {
    lesson_read_path_ = program_path;
    if (lesson_runner_.isRunning()) {  // an earlier lesson run's read: stopped, then this one follows
        lesson_read_queued_ = true;
        lesson_runner_.pause();
        return;
    }
    // The lesson's run kept its counters, not its translator: the same program translated
    // again by the pane's inspecting translator gives the same blocks (the translator is
    // deterministic), on a channel of its own so a run of the pane cannot mix with it.
    lesson_channel_ = std::make_shared<DbtInspectionChannel>();
    lesson_runner_.reset();
    lesson_runner_.run([path = program_path.toStdString(), channel = lesson_channel_]() -> std::unique_ptr<Engine> {
        return std::make_unique<InspectedDbtEngine>(emu::loadGuest(path), channel);
    });
}

void EmulationPane::showTranslation(const RunOutcome& outcome) {
    if (lesson_shown_) {
        if (lesson_runner_.isRunning()) showNoTranslation(tr("Reading the lesson's translations..."));
        else if (last_engine_ != "dbt") showNoTranslation(anotherCpuNote());
        else showNoTranslation(tr("The lesson's run cannot be repeated here, so its translations are not shown."));
        return;
    }
    if (last_engine_ != "dbt") {
        forgetTranslation();
        return;
    }
    inspection_ = channel_->latest();
    showInspection(outcome.counters);
}

void EmulationPane::showInspection(const Counters& counters) {
    if (!inspection_.valid) return forgetTranslation();
    shown_serial_ = inspection_.serial;
    cache_view_->showCache(inspection_, counters);
    register_map_->showState(inspection_, counters);
    host_view_->showStep(inspection_);
    // The block host stepping stands in, else the block that runs next; once the program has
    // ended there is none, so the listing stays on the block it showed (or the first one).
    if (inspection_.host.pc && inspection_.blockAt(inspection_.host.block)) showBlock(inspection_.host.block);
    else if (inspection_.blockAt(inspection_.registers.eip)) showBlock(inspection_.registers.eip);
    else if (listing_->block() && inspection_.blockAt(listing_->block()->guest_start)) showBlock(listing_->block()->guest_start);
    else if (!inspection_.blocks.empty()) showBlock(inspection_.blocks.front()->guest_start);
}

void EmulationPane::showBlock(uint32_t guest_start) {
    for (const auto& b : inspection_.blocks)
        if (b->guest_start == guest_start) {
            listing_->showBlock(b, inspection_.registers.eip);
            if (const int row = cache_view_->rowOf(guest_start); row >= 0) cache_view_->table()->selectRow(row);
            return;
        }
}

bool EmulationPane::highlightRow(const QString& name) {
    if (WorldPane::highlightRow(name)) return true;
    if (lesson_shown_ && readingLessonTranslation()) {
        pending_mark_ = name;
        return true;
    }
    return markInstruction(name);
}

bool EmulationPane::markInstruction(const QString& x86) {
    for (const auto& block : inspection_.blocks)
        for (const auto& pair : block->pairs) {
            if (pair.x86 != x86) continue;
            showBlock(block->guest_start);
            viewTabs()->setCurrentWidget(listing_);
            return listing_->markInstruction(pair.address);
        }
    return false;
}

QString EmulationPane::anotherCpuNote() const {
    return tr("This run used another CPU. Choose the translator (x86 -> AArch64) to see its translations.");
}

void EmulationPane::forgetTranslation() {
    inspection_ = {};
    lesson_shown_ = false;
    showNoTranslation(last_engine_ == "dbt" || last_engine_.isEmpty()
                          ? tr("Choose the translator as the CPU, then Run or Step: each block it translates appears here.")
                          : anotherCpuNote());
}

void EmulationPane::showNoTranslation(const QString& why) {
    listing_->showNothing(why);
    register_map_->showNothing(why);
    cache_view_->showNothing(why);
    host_view_->showNothing(why);
}

}  // namespace vl::gui
