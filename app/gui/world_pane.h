// What every world's pane has: its own controls on top; Run, Step, Pause and Reset with a
// speed control; the engine's output, counters, registers/state and latest events. A
// subclass adds its controls and says how to build its engine from them.
#pragma once

#include <QTimer>
#include <QWidget>

#include <QJsonObject>

#include <deque>
#include <memory>

#include "app/gui/engine_runner.h"
#include "lessons/scenario_result.h"

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QVBoxLayout;

namespace vl::gui {

class WorldPane : public QWidget {
    Q_OBJECT
public:
    // steppable: the engine counts guest instructions, so Step and slower speeds make sense
    // (a container is not: its Pause button stops it).
    WorldPane(const QString& title, const QString& explanation, bool steppable, QWidget* parent = nullptr);

    QString title() const { return title_; }
    QPushButton* runButton() const { return run_button_; }
    QPushButton* stepButton() const { return step_button_; }
    QPushButton* pauseButton() const { return pause_button_; }
    QPushButton* resetButton() const { return reset_button_; }
    QComboBox* speedBox() const { return speed_; }
    QPlainTextEdit* outputView() const { return output_; }
    QTableWidget* countersTable() const { return counters_; }
    QTableWidget* stateTable() const { return state_; }
    QLabel* statusLabel() const { return status_; }
    bool isRunning() const { return runner_.isRunning() || animating_; }
    bool isSteppable() const { return steppable_; }
    // The last run as JSON: outcome, counters, registers/state, console, and the latest events.
    QJsonObject traceJson() const;

    // Lesson hints (lessons/lab_api.h): bring a view forward -- "console"/"listing" (the
    // output), "counters", "registers"/"state", "events", or a world's own view by the object
    // name of its tab ("translation", "hypercalls" ...) -- and mark a counter or register row.
    // Both return false when the pane has no such view or row. A world may mark rows of its
    // own views too (the Emulation pane: an x86 instruction in the translation listing).
    bool showView(const QString& view);
    virtual bool highlightRow(const QString& name);
    QTabWidget* viewTabs() const { return tabs_; }

    // A run a lesson's scenario made in this world: the pane forgets its own run, loads the
    // run's settings into its controls where it can (so Run and Reset repeat it) and shows the
    // run as the scenario's checks saw it -- output, counters, state and its latest events.
    // `origin` says where it came from ("Lesson 04, step 2"). While the pane runs, the run is
    // shown when it stops (and false is returned).
    bool showLessonRun(const lessons::WorldRun& run, const QString& origin);

public slots:
    void run();    // at the chosen speed; continues a paused run
    void step();   // one guest instruction
    void pause();  // stops a run at the next opportunity (a container: stops it)
    void reset();  // forgets the run; the next Run starts from the beginning

signals:
    // After every run, step or animation slice; `outcome.state` says whether it ended.
    void runFinished(const vl::gui::RunOutcome& outcome);
    // Every batch of the engine's events as it arrives (the Events view shows only the latest
    // lines of a batch; a pane's own views, such as the hypercall log, may want them all).
    void eventsArrived(const std::vector<vl::Event>& batch);

protected:
    // Where a subclass puts its controls (above the buttons).
    QVBoxLayout* controlsLayout() const { return controls_; }
    // Called on the GUI thread when a new engine is needed; the returned factory runs on the worker.
    virtual EngineRunner::Factory engineFactory() = 0;
    // Counters this world wants shown first, in this order (others follow, sorted).
    virtual QStringList leadingCounters() const { return {}; }
    // What the snapshot's listing is in this world, shown as its heading under the output.
    virtual QString listingTitle() const = 0;
    // Sets the pane's controls to a lesson run's settings; false when this pane cannot.
    virtual bool loadRunSettings(const lessons::WorldRun&) { return false; }
    // Whether the Events view lists an event (the exported trace keeps every event), and how:
    // "kind: detail" by default.
    virtual bool listsEvent(const vl::Event&) const { return true; }
    virtual QString describeEvent(const vl::Event& event) const;

private:
    void start(uint64_t budget);
    void showEvents(const std::vector<vl::Event>& batch);
    void showOutcome(const RunOutcome& outcome);
    void updateButtons();
    uint64_t slice() const;  // guest instructions per animation tick; 0 = full speed

    QString title_;
    bool steppable_;
    RunOutcome last_outcome_;
    std::deque<vl::Event> recent_events_;  // bounded: the trace keeps the latest ones
    EngineRunner runner_;
    EngineRunner::Factory factory_;  // of the current run, kept so Step/Run continue it
    QTimer animation_;
    bool animating_ = false;
    QVBoxLayout* controls_;
    QPushButton* run_button_;
    QPushButton* step_button_;
    QPushButton* pause_button_;
    QPushButton* reset_button_;
    QComboBox* speed_;
    QLabel* status_;
    QPlainTextEdit* output_;
    QTableWidget* counters_;
    QTableWidget* state_;
    QPlainTextEdit* events_;
    QTabWidget* tabs_;
};

// Fills a two-column table with name/value rows.
void fillTable(QTableWidget* table, const std::vector<std::pair<QString, QString>>& rows);
QString formatCount(uint64_t value);

}  // namespace vl::gui
