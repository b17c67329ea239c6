#include "app/gui/world_pane.h"

#include <QFontDatabase>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace vl::gui {

namespace {

constexpr int kMaxEventLines = 500;  // the event view keeps the latest lines only

QTableWidget* makeTable(const QString& left, const QString& right) {
    auto* table = new QTableWidget(0, 2);
    table->setHorizontalHeaderLabels({left, right});
    table->horizontalHeader()->setStretchLastSection(true);
    table->verticalHeader()->setVisible(false);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return table;
}

QPlainTextEdit* makeTextView() {
    auto* view = new QPlainTextEdit;
    view->setReadOnly(true);
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    view->setLineWrapMode(QPlainTextEdit::NoWrap);
    return view;
}

QString stateName(RunState state) {
    switch (state) {
    case RunState::Ready: return QObject::tr("ready");
    case RunState::Paused: return QObject::tr("paused");
    case RunState::Finished: return QObject::tr("finished");
    case RunState::Failed: return QObject::tr("failed");
    }
    return {};
}

}  // namespace

QString formatCount(uint64_t value) { return QLocale::c().toString(static_cast<qulonglong>(value)); }

void fillTable(QTableWidget* table, const std::vector<std::pair<QString, QString>>& rows) {
    table->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        table->setItem(r, 0, new QTableWidgetItem(rows[static_cast<size_t>(r)].first));
        auto* value = new QTableWidgetItem(rows[static_cast<size_t>(r)].second);
        value->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table->setItem(r, 1, value);
    }
    table->resizeColumnToContents(0);
}

WorldPane::WorldPane(const QString& title, const QString& explanation, QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* heading = new QLabel(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()));
    heading->setObjectName("paneTitle");
    auto* about = new QLabel(explanation);
    about->setWordWrap(true);
    layout->addWidget(heading);
    layout->addWidget(about);

    controls_ = new QVBoxLayout;
    layout->addLayout(controls_);

    run_button_ = new QPushButton(tr("Run"));
    run_button_->setObjectName("runButton");
    status_ = new QLabel(tr("Ready."));
    status_->setObjectName("status");
    status_->setWordWrap(true);
    layout->addWidget(run_button_);
    layout->addWidget(status_);

    output_ = makeTextView();
    output_->setObjectName("output");
    counters_ = makeTable(tr("Counter"), tr("Value"));
    counters_->setObjectName("counters");
    state_ = makeTable(tr("Register / state"), tr("Value"));
    state_->setObjectName("state");
    events_ = makeTextView();
    events_->setObjectName("events");
    events_->setMaximumBlockCount(kMaxEventLines);

    auto* tabs = new QTabWidget;
    tabs->addTab(output_, tr("Output"));
    tabs->addTab(counters_, tr("Counters"));
    tabs->addTab(state_, tr("State"));
    tabs->addTab(events_, tr("Events"));
    layout->addWidget(tabs, 1);

    connect(run_button_, &QPushButton::clicked, this, &WorldPane::run);
    connect(&runner_, &EngineRunner::eventsReady, this, &WorldPane::showEvents);
    connect(&runner_, &EngineRunner::finished, this, &WorldPane::showOutcome);
}

void WorldPane::run() {
    if (runner_.isRunning()) return;
    EngineRunner::Factory factory;
    try {
        factory = engineFactory();
    } catch (const std::exception& e) {  // bad input in the pane's own controls
        status_->setText(tr("Cannot run: %1").arg(QString::fromStdString(e.what())));
        return;
    }
    output_->clear();
    events_->clear();
    run_button_->setEnabled(false);
    status_->setText(tr("Running..."));
    runner_.start(std::move(factory));
}

void WorldPane::showEvents(const std::vector<vl::Event>& batch) {
    QString text;
    for (const auto& e : batch)
        text += QStringLiteral("#%1 %2 ms  %3: %4\n")
                    .arg(e.seq)
                    .arg(static_cast<double>(e.time_ns) / 1e6, 0, 'f', 3)
                    .arg(QString::fromStdString(e.kind), QString::fromStdString(e.detail));
    text.chop(1);
    events_->appendPlainText(text);
}

void WorldPane::showOutcome(const RunOutcome& outcome) {
    run_button_->setEnabled(true);
    QString output = QString::fromStdString(outcome.snapshot.console);
    if (!outcome.snapshot.listing.empty()) {
        output += QStringLiteral("\n--- %1 ---\n").arg(listingTitle());
        for (const auto& line : outcome.snapshot.listing) output += QString::fromStdString(line) + '\n';
    }
    output_->setPlainText(output);

    QString status = tr("%1 in %2 s").arg(stateName(outcome.state)).arg(outcome.seconds, 0, 'f', 3);
    if (outcome.state == RunState::Finished) status += tr(", exit code %1").arg(outcome.exit_code);
    if (!outcome.failure.isEmpty()) status += QStringLiteral(": ") + outcome.failure;
    status_->setText(status);

    std::vector<std::pair<QString, QString>> rows;
    const QStringList leading = leadingCounters();
    for (const auto& name : leading)
        if (auto it = outcome.counters.find(name.toStdString()); it != outcome.counters.end())
            rows.emplace_back(name, formatCount(it->second));
    for (const auto& [name, value] : outcome.counters)
        if (!leading.contains(QString::fromStdString(name)))
            rows.emplace_back(QString::fromStdString(name), formatCount(value));
    fillTable(counters_, rows);

    rows.clear();
    for (const auto& [name, value] : outcome.snapshot.registers)
        rows.emplace_back(QString::fromStdString(name), QString::fromStdString(value));
    fillTable(state_, rows);

    emit runFinished(outcome);
}

}  // namespace vl::gui
