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
    // Started last, once every member the worker uses exists.
    worker_ = std::thread([this] { workerLoop(); });
}

EngineRunner::~EngineRunner() {
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
    std::shared_ptr<Engine> engine;
    {
        std::lock_guard lock(mutex_);
        engine = engine_;
    }
    if (!engine) return;
    auto batch = engine->events().drain();
    if (batch.size() > kMaxEventsPerBatch) batch.erase(batch.begin(), batch.end() - kMaxEventsPerBatch);
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
