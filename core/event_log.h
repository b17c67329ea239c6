// The stream of typed events every world produces (a trap, a translation, a start-up phase ...).
// Engines append from their worker thread; a pane or the CLI drains in batches, never one
// signal per event, so a million traps a second cannot flood the GUI. The log is bounded:
// when a reader falls behind, the oldest events are dropped and counted.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace vl {

struct Event {
    uint64_t seq = 0;          // 1, 2, 3 ... per log, never reused
    uint64_t time_ns = 0;      // since the log was created (steady clock)
    std::string kind;          // "trap", "syscall", "phase", "block", "fault" ...
    std::string detail;        // human-readable: "cli at 0x1004", "pivot_root 0.41 ms"
};

class EventLog {
public:
    explicit EventLog(size_t capacity = 65536);

    void append(std::string kind, std::string detail);
    // Moves up to max_events of the oldest pending events out of the log.
    std::vector<Event> drain(size_t max_events = SIZE_MAX);
    uint64_t appended() const;  // total ever appended
    uint64_t dropped() const;   // lost to the capacity bound
    void clear();

private:
    const size_t capacity_;
    const std::chrono::steady_clock::time_point start_;
    mutable std::mutex mutex_;
    std::deque<Event> pending_;
    uint64_t next_seq_ = 1;
    uint64_t dropped_ = 0;
};

}  // namespace vl
