// Tools > Fuzz the translator: `virtlab fuzz dbt` in the window. Random programs from the
// instructions the translator covers run on it and on Unicorn's x86 CPU, a batch of cases to
// one program as the command does; the dialog shows the cases done, can be cancelled between
// two batches, and lists any divergence with its minimal program.
#pragma once

#include <QDialog>

#include <atomic>
#include <memory>

#include "app/gui/background_job.h"

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace vl::gui {

class FuzzDialog : public QDialog {
    Q_OBJECT
public:
    explicit FuzzDialog(QWidget* parent = nullptr);

    QSpinBox* casesBox() const { return cases_; }
    QSpinBox* seedBox() const { return seed_; }
    QPushButton* startButton() const { return start_; }
    QPushButton* cancelButton() const { return cancel_; }
    QProgressBar* progressBar() const { return bar_; }
    QLabel* statusLabel() const { return status_; }
    QPlainTextEdit* reportView() const { return report_; }
    BackgroundJob* job() { return &job_; }

    void start();

protected:
    void reject() override;  // closing the dialog cancels a run

private:
    BackgroundJob job_;
    QSpinBox* cases_;
    QSpinBox* seed_;
    QPushButton* start_;
    QPushButton* cancel_;
    QProgressBar* bar_;
    QLabel* status_;
    QPlainTextEdit* report_;
    // Divergences found so far, written by the job's worker, read by the progress display.
    std::shared_ptr<std::atomic<size_t>> divergences_ = std::make_shared<std::atomic<size_t>>(0);
};

}  // namespace vl::gui
