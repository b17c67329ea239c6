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

#include <memory>
#include <mutex>

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
        status_->setText(tr("%1 of %2 cases").arg(QLocale::c().toString(static_cast<qulonglong>(done)),
                                                 QLocale::c().toString(static_cast<qulonglong>(total))));
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
    // Divergences found on the worker are appended to the report from the GUI thread.
    auto emitFailure = [this](const QString& text) {
        QMetaObject::invokeMethod(this, [this, text] { report_->appendPlainText(text); }, Qt::QueuedConnection);
    };
    const bool started = job_.start([cases, seed, emitFailure](BackgroundJob::Control& control) {
        control.total = cases;
        uint64_t divergences = 0, done = 0;
        // One case at a time (not emu::dbt::fuzzDbt) so Cancel is honoured between any two.
        for (; done < cases && !control.cancelled; ++done) {
            const emu::dbt::FuzzCase c = emu::dbt::randomFuzzCase(seed, done);
            if (auto why = emu::dbt::runFuzzCase(c)) {
                ++divergences;
                emitFailure(QObject::tr("case %1: %2\n%3").arg(done).arg(QString::fromStdString(*why),
                                                                         QString::fromStdString(c.source())));
            }
            control.done = done + 1;
        }
        return QObject::tr("%1 cases, %2 divergences (seed %3)")
            .arg(QLocale::c().toString(static_cast<qulonglong>(done)))
            .arg(divergences)
            .arg(seed);
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
