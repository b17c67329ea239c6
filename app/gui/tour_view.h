// The tour view: one button runs the tour program in every world at once (each on its own
// EngineRunner) and fills a comparison table and a chart of any of its rows; beside them, the
// cost model's parameters with their sources, editable, the modeled cycles following each edit.
#pragma once

#include <QWidget>

#include <memory>
#include <vector>

#include "app/gui/engine_runner.h"
#include "app/tour/tour.h"
#include "trapsim/cost_model.h"

class QChartView;
class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace vl::gui {

class CostModelEditor;

class TourView : public QWidget {
    Q_OBJECT
public:
    explicit TourView(QWidget* parent = nullptr);

    QPushButton* runButton() const { return run_button_; }
    QTableWidget* table() const { return table_; }
    CostModelEditor* costEditor() const { return cost_; }
    QComboBox* chartMetricBox() const { return chart_metric_; }
    QChartView* chartView() const { return chart_; }
    // The table row of a metric by its JSON key (tour::metrics()), or -1.
    int rowOf(const std::string& json_key) const;
    // Dark chart colours to match a dark window theme.
    void setDarkChart(bool dark);
    bool isRunning() const;
    const std::vector<tour::WorldRun>& results() const { return results_; }

public slots:
    void runTour();

signals:
    void tourFinished();

private:
    void worldFinished(size_t index, const RunOutcome& outcome);
    void showResults();
    void fillTable();
    void drawChart();
    // Modeled cycles of every monitor world from its counts and the cost model as edited.
    void applyCostModel(const vm::CostModel& model);

    std::vector<tour::World> worlds_;
    std::vector<std::unique_ptr<EngineRunner>> runners_;
    std::vector<tour::WorldRun> results_;
    size_t pending_ = 0;
    QPushButton* run_button_;
    QLabel* status_;
    QTableWidget* table_;
    QChartView* chart_;
    QComboBox* chart_metric_;
    CostModelEditor* cost_;
    bool dark_chart_ = false;
};

}  // namespace vl::gui
