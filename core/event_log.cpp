#include "core/event_log.h"

namespace vl {

EventLog::EventLog(size_t capacity) : capacity_(capacity), start_(std::chrono::steady_clock::now()) {}

void EventLog::append(std::string kind, std::string detail) {
    const auto now = std::chrono::steady_clock::now() - start_;
    std::lock_guard lock(mutex_);
    if (pending_.size() >= capacity_) {
        pending_.pop_front();
        ++dropped_;
    }
    pending_.push_back(Event{next_seq_++,
                             static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()),
                             std::move(kind), std::move(detail)});
}

std::vector<Event> EventLog::drain(size_t max_events) {
    std::lock_guard lock(mutex_);
    const size_t n = std::min(max_events, pending_.size());
    std::vector<Event> out(std::make_move_iterator(pending_.begin()),
                           std::make_move_iterator(pending_.begin() + static_cast<long>(n)));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(n));
    return out;
}

uint64_t EventLog::appended() const {
    std::lock_guard lock(mutex_);
    return next_seq_ - 1;
}

uint64_t EventLog::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

void EventLog::clear() {
    std::lock_guard lock(mutex_);
    pending_.clear();
}

}  // namespace vl
