#include "app/gui/fuzz_dialog.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <QElapsedTimer>

#include "emulator/dbt/dbt_fuzzer.h"

namespace vl::gui {

FuzzDialog::FuzzDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Fuzz the translator"));
    setObjectName("fuzzDialog");
    cases_ = new QSpinBox;
    cases_->setObjectName("fuzzCases");
    cases_->setRange(1, 100'000'000);
    cases_->setValue(10'000);
    cases_->setGroupSeparatorShown(true);
    seed_ = new QSpinBox;
    seed_->setObjectName("fuzzSeed");
    seed_->setRange(0, 1'000'000'000);
    seed_->setValue(1);
    start_ = new QPushButton(tr("Start"));
    start_->setObjectName("fuzzStart");
    cancel_ = new QPushButton(tr("Cancel"));
    cancel_->setObjectName("fuzzCancel");
    cancel_->setEnabled(false);
    bar_ = new QProgressBar;
    bar_->setObjectName("fuzzProgress");
    status_ = new QLabel(tr("Each case: a random program run on the translator and on Unicorn's x86 CPU, "
                            "registers, flags and memory compared."));
    status_->setObjectName("fuzzStatus");
    status_->setWordWrap(true);
    report_ = new QPlainTextEdit;
    report_->setReadOnly(true);
    report_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    auto* form = new QFormLayout;
    form->addRow(tr("Cases"), cases_);
    form->addRow(tr("Seed"), seed_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(cancel_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(bar_);
    layout->addWidget(status_);
    layout->addWidget(report_, 1);
    resize(620, 420);

    connect(start_, &QPushButton::clicked, this, &FuzzDialog::start);
    connect(cancel_, &QPushButton::clicked, &job_, &BackgroundJob::cancel);
    connect(&job_, &BackgroundJob::progress, this, [this](uint64_t done, uint64_t total) {
        // QProgressBar counts in int; a per-mille scale holds any number of cases.
        bar_->setValue(total ? static_cast<int>(done * 1000 / total) : 0);
        QString text = tr("%1 of %2 cases").arg(QLocale::c().toString(static_cast<qulonglong>(done)),
                                                QLocale::c().toString(static_cast<qulonglong>(total)));
        if (const size_t found = divergences_->load()) text += tr(", %1 divergences so far").arg(found);
        status_->setText(text);
    });
    connect(&job_, &BackgroundJob::finished, this, [this](const QString& summary, const QString& error, bool cancelled) {
        start_->setEnabled(true);
        cancel_->setEnabled(false);
        if (!error.isEmpty()) status_->setText(tr("The fuzz run failed: %1").arg(error));
        else status_->setText(cancelled ? tr("Cancelled: %1").arg(summary) : summary);
    });
}

void FuzzDialog::start() {
    const uint64_t cases = static_cast<uint64_t>(cases_->value());
    const uint64_t seed = static_cast<uint64_t>(seed_->value());
    report_->clear();
    bar_->setRange(0, 1000);
    bar_->setValue(0);
    divergences_->store(0);
    // Divergences found on the worker are appended to the report from the GUI thread.
    auto emitFailure = [this](const QString& text) {
        QMetaObject::invokeMethod(this, [this, text] { report_->appendPlainText(text); }, Qt::QueuedConnection);
    };
    const bool started = job_.start([cases, seed, emitFailure, divergences = divergences_](BackgroundJob::Control& control) {
        control.total = cases;
        // The batched fuzzer of `virtlab fuzz dbt` (fuzz_batch.h: kFuzzBatchCases cases to one
        // program and one pair of CPUs). It reports after every case and asks before every
        // batch whether to stop, so progress moves a batch at a time and Cancel takes effect
        // within one batch.
        QElapsedTimer clock;
        clock.start();
        const emu::dbt::FuzzReport report = emu::dbt::fuzzDbt(
            cases, seed,
            [&control, &divergences](uint64_t done, size_t found) {
                divergences->store(found);
                control.done = done;
            },
            [&control] { return control.cancelled.load(); });
        const double seconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
        for (const auto& f : report.divergences)
            emitFailure(QObject::tr("case %1: %2\nminimal reproducer:\n%3")
                            .arg(f.case_index)
                            .arg(QString::fromStdString(f.reason), QString::fromStdString(f.reproducer)));
        return QObject::tr("%1 cases, %2 divergences (seed %3), %4 cases/s")
            .arg(QLocale::c().toString(static_cast<qulonglong>(report.cases)))
            .arg(report.divergences.size())
            .arg(seed)
            .arg(seconds > 0 ? QLocale::c().toString(static_cast<double>(report.cases) / seconds, 'f', 0) : QStringLiteral("-"));
    });
    if (!started) return;
    start_->setEnabled(false);
    cancel_->setEnabled(true);
    status_->setText(tr("Starting..."));
}

void FuzzDialog::reject() {
    job_.cancel();
    QDialog::reject();
}

}  // namespace vl::gui
