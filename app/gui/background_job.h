// Long work off the GUI thread with progress and Cancel (a million-case fuzz run, say). The
// job runs on its own std::thread and reports through atomics the GUI polls on a timer, so a
// job that reports a million times a second costs the event loop nothing. Cancel is a flag the
// job checks between units of work; the destructor cancels and joins.
#pragma once

#include <QObject>
#include <QTimer>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace vl::gui {

class BackgroundJob : public QObject {
    Q_OBJECT
public:
    struct Control {
        std::atomic<uint64_t> done{0};
        std::atomic<uint64_t> total{0};
        std::atomic<bool> cancelled{false};
    };
    // Runs on the worker; returns a one-line summary, or throws (the message becomes the error).
    using Work = std::function<QString(Control&)>;

    explicit BackgroundJob(QObject* parent = nullptr);
    ~BackgroundJob() override;

    bool start(Work work);  // false when a job is already running
    void cancel();
    bool isRunning() const { return running_; }
    // The units of work done so far, as the job last reported (any thread).
    uint64_t done() const { return control_.done; }

signals:
    void progress(uint64_t done, uint64_t total);
    // On the GUI thread; `error` is empty when the work returned normally.
    void finished(const QString& summary, const QString& error, bool cancelled);

private:
    void poll();

    Control control_;
    std::thread thread_;
    QTimer poll_timer_;
    bool running_ = false;
    std::atomic<bool> ended_{false};
    std::mutex result_mutex_;
    QString summary_, error_;
};

}  // namespace vl::gui
