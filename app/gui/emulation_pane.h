// Full emulation: a guest program on Unicorn's x86 CPU with VirtLab's Linux syscall layer, on
// VirtLab's x86 -> AArch64 translator running on the ARM64 CPU, or the same bytes fed straight
// to the ARM64 CPU to show why a translator is needed at all. With the translator, three more
// views show what it made: the side-by-side listing, the register map, the translation cache
// with how often each block ran (moving while the translator runs), and a debugger that steps
// one x86 instruction or one AArch64 instruction of the translated code at a time.
#pragma once

#include <QTemporaryDir>
#include <QTimer>

#include <memory>

#include "app/gui/dbt_inspection.h"
#include "app/gui/guest_picker.h"
#include "app/gui/world_pane.h"

namespace vl::gui {

class EmulationHostView;
class RegisterMap;
class TranslationCacheView;
class TranslationListing;

class EmulationPane : public WorldPane {
    Q_OBJECT
public:
    explicit EmulationPane(QWidget* parent = nullptr);

    QComboBox* programBox() const { return picker_->comboBox(); }
    QComboBox* engineBox() const { return engine_; }
    TranslationListing* translationListing() const { return listing_; }
    RegisterMap* registerMap() const { return register_map_; }
    TranslationCacheView* cacheView() const { return cache_view_; }
    EmulationHostView* hostView() const { return host_view_; }
    QPushButton* stepGuestButton() const { return step_guest_; }
    QPushButton* stepHostButton() const { return step_host_; }
    // What the translator had translated when the last run or step returned.
    DbtInspection inspection() const { return inspection_; }
    // A lesson's translator run is shown with its translations once the pane has translated
    // the same program again (the translator is deterministic); true until then.
    bool readingLessonTranslation() const { return lesson_runner_.isRunning(); }
    // Besides counters and registers: an x86 instruction as the translation listing shows it
    // ("add eax, ebx"), in the block that holds it. While a lesson's translations are still
    // being read, the mark waits for them (and true is returned).
    bool highlightRow(const QString& name) override;

public slots:
    // The translator's finer steps (Run > Step one x86 / AArch64 instruction): nothing unless
    // the translator is the chosen CPU and the pane is not running.
    void stepGuestInstruction() { stepBy(DbtInspectionChannel::Step::Guest); }
    void stepHostInstruction() { stepBy(DbtInspectionChannel::Step::Host); }

signals:
    // The translation views show a lesson's translator run (see readingLessonTranslation).
    void lessonTranslationShown();

protected:
    EngineRunner::Factory engineFactory() override;
    QStringList leadingCounters() const override;
    QString listingTitle() const override;
    bool loadRunSettings(const lessons::WorldRun& run) override;

private:
    // Steps the translator by one x86 or one AArch64 instruction (through WorldPane::step, so
    // the worker thread does it like every other run).
    void stepBy(DbtInspectionChannel::Step step);
    void updateStepButtons();
    void showLiveHits();
    void showTranslation(const RunOutcome& outcome);
    void showInspection(const Counters& counters);
    // lab.translate({source}): the snippet as a file the picker can hold, as the lesson assembled it.
    QString writeSnippet(const QString& source);
    void readLessonTranslation(const QString& program_path);
    void showBlock(uint32_t guest_start);
    bool markInstruction(const QString& x86);
    void forgetTranslation();
    void showNoTranslation(const QString& why);
    QString anotherCpuNote() const;

    GuestPicker* picker_;
    QComboBox* engine_;
    QString last_engine_;  // the engine of the run being shown
    std::shared_ptr<DbtInspectionChannel> channel_;
    DbtInspection inspection_;
    TranslationListing* listing_;
    RegisterMap* register_map_;
    TranslationCacheView* cache_view_;
    EmulationHostView* host_view_;
    QPushButton* step_guest_;
    QPushButton* step_host_;
    QTimer live_;  // samples the translator's publications while it runs
    uint64_t shown_serial_ = 0;
    // A lesson's run shown in place of one of the pane's own (until the pane runs again), and
    // the translator run that reads its translations, with a channel of its own.
    bool lesson_shown_ = false;
    Counters lesson_counters_;
    EngineRunner lesson_runner_;
    std::shared_ptr<DbtInspectionChannel> lesson_channel_;
    QString lesson_read_path_;
    bool lesson_read_queued_ = false;
    QString pending_mark_;  // a lesson's highlight, for when its translations are shown
    std::unique_ptr<QTemporaryDir> snippet_dir_;
};

}  // namespace vl::gui
