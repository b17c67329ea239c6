#include "app/gui/engine_runner.h"

#include <QMetaObject>

#include <chrono>

namespace vl::gui {

namespace {
constexpr int kDrainIntervalMs = 50;         // 20 batches a second is smooth and cheap
constexpr size_t kMaxEventsPerBatch = 2000;  // a pane shows the latest events, not all of a million
}  // namespace

EngineRunner::EngineRunner(QObject* parent) : QObject(parent) {
    drain_timer_.setInterval(kDrainIntervalMs);
    connect(&drain_timer_, &QTimer::timeout, this, &EngineRunner::drain);
    // Started last, once every member the threads use exist.
    worker_ = std::thread([this] { workerLoop(); });
    collector_ = std::thread([this] { collectorLoop(); });
}

EngineRunner::~EngineRunner() {
    {
        std::lock_guard lock(collector_mutex_);
        collector_quit_ = true;
    }
    collector_cv_.notify_one();
    collector_.join();
    cancelled_ = true;
    pause();
    post([this] { engine_.reset(); });  // destroyed on the thread that built it
    {
        std::lock_guard lock(queue_mutex_);
        quit_ = true;
    }
    queue_cv_.notify_one();
    worker_.join();
}

void EngineRunner::post(std::function<void()> job) {
    {
        std::lock_guard lock(queue_mutex_);
        jobs_.push_back(std::move(job));
    }
    queue_cv_.notify_one();
}

void EngineRunner::workerLoop() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(queue_mutex_);
            queue_cv_.wait(lock, [this] { return quit_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // quit, with nothing left to do
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

void EngineRunner::collectorLoop() {
    std::unique_lock lock(collector_mutex_);
    while (!collector_quit_) {
        collector_cv_.wait_for(lock, std::chrono::milliseconds(kDrainIntervalMs));
        if (collector_quit_) return;
        lock.unlock();
        collect();
        lock.lock();
    }
}

void EngineRunner::collect() {
    std::vector<Event> batch;
    {
        // Held only while the log hands its events over, so the engine can be neither reset
        // nor destroyed meanwhile (it is destroyed on the worker, never here).
        std::lock_guard lock(mutex_);
        if (engine_) batch = engine_->events().drain();
    }
    if (batch.empty()) return;
    std::lock_guard lock(ready_mutex_);
    for (size_t i = batch.size() > kMaxEventsPerBatch ? batch.size() - kMaxEventsPerBatch : 0; i < batch.size(); ++i)
        ready_.push_back(std::move(batch[i]));
    if (ready_.size() > kMaxEventsPerBatch) ready_.erase(ready_.begin(), ready_.end() - kMaxEventsPerBatch);
    // `batch`, with up to a whole log's worth of events, is freed here: on this thread.
}

void EngineRunner::run(Factory factory, uint64_t budget) {
    if (running_) return;
    running_ = true;
    drain_timer_.start();
    post([this, factory = std::move(factory), budget] {
        const auto t0 = std::chrono::steady_clock::now();
        RunOutcome outcome;
        try {
            std::shared_ptr<Engine> engine;
            {
                std::lock_guard lock(mutex_);
                engine = engine_;
            }
            const bool ended = engine && (engine->state() == RunState::Finished || engine->state() == RunState::Failed);
            if (!engine || ended) {
                engine = factory();
                std::lock_guard lock(mutex_);
                engine_ = engine;
            }
            // The pane may have been closed while the engine was being built.
            outcome.state = cancelled_ ? RunState::Paused : engine->run(budget);
            outcome.exit_code = engine->exitCode();
            outcome.failure = QString::fromStdString(engine->failure());
            outcome.counters = engine->counters();
            outcome.snapshot = engine->snapshot();
            collect();  // the run's last events, ready before its outcome
        } catch (const std::exception& e) {
            outcome.state = RunState::Failed;
            outcome.failure = QString::fromStdString(e.what());
            std::lock_guard lock(mutex_);
            engine_.reset();
        }
        outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        {
            std::lock_guard lock(mutex_);
            outcome_ = std::move(outcome);
        }
        QMetaObject::invokeMethod(this, &EngineRunner::onRunDone, Qt::QueuedConnection);
    });
}

void EngineRunner::pause() {
    std::lock_guard lock(mutex_);
    if (engine_) engine_->pause();
}

void EngineRunner::reset() {
    if (running_) return;
    paused_engine_ = false;
    post([this] {
        std::shared_ptr<Engine> old;
        {
            std::lock_guard lock(mutex_);
            old.swap(engine_);
        }
        // `old` is destroyed here, on the worker, after the lock is released.
    });
}

void EngineRunner::drain() {
    // The GUI thread only takes what the collector thread prepared: at most a batch, already
    // trimmed. Draining an engine's log here (tens of thousands of events a tick from a monitor
    // handling a million traps a second) stalled the event loop for hundreds of milliseconds.
    std::vector<Event> batch;
    {
        std::lock_guard lock(ready_mutex_);
        batch.swap(ready_);
    }
    if (!batch.empty()) emit eventsReady(batch);
}

void EngineRunner::onRunDone() {
    drain_timer_.stop();
    drain();  // the last events, before the outcome
    running_ = false;
    RunOutcome outcome;
    {
        std::lock_guard lock(mutex_);
        outcome = outcome_;
    }
    paused_engine_ = outcome.state == RunState::Paused;
    emit finished(outcome);
}

}  // namespace vl::gui
