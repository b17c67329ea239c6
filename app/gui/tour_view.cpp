#include "app/gui/tour_view.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <cmath>

namespace vl::gui {

namespace {

QString formatValue(const tour::Metric& metric, double value) {
    if (metric.json_key == "milliseconds") return QLocale::c().toString(value, 'f', 1);
    return QLocale::c().toString(static_cast<qulonglong>(value));
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
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);

    chart_ = new QChartView;
    chart_->setRenderHint(QPainter::Antialiasing);
    chart_->setMinimumWidth(360);

    auto* left = new QVBoxLayout;
    left->addWidget(run_button_);
    left->addWidget(status_);
    left->addWidget(table_, 1);
    auto* layout = new QHBoxLayout(this);
    layout->addLayout(left, 3);
    layout->addWidget(chart_, 2);

    connect(run_button_, &QPushButton::clicked, this, &TourView::runTour);
}

bool TourView::isRunning() const { return pending_ > 0; }

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
    if (--pending_ == 0) showResults();
}

void TourView::showResults() {
    auto setCell = [&](int row, int col, const QString& text) {
        auto* item = new QTableWidgetItem(text);
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table_->setItem(row, col, item);
    };
    auto* times = new QBarSet(tr("wall time (ms)"));
    QStringList categories;
    bool all_passed = true;
    for (int col = 0; col < static_cast<int>(results_.size()); ++col) {
        const auto& r = results_[static_cast<size_t>(col)];
        if (r.skipped()) {
            setCell(0, col, tr("skipped: %1").arg(QString::fromStdString(r.skip_reason)));
            continue;
        }
        all_passed = all_passed && r.passed();
        setCell(0, col, r.state == RunState::Finished ? tr("exit %1").arg(r.exit_code)
                                                      : tr("failed: %1").arg(QString::fromStdString(r.failure)));
        for (int row = 0; row < static_cast<int>(tour::metrics().size()); ++row) {
            const auto& metric = tour::metrics()[static_cast<size_t>(row)];
            const auto value = metric.value(r);
            setCell(row + 1, col, value ? formatValue(metric, *value) : QStringLiteral("-"));
        }
        categories << QString::fromStdString(r.world);
        *times << std::round(r.seconds * 10000) / 10;  // milliseconds, one decimal
    }

    auto* series = new QBarSeries;
    series->append(times);
    series->setLabelsVisible(true);
    series->setLabelsFormat("@value");
    auto* chart = new QChart;
    chart->addSeries(series);
    chart->setTitle(tr("Wall time of the same workload (run at once, sharing the CPU)"));
    auto* x = new QBarCategoryAxis;
    x->append(categories);
    auto* y = new QValueAxis;
    y->setLabelFormat("%.0f");
    y->setTitleText(tr("milliseconds"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    y->applyNiceNumbers();
    chart->legend()->hide();
    QChart* old = chart_->chart();
    chart_->setChart(chart);
    delete old;

    run_button_->setEnabled(true);
    status_->setText(all_passed ? tr("Done: the same answers in every world; see what differed beneath.")
                                : tr("Done, but a world failed: see its column."));
    emit tourFinished();
}

}  // namespace vl::gui
