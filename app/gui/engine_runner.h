// The one adapter between a world's engine and its pane (after Ripes' ProcessorHandler): it
// creates and runs the engine on a worker thread, drains the engine's events in batches on
// a timer in the GUI thread (never one signal per event), and reports the final state.
// Views never touch an engine directly.
#pragma once

#include <QObject>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/engine.h"

namespace vl::gui {

struct RunOutcome {
    RunState state = RunState::Ready;
    int exit_code = 0;
    QString failure;     // one readable line when state == Failed or the engine could not start
    Counters counters;
    Snapshot snapshot;
    double seconds = 0;  // wall time of create + run
};

class EngineRunner : public QObject {
    Q_OBJECT
public:
    // Builds the engine on the worker thread (loading a guest or a root filesystem can take a
    // while); may throw vl::Error, which becomes a Failed outcome with its message.
    using Factory = std::function<std::unique_ptr<Engine>()>;

    explicit EngineRunner(QObject* parent = nullptr);
    ~EngineRunner() override;

    void start(Factory factory);
    void pause();
    bool isRunning() const { return running_; }

signals:
    void eventsReady(const std::vector<vl::Event>& batch);
    void finished(const vl::gui::RunOutcome& outcome);

private:
    void drain();
    void onWorkerDone();
    void joinWorker();

    std::thread worker_;
    std::mutex mutex_;                 // guards engine_ and outcome_
    std::shared_ptr<Engine> engine_;
    RunOutcome outcome_;
    QTimer drain_timer_;
    bool running_ = false;
    std::atomic<bool> cancelled_ = false;
};

}  // namespace vl::gui
