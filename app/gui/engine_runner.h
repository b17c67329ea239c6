// The one adapter between a world's engine and its pane (after Ripes' ProcessorHandler). It
// owns one worker thread for the engine's whole life -- engines are built, run, stepped and
// destroyed on that thread only -- drains the engine's events in batches on a timer in the GUI
// thread (never one signal per event), and reports each run's outcome. A collector thread
// takes the events out of the engine's log, so the GUI thread never waits on it. Views never touch an
// engine directly.
#pragma once

#include <QObject>
#include <QTimer>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
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
    double seconds = 0;  // wall time of this run (and of building the engine, when it was built)
};

class EngineRunner : public QObject {
    Q_OBJECT
public:
    // Builds the engine on the worker thread (loading a guest or a root filesystem can take a
    // while); may throw vl::Error, which becomes a Failed outcome with its message.
    using Factory = std::function<std::unique_ptr<Engine>()>;

    explicit EngineRunner(QObject* parent = nullptr);
    ~EngineRunner() override;

    // Runs up to `budget` guest instructions (0: to the end): continues the engine that is
    // paused, or builds a new one with `factory` when there is none or the last one ended.
    void run(Factory factory, uint64_t budget = 0);
    void pause();   // thread-safe; a run in progress returns soon with Paused
    void reset();   // forgets the engine; the next run builds a fresh one
    bool isRunning() const { return running_; }
    bool hasPausedEngine() const { return paused_engine_; }

signals:
    void eventsReady(const std::vector<vl::Event>& batch);
    void finished(const vl::gui::RunOutcome& outcome);

private:
    void post(std::function<void()> job);
    void workerLoop();
    void collectorLoop();
    void collect();  // moves the engine's new events into ready_ (any thread but the GUI's)
    void drain();
    void onRunDone();

    std::thread worker_;
    std::mutex queue_mutex_;
    std::condition_variable queue_cv_;
    std::deque<std::function<void()>> jobs_;
    bool quit_ = false;

    std::mutex mutex_;                 // guards engine_ (for pause and drain) and outcome_
    std::shared_ptr<Engine> engine_;   // built, run and destroyed on the worker only
    RunOutcome outcome_;
    std::mutex ready_mutex_;
    std::vector<Event> ready_;         // events collected for the next batch (bounded)
    std::thread collector_;            // takes events out of the engine's log every 50 ms
    std::mutex collector_mutex_;
    std::condition_variable collector_cv_;
    bool collector_quit_ = false;
    QTimer drain_timer_;
    bool running_ = false;
    bool paused_engine_ = false;
    std::atomic<bool> cancelled_ = false;
};

}  // namespace vl::gui
