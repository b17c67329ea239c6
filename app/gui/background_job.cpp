#include "app/gui/background_job.h"

namespace vl::gui {

namespace {
constexpr int kPollMs = 100;  // ten progress updates a second are smooth enough to watch
}

BackgroundJob::BackgroundJob(QObject* parent) : QObject(parent) {
    poll_timer_.setInterval(kPollMs);
    connect(&poll_timer_, &QTimer::timeout, this, &BackgroundJob::poll);
}

BackgroundJob::~BackgroundJob() {
    control_.cancelled = true;
    if (thread_.joinable()) thread_.join();
}

bool BackgroundJob::start(Work work) {
    if (running_) return false;
    if (thread_.joinable()) thread_.join();  // the previous job has ended; reap its thread
    control_.done = 0;
    control_.total = 0;
    control_.cancelled = false;
    ended_ = false;
    running_ = true;
    thread_ = std::thread([this, work = std::move(work)] {
        QString summary, error;
        try {
            summary = work(control_);
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        {
            std::lock_guard lock(result_mutex_);
            summary_ = summary;
            error_ = error;
        }
        ended_ = true;
    });
    poll_timer_.start();
    return true;
}

void BackgroundJob::cancel() { control_.cancelled = true; }

void BackgroundJob::poll() {
    emit progress(control_.done, control_.total);
    if (!ended_) return;
    poll_timer_.stop();
    thread_.join();
    running_ = false;
    QString summary, error;
    {
        std::lock_guard lock(result_mutex_);
        summary = summary_;
        error = error_;
    }
    emit finished(summary, error, control_.cancelled);
}

}  // namespace vl::gui
