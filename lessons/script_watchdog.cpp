#include "lessons/script_watchdog.h"

namespace vl::lessons {

ScriptWatchdog::ScriptWatchdog(std::chrono::milliseconds budget, std::function<void()> on_timeout) {
    thread_ = std::thread([this, budget, on_timeout = std::move(on_timeout)] {
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, budget, [this] { return disarmed_; })) return;
        fired_ = true;
        // Still under the lock: the destructor cannot return while the action runs.
        on_timeout();
    });
}

ScriptWatchdog::~ScriptWatchdog() {
    {
        std::lock_guard lock(mutex_);
        disarmed_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool ScriptWatchdog::fired() const {
    std::lock_guard lock(mutex_);
    return fired_;
}

}  // namespace vl::lessons
