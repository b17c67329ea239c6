// What every lab.* world call shares (world_runs.cpp, translation_run.cpp): option checking
// with messages that name the call, built programs by name (never a host path), and running an
// engine to its end under the scenario's watchdog, described as a plain object.
#pragma once

#include <QString>
#include <QStringList>
#include <QVariantMap>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/engine.h"
#include "lessons/scenario_result.h"
#include "lessons/world_runs.h"

namespace vl::lessons {

// Throws vl::Error(Input) "<call>: unknown option 'x' (valid: a, b)".
void checkKeys(const QVariantMap& options, const QString& call, const QStringList& valid);
QString stringOption(const QVariantMap& options, const QString& call, const QString& key, const QString& fallback);
uint64_t countOption(const QVariantMap& options, const QString& call, const QString& key, uint64_t fallback);

// The path of a built VirtLab program ("tour/tour-i386"). Absolute paths and ".." are refused
// rather than resolved: scripts get no file-system access.
std::string programPath(const QString& call, const QString& name);

// The `events` option of a world call: one event kind ("hypercall") or an array of kinds;
// empty when not given. Throws vl::Error(Input) for anything else.
QStringList eventKindsOption(const QVariantMap& options, const QString& call);
// At most this many events are returned (the run's log holds more: `events_total` counts them).
inline constexpr int kMaxReturnedEvents = 500;
// Drains the engine's event log into out["events"] = [{seq, kind, detail}] (those of `kinds`,
// oldest first, at most kMaxReturnedEvents) and out["events_total"] = how many matched.
// Returns every event drained, of any kind (for recordEvents).
std::vector<Event> addEvents(QVariantMap& out, Engine& engine, const QStringList& kinds);
// Keeps the latest kRecordedEvents of `events` in record->events (nothing when record is null).
void recordEvents(WorldRun* record, std::vector<Event> events);

// How many guest instructions runToEnd lets an engine run between two looks at `stop_when`.
inline constexpr uint64_t kConsoleSlice = 2000;

// Runs the engine to its end (or until the watchdog stops it) and returns the fields every
// world shares: world, state, exit_code, failure, seconds, counters, console, registers, listing.
// With `stop_when`, the engine runs in slices of kConsoleSlice instructions and stops, paused,
// as soon as stop_when() is true after a slice.
// With `record`, also keeps the run as the engine left it (state, counters, snapshot) for the
// GUI; the caller adds its events with recordEvents once it has read what it needs of them.
QVariantMap runToEnd(Engine& engine, ActiveEngine& active, const std::function<bool()>& stop_when = {},
                     WorldRun* record = nullptr);

}  // namespace vl::lessons
