// What every world's pane has: its own controls on top, a Run button, the engine's output,
// a table of counters, a table of registers/state, and the latest events. A subclass adds
// the controls and says how to build its engine from them.
#pragma once

#include <QWidget>

#include <memory>

#include "app/gui/engine_runner.h"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
class QVBoxLayout;

namespace vl::gui {

class WorldPane : public QWidget {
    Q_OBJECT
public:
    WorldPane(const QString& title, const QString& explanation, QWidget* parent = nullptr);

    QPushButton* runButton() const { return run_button_; }
    QPlainTextEdit* outputView() const { return output_; }
    QTableWidget* countersTable() const { return counters_; }
    QTableWidget* stateTable() const { return state_; }
    QLabel* statusLabel() const { return status_; }
    bool isRunning() const { return runner_.isRunning(); }

public slots:
    void run();

signals:
    void runFinished(const vl::gui::RunOutcome& outcome);

protected:
    // Where a subclass puts its controls (above the Run button).
    QVBoxLayout* controlsLayout() const { return controls_; }
    // Called on the GUI thread when Run is pressed; the returned factory runs on the worker.
    virtual EngineRunner::Factory engineFactory() = 0;
    // Counters this world wants shown first, in this order (others follow, sorted).
    virtual QStringList leadingCounters() const { return {}; }
    // What the snapshot's listing is in this world, shown as its heading under the output.
    virtual QString listingTitle() const = 0;

private:
    void showEvents(const std::vector<vl::Event>& batch);
    void showOutcome(const RunOutcome& outcome);

    EngineRunner runner_;
    QVBoxLayout* controls_;
    QPushButton* run_button_;
    QLabel* status_;
    QPlainTextEdit* output_;
    QTableWidget* counters_;
    QTableWidget* state_;
    QPlainTextEdit* events_;
};

// Fills a two-column table with name/value rows.
void fillTable(QTableWidget* table, const std::vector<std::pair<QString, QString>>& rows);
QString formatCount(uint64_t value);

}  // namespace vl::gui
