#include "app/gui/world_pane.h"

#include <QComboBox>

#include <algorithm>
#include <QJsonArray>
#include <QJsonDocument>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "app/gui/read_only_table.h"

namespace vl::gui {

namespace {

constexpr int kMaxEventLines = 500;  // the event view keeps the latest lines only
constexpr size_t kTraceEvents = 10000;  // events kept for the exported trace
constexpr int kTickMs = 100;
constexpr size_t kShownPerBatch = 50;   // event lines drawn per batch (20 batches a second)
constexpr int kShownOptionChars = 48;   // of a lesson call's string option in the status line

QTableWidget* makeTable(const QString& left, const QString& right) { return makeReadOnlyTable({left, right}); }

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

WorldPane::WorldPane(const QString& title, const QString& explanation, bool steppable, QWidget* parent)
    : QWidget(parent), title_(title), steppable_(steppable) {
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
    run_button_->setToolTip(tr("Run to the end at the chosen speed, or continue a paused run (F5)"));
    step_button_ = new QPushButton(tr("Step"));
    step_button_->setObjectName("stepButton");
    step_button_->setToolTip(tr("Execute one guest instruction (F10)"));
    pause_button_ = new QPushButton(steppable ? tr("Pause") : tr("Stop"));
    pause_button_->setObjectName("pauseButton");
    pause_button_->setToolTip(steppable ? tr("Pause the run (Shift+F5)") : tr("Stop the container (Shift+F5)"));
    reset_button_ = new QPushButton(tr("Reset"));
    reset_button_->setObjectName("resetButton");
    speed_ = new QComboBox;
    speed_->setObjectName("speed");
    speed_->addItem(tr("full speed"), QVariant::fromValue<qulonglong>(0));
    for (qulonglong n : {100000ULL, 1000ULL, 10ULL, 1ULL})
        speed_->addItem(tr("%1 instructions / tick").arg(QLocale::c().toString(n)), QVariant::fromValue(n));
    // Wide enough for "full speed" in a narrow pane; the longer entries show when it opens.
    speed_->setMinimumWidth(speed_->fontMetrics().horizontalAdvance(speed_->itemText(0)) + 40);
    speed_->setToolTip(tr("How fast Run goes: full speed, or so many guest instructions every %1 ms").arg(kTickMs));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(run_button_);
    buttons->addWidget(step_button_);
    buttons->addWidget(pause_button_);
    buttons->addWidget(reset_button_);
    buttons->addWidget(speed_);
    step_button_->setVisible(steppable);
    speed_->setVisible(steppable);
    layout->addLayout(buttons);

    status_ = new QLabel(tr("Ready."));
    status_->setObjectName("status");
    status_->setWordWrap(true);
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

    tabs_ = new QTabWidget;
    tabs_->setObjectName("views");
    tabs_->addTab(output_, tr("Output"));
    tabs_->addTab(counters_, tr("Counters"));
    tabs_->addTab(state_, tr("State"));
    tabs_->addTab(events_, tr("Events"));
    layout->addWidget(tabs_, 1);

    animation_.setSingleShot(true);
    connect(&animation_, &QTimer::timeout, this, [this] { start(slice()); });
    connect(run_button_, &QPushButton::clicked, this, &WorldPane::run);
    connect(step_button_, &QPushButton::clicked, this, &WorldPane::step);
    connect(pause_button_, &QPushButton::clicked, this, &WorldPane::pause);
    connect(reset_button_, &QPushButton::clicked, this, &WorldPane::reset);
    connect(&runner_, &EngineRunner::eventsReady, this, &WorldPane::showEvents);
    connect(&runner_, &EngineRunner::finished, this, &WorldPane::showOutcome);
    updateButtons();
}

uint64_t WorldPane::slice() const { return steppable_ ? speed_->currentData().toULongLong() : 0; }

void WorldPane::run() {
    if (isRunning()) return;
    animating_ = slice() != 0;
    start(slice());
}

void WorldPane::step() {
    if (isRunning() || !steppable_) return;
    animating_ = false;
    start(1);
}

void WorldPane::start(uint64_t budget) {
    if (!runner_.hasPausedEngine()) {  // a new run: build the engine from the controls as they are now
        try {
            factory_ = engineFactory();
        } catch (const std::exception& e) {  // bad input in the pane's own controls
            animating_ = false;
            status_->setText(tr("Cannot run: %1").arg(QString::fromStdString(e.what())));
            return;
        }
        output_->clear();
        events_->clear();
        recent_events_.clear();
    }
    status_->setText(animating_ || budget == 0 ? tr("Running...") : tr("Stepping..."));
    runner_.run(factory_, budget);
    updateButtons();
}

void WorldPane::pause() {
    if (animating_ && !runner_.isRunning()) status_->setText(tr("paused"));
    animating_ = false;
    animation_.stop();
    runner_.pause();
    updateButtons();
}

void WorldPane::reset() {
    if (runner_.isRunning()) return;
    animating_ = false;
    animation_.stop();
    runner_.reset();
    output_->clear();
    events_->clear();
    recent_events_.clear();
    last_outcome_ = {};
    counters_->setRowCount(0);
    state_->setRowCount(0);
    status_->setText(tr("Ready."));
    updateButtons();
}

bool WorldPane::showLessonRun(const lessons::WorldRun& run, const QString& origin) {
    if (isRunning()) {
        // Shown once the pane's own run has stopped (each animation slice ends one).
        status_->setText(tr("%1 ran %2 here: it is shown when this run stops").arg(origin, run.call));
        connect(this, &WorldPane::runFinished, this, [this, run, origin] { showLessonRun(run, origin); },
                Qt::SingleShotConnection);
        return false;
    }
    animating_ = false;
    animation_.stop();
    runner_.reset();
    const bool loaded = loadRunSettings(run);
    output_->clear();
    events_->clear();
    recent_events_.clear();
    if (!run.events.empty()) showEvents(run.events);
    RunOutcome outcome;
    outcome.state = run.state;
    outcome.exit_code = run.exit_code;
    outcome.failure = run.failure;
    outcome.counters = run.counters;
    outcome.snapshot = run.snapshot;
    outcome.seconds = run.seconds;
    showOutcome(outcome);
    // The call as the script wrote it, but a status line: a NASM snippet or a long shell line
    // is shortened (the pane's controls and views hold the whole of it).
    QVariantMap shown = run.options;
    for (auto it = shown.begin(); it != shown.end(); ++it) {
        if (it->typeId() != QMetaType::QString) continue;
        const QString text = it->toString();
        if (text.contains('\n')) *it = tr("(%1 lines)").arg(text.count('\n') + 1);
        else if (text.size() > kShownOptionChars) *it = text.left(kShownOptionChars - 3) + QStringLiteral("...");
    }
    const QString call =
        run.call + '(' + QString::fromUtf8(QJsonDocument(QJsonObject::fromVariantMap(shown)).toJson(QJsonDocument::Compact)) + ')';
    status_->setText(tr("%1: %2 %3. %4")
                         .arg(origin, call, status_->text(),
                              loaded ? tr("Its settings are loaded: Run repeats it.")
                                     : tr("This pane's controls keep their own settings.")));
    return true;
}

bool WorldPane::showView(const QString& view) {
    QWidget* page = nullptr;
    if (view == "console" || view == "listing" || view == "output") page = output_;
    else if (view == "counters") page = counters_;
    else if (view == "registers" || view == "state") page = state_;
    else if (view == "events") page = events_;
    // A world's own views answer to the object name of their tab ("translation", "hypercalls" ...).
    for (int i = 0; !page && i < tabs_->count(); ++i)
        if (tabs_->widget(i)->objectName() == view) page = tabs_->widget(i);
    if (page) tabs_->setCurrentWidget(page);
    return page != nullptr;
}

bool WorldPane::highlightRow(const QString& name) {
    for (QTableWidget* table : {counters_, state_}) {
        for (int r = 0; r < table->rowCount(); ++r) {
            if (table->item(r, 0)->text() != name) continue;
            tabs_->setCurrentWidget(table);
            // Selection is off for the user (the tables are read-only views); a highlight is
            // the lesson pointing at a row, so it is drawn as the current cell instead.
            table->setCurrentCell(r, 1, QItemSelectionModel::NoUpdate);
            for (int c = 0; c < table->columnCount(); ++c) {
                table->item(r, c)->setBackground(palette().color(QPalette::Highlight));
                table->item(r, c)->setForeground(palette().color(QPalette::HighlightedText));
            }
            table->scrollToItem(table->item(r, 0));
            return true;
        }
    }
    return false;
}

void WorldPane::updateButtons() {
    const bool busy = isRunning();
    run_button_->setEnabled(!busy);
    step_button_->setEnabled(!busy);
    pause_button_->setEnabled(busy);
    reset_button_->setEnabled(!busy);
}

void WorldPane::showEvents(const std::vector<vl::Event>& batch) {
    emit eventsArrived(batch);
    recent_events_.insert(recent_events_.end(), batch.begin(), batch.end());
    while (recent_events_.size() > kTraceEvents) recent_events_.pop_front();
    // Laying out text is the GUI thread's dearest work: a monitor handling a million traps a
    // second fills every batch, and 2,000 appended lines cost ~150 ms on the test machine. The view shows the
    // latest lines of each batch and says how many it skipped (the trace keeps them all).
    std::vector<const vl::Event*> shown;  // the latest kShownPerBatch the view lists, newest first
    size_t listed = 0;
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
        if (!listsEvent(*it)) continue;
        ++listed;
        if (shown.size() < kShownPerBatch) shown.push_back(&*it);
    }
    if (shown.empty()) return;
    QString text;
    if (shown.size() < listed) text += tr("... %1 more events\n").arg(formatCount(listed - shown.size()));
    for (auto it = shown.rbegin(); it != shown.rend(); ++it)
        text += QStringLiteral("#%1 %2 ms  %3\n")
                    .arg((*it)->seq)
                    .arg(static_cast<double>((*it)->time_ns) / 1e6, 0, 'f', 3)
                    .arg(describeEvent(**it));
    text.chop(1);
    events_->appendPlainText(text);
    // The cursor at the start of the last line, not its end: the view keeps following the
    // newest line without scrolling sideways to the end of a long one.
    QTextCursor at_last_line = events_->textCursor();
    at_last_line.movePosition(QTextCursor::End);
    at_last_line.movePosition(QTextCursor::StartOfBlock);
    events_->setTextCursor(at_last_line);
    events_->horizontalScrollBar()->setValue(0);
}

QString WorldPane::describeEvent(const vl::Event& e) const {
    return QString::fromStdString(e.kind) + QStringLiteral(": ") + QString::fromStdString(e.detail);
}

void WorldPane::showOutcome(const RunOutcome& outcome) {
    last_outcome_ = outcome;
    if (outcome.state != RunState::Paused) animating_ = false;
    if (animating_) animation_.start(kTickMs);  // the next slice, after the view has been drawn
    updateButtons();
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

namespace vl::gui {

QJsonObject WorldPane::traceJson() const {
    static const char* const kStates[] = {"ready", "paused", "finished", "failed"};
    const RunOutcome& o = last_outcome_;
    QJsonObject counters, registers;
    for (const auto& [name, value] : o.counters) counters.insert(QString::fromStdString(name), static_cast<qint64>(value));
    for (const auto& [name, value] : o.snapshot.registers)
        registers.insert(QString::fromStdString(name), QString::fromStdString(value));
    QJsonArray events, listing;
    for (const auto& e : recent_events_)
        events.append(QJsonObject{{"seq", static_cast<qint64>(e.seq)},
                                  {"time_ns", static_cast<qint64>(e.time_ns)},
                                  {"kind", QString::fromStdString(e.kind)},
                                  {"detail", QString::fromStdString(e.detail)}});
    for (const auto& line : o.snapshot.listing) listing.append(QString::fromStdString(line));
    return QJsonObject{{"world", title_},
                       {"state", kStates[static_cast<int>(o.state)]},
                       {"exit_code", o.exit_code},
                       {"failure", o.failure},
                       {"seconds", o.seconds},
                       {"console", QString::fromStdString(o.snapshot.console)},
                       {"counters", counters},
                       {"registers", registers},
                       {"listing", listing},
                       {"events", events}};
}

}  // namespace vl::gui
