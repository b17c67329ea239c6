#include "app/gui/engine_runner.h"

#include <QMetaObject>

#include <chrono>

#include "core/error.h"

namespace vl::gui {

namespace {
constexpr int kDrainIntervalMs = 50;      // 20 batches a second is smooth and cheap
constexpr size_t kMaxEventsPerBatch = 2000;  // a pane shows the latest events, not all of a million
}  // namespace

EngineRunner::EngineRunner(QObject* parent) : QObject(parent) {
    drain_timer_.setInterval(kDrainIntervalMs);
    connect(&drain_timer_, &QTimer::timeout, this, &EngineRunner::drain);
}

EngineRunner::~EngineRunner() {
    cancelled_ = true;
    pause();
    joinWorker();
}

void EngineRunner::start(Factory factory) {
    if (running_) return;
    joinWorker();
    running_ = true;
    cancelled_ = false;
    {
        std::lock_guard lock(mutex_);
        engine_.reset();
        outcome_ = RunOutcome{};
    }
    drain_timer_.start();
    worker_ = std::thread([this, factory = std::move(factory)] {
        const auto t0 = std::chrono::steady_clock::now();
        RunOutcome outcome;
        try {
            std::shared_ptr<Engine> engine = factory();
            {
                std::lock_guard lock(mutex_);
                engine_ = engine;
            }
            // The pane may have been closed while the engine was being built.
            outcome.state = cancelled_ ? RunState::Paused : engine->run();
            outcome.exit_code = engine->exitCode();
            outcome.failure = QString::fromStdString(engine->failure());
            outcome.counters = engine->counters();
            outcome.snapshot = engine->snapshot();
        } catch (const std::exception& e) {
            outcome.state = RunState::Failed;
            outcome.failure = QString::fromStdString(e.what());
        }
        outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        {
            std::lock_guard lock(mutex_);
            outcome_ = std::move(outcome);
        }
        QMetaObject::invokeMethod(this, &EngineRunner::onWorkerDone, Qt::QueuedConnection);
    });
}

void EngineRunner::pause() {
    std::lock_guard lock(mutex_);
    if (engine_) engine_->pause();
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

void EngineRunner::onWorkerDone() {
    joinWorker();
    drain_timer_.stop();
    drain();  // the last events, before the outcome
    running_ = false;
    RunOutcome outcome;
    {
        std::lock_guard lock(mutex_);
        outcome = outcome_;
    }
    emit finished(outcome);
}

void EngineRunner::joinWorker() {
    if (worker_.joinable()) worker_.join();
}

}  // namespace vl::gui
