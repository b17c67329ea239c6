// Stops a scenario that runs too long. QJSEngine executes on the calling thread and only
// stops when another thread calls setInterrupted(), so a small thread waits out the budget and
// then runs the stop action (interrupt the engine, pause the world being run).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace vl::lessons {

class ScriptWatchdog {
public:
    ScriptWatchdog(std::chrono::milliseconds budget, std::function<void()> on_timeout);
    ~ScriptWatchdog();  // disarms and joins; on_timeout never runs after this returns
    ScriptWatchdog(const ScriptWatchdog&) = delete;
    ScriptWatchdog& operator=(const ScriptWatchdog&) = delete;

    bool fired() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool disarmed_ = false;
    bool fired_ = false;
    std::thread thread_;
};

}  // namespace vl::lessons
