// The tour view: one button runs the tour program in every world at once (each on its own
// EngineRunner) and fills a comparison table and a chart of where the time went.
#pragma once

#include <QWidget>

#include <memory>
#include <vector>

#include "app/gui/engine_runner.h"
#include "app/tour/tour.h"

class QChartView;
class QLabel;
class QPushButton;
class QTableWidget;

namespace vl::gui {

class TourView : public QWidget {
    Q_OBJECT
public:
    explicit TourView(QWidget* parent = nullptr);

    QPushButton* runButton() const { return run_button_; }
    QTableWidget* table() const { return table_; }
    bool isRunning() const;
    const std::vector<tour::WorldRun>& results() const { return results_; }

public slots:
    void runTour();

signals:
    void tourFinished();

private:
    void worldFinished(size_t index, const RunOutcome& outcome);
    void showResults();

    std::vector<tour::World> worlds_;
    std::vector<std::unique_ptr<EngineRunner>> runners_;
    std::vector<tour::WorldRun> results_;
    size_t pending_ = 0;
    QPushButton* run_button_;
    QLabel* status_;
    QTableWidget* table_;
    QChartView* chart_;
};

}  // namespace vl::gui
