#include "app/gui/tour_view.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <cmath>

#include "app/gui/cost_model_editor.h"
#include "trapsim/monitor_mode.h"

namespace vl::gui {

namespace {

QString formatValue(const tour::Metric& metric, double value) {
    if (metric.json_key == "milliseconds") return QLocale::c().toString(value, 'f', 1);
    return QLocale::c().toString(static_cast<qulonglong>(value));
}

uint64_t count(const tour::WorldRun& run, const std::string& name) {
    auto it = run.counters.find(name);
    return it == run.counters.end() ? 0 : it->second;
}

}  // namespace

TourView::TourView(QWidget* parent) : QWidget(parent), worlds_(tour::worlds()) {
    run_button_ = new QPushButton(tr("Run the tour: one program, every world"));
    run_button_->setObjectName("runTour");
    status_ = new QLabel(tr("The same program runs in every world at once; the table compares what lies beneath."));
    status_->setWordWrap(true);

    table_ = new QTableWidget(static_cast<int>(tour::metrics().size()) + 1, static_cast<int>(worlds_.size()));
    table_->setObjectName("tourTable");
    QStringList columns, rows{tr("result")};
    for (const auto& w : worlds_) columns << QString::fromStdString(w.name);
    for (const auto& m : tour::metrics()) rows << QString::fromStdString(m.label);
    table_->setHorizontalHeaderLabels(columns);
    table_->setVerticalHeaderLabels(rows);
    // Column titles such as "Hardware-assisted" must stay whole: sized to their contents, with
    // a scroll bar when the dock is narrow, rather than stretched and clipped.
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);

    chart_metric_ = new QComboBox;
    chart_metric_->setObjectName("chartMetric");
    for (const auto& m : tour::metrics()) chart_metric_->addItem(QString::fromStdString(m.label), QString::fromStdString(m.json_key));
    chart_metric_->setCurrentIndex(chart_metric_->findData(QStringLiteral("modeled_cycles")));
    chart_ = new QChartView;
    chart_->setRenderHint(QPainter::Antialiasing);
    chart_->setMinimumWidth(260);

    cost_ = new CostModelEditor;
    auto* cost_note = new QLabel(tr("<b>Cost model</b> (modeled cycles = guest work + entries x cost; "
                                    "double-click a number to change it)"));
    cost_note->setWordWrap(true);

    auto* left = new QWidget;
    auto* left_layout = new QVBoxLayout(left);
    left_layout->setContentsMargins(0, 0, 0, 0);
    left_layout->addWidget(run_button_);
    left_layout->addWidget(status_);
    left_layout->addWidget(table_, 1);
    auto* middle = new QWidget;
    auto* middle_layout = new QVBoxLayout(middle);
    middle_layout->setContentsMargins(0, 0, 0, 0);
    auto* metric_row = new QHBoxLayout;
    metric_row->addWidget(new QLabel(tr("Chart")));
    metric_row->addWidget(chart_metric_, 1);
    middle_layout->addLayout(metric_row);
    middle_layout->addWidget(chart_, 1);
    auto* right = new QWidget;
    auto* right_layout = new QVBoxLayout(right);
    right_layout->setContentsMargins(0, 0, 0, 0);
    right_layout->addWidget(cost_note);
    right_layout->addWidget(cost_, 1);

    auto* split = new QSplitter(Qt::Horizontal);
    split->setObjectName("tourSplit");
    split->addWidget(left);
    split->addWidget(middle);
    split->addWidget(right);
    split->setStretchFactor(0, 6);
    split->setStretchFactor(1, 3);
    split->setStretchFactor(2, 3);
    // The table needs room for seven columns (labels and six worlds) before the chart and the
    // cost model get theirs; the splitter scales these proportions to the dock's width.
    split->setSizes({720, 330, 330});
    split->setChildrenCollapsible(false);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);

    connect(run_button_, &QPushButton::clicked, this, &TourView::runTour);
    connect(chart_metric_, &QComboBox::currentIndexChanged, this, &TourView::drawChart);
    connect(cost_, &CostModelEditor::costModelChanged, this, [this](const vm::CostModel& model) {
        applyCostModel(model);
        fillTable();
        drawChart();
    });
    connect(cost_, &CostModelEditor::rejected, status_, &QLabel::setText);
}

bool TourView::isRunning() const { return pending_ > 0; }

int TourView::rowOf(const std::string& json_key) const {
    for (size_t i = 0; i < tour::metrics().size(); ++i)
        if (tour::metrics()[i].json_key == json_key) return static_cast<int>(i) + 1;  // row 0 is the result
    return -1;
}

void TourView::runTour() {
    if (isRunning()) return;
    results_.assign(worlds_.size(), {});
    runners_.clear();
    pending_ = 0;
    run_button_->setEnabled(false);
    status_->setText(tr("Running in every world at once..."));
    for (size_t i = 0; i < worlds_.size(); ++i) {
        auto& r = results_[i];
        r.world = worlds_[i].name;
        r.mode = worlds_[i].mode;
        r.skip_reason = worlds_[i].skip_reason;
        if (r.skipped()) continue;
        auto runner = std::make_unique<EngineRunner>();
        connect(runner.get(), &EngineRunner::finished, this,
                [this, i](const RunOutcome& outcome) { worldFinished(i, outcome); });
        ++pending_;
        runner->run(worlds_[i].factory);
        runners_.push_back(std::move(runner));
    }
    if (pending_ == 0) showResults();
}

void TourView::worldFinished(size_t index, const RunOutcome& outcome) {
    auto& r = results_[index];
    r.state = outcome.state;
    r.exit_code = outcome.exit_code;
    r.failure = outcome.failure.toStdString();
    r.counters = outcome.counters;
    r.console = outcome.snapshot.console;
    r.seconds = outcome.seconds;
    fillTable();  // each world's column fills in as it finishes
    if (--pending_ == 0) showResults();
}

void TourView::applyCostModel(const vm::CostModel& model) {
    for (auto& r : results_) {
        const auto mode = vm::parseMode(r.mode);
        if (!mode || r.skipped() || !r.counters.count("modeled_cycles")) continue;
        r.counters["modeled_cycles"] = model.modeledCycles(*mode, count(r, "guest_instructions"), count(r, "vmm_entries"),
                                                           count(r, "bt.translated_instructions"));
    }
}

void TourView::fillTable() {
    auto setCell = [&](int row, int col, const QString& text) {
        auto* item = new QTableWidgetItem(text);
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table_->setItem(row, col, item);
    };
    for (int col = 0; col < static_cast<int>(results_.size()); ++col) {
        const auto& r = results_[static_cast<size_t>(col)];
        if (r.skipped()) {
            setCell(0, col, tr("skipped: %1").arg(QString::fromStdString(r.skip_reason)));
            continue;
        }
        if (r.state == RunState::Ready) {  // still running
            setCell(0, col, tr("running..."));
            for (int row = 1; row < table_->rowCount(); ++row) setCell(row, col, QString());
            continue;
        }
        setCell(0, col, r.state == RunState::Finished ? tr("exit %1").arg(r.exit_code)
                                                      : tr("failed: %1").arg(QString::fromStdString(r.failure)));
        for (int row = 0; row < static_cast<int>(tour::metrics().size()); ++row) {
            const auto& metric = tour::metrics()[static_cast<size_t>(row)];
            const auto value = metric.value(r);
            setCell(row + 1, col, value ? formatValue(metric, *value) : QStringLiteral("-"));
        }
    }
}

void TourView::drawChart() {
    const std::string key = chart_metric_->currentData().toString().toStdString();
    const int row = rowOf(key);
    if (row < 0) return;
    const tour::Metric& metric = tour::metrics()[static_cast<size_t>(row - 1)];
    auto* values = new QBarSet(QString::fromStdString(metric.label));
    QStringList categories;
    double top = 0;
    for (const auto& r : results_) {
        if (r.skipped() || r.state == RunState::Ready) continue;
        const auto value = metric.value(r);
        categories << QString::fromStdString(r.mode);  // short: five full world names are elided
        *values << value.value_or(0);
        top = std::max(top, value.value_or(0));
    }
    if (categories.isEmpty()) {  // before the first run: nothing to scale an axis to
        delete values;
        return;
    }
    auto* series = new QBarSeries;
    series->append(values);
    // Values on the bars only for the short ones; seven-digit counts would overlap.
    series->setLabelsVisible(top < 1e5 || key == "milliseconds");
    series->setLabelsFormat("@value");
    auto* chart = new QChart;
    chart->setTheme(dark_chart_ ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->addSeries(series);
    chart->setTitle(key == "milliseconds" ? tr("Wall time (the worlds run at once, sharing the CPU)")
                                          : QString::fromStdString(metric.label));
    auto* x = new QBarCategoryAxis;
    x->append(categories);
    x->setLabelsAngle(-90);  // six mode names side by side fit neither level nor slanted
    auto* y = new QValueAxis;
    // Counts span six orders of magnitude between worlds; a compact axis keeps it readable.
    y->setLabelFormat(top >= 1e6 ? "%.2g" : "%.0f");
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    y->setMin(0);
    y->applyNiceNumbers();
    chart->legend()->hide();
    QChart* old = chart_->chart();
    chart_->setChart(chart);
    delete old;
}

void TourView::setDarkChart(bool dark) {
    dark_chart_ = dark;
    drawChart();
}

void TourView::showResults() {
    applyCostModel(cost_->costModel());
    fillTable();
    drawChart();
    bool all_passed = true;
    for (const auto& r : results_) all_passed = all_passed && (r.skipped() || r.passed());
    run_button_->setEnabled(true);
    status_->setText(all_passed ? tr("Done: the same answers in every world; see what differed beneath.")
                                : tr("Done, but a world failed: see its column."));
    emit tourFinished();
}

}  // namespace vl::gui
