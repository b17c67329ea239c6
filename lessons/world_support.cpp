#include "lessons/world_support.h"

#include <QVariantList>

#include <chrono>
#include <cstddef>

#include "core/assets.h"
#include "core/error.h"

namespace vl::lessons {

void checkKeys(const QVariantMap& options, const QString& call, const QStringList& valid) {
    for (auto it = options.begin(); it != options.end(); ++it)
        if (!valid.contains(it.key()))
            throwInput(call.toStdString() + ": unknown option '" + it.key().toStdString() + "' (valid: " +
                       valid.join(", ").toStdString() + ")");
}

QString stringOption(const QVariantMap& options, const QString& call, const QString& key, const QString& fallback) {
    if (!options.contains(key)) return fallback;
    const QVariant v = options.value(key);
    if (v.typeId() != QMetaType::QString || v.toString().isEmpty())
        throwInput(call.toStdString() + ": " + key.toStdString() + " must be a non-empty string");
    return v.toString();
}

uint64_t countOption(const QVariantMap& options, const QString& call, const QString& key, uint64_t fallback) {
    if (!options.contains(key)) return fallback;
    bool ok = false;
    const double d = options.value(key).toDouble(&ok);
    if (!ok || d < 1 || d > 1e15 || d != static_cast<double>(static_cast<uint64_t>(d)))
        throwInput(call.toStdString() + ": " + key.toStdString() + " must be a whole number >= 1");
    return static_cast<uint64_t>(d);
}

std::string programPath(const QString& call, const QString& name) {
    if (name.startsWith('/') || name.split('/').contains(".."))
        throwInput(call.toStdString() + ": program '" + name.toStdString() +
                   "' must be the name of a built VirtLab program such as tour/tour-i386");
    try {
        return builtAsset(name.toStdString());
    } catch (const Error& e) {
        throwInput(call.toStdString() + ": " + e.what());
    }
}

QStringList eventKindsOption(const QVariantMap& options, const QString& call) {
    if (!options.contains("events")) return {};
    const QVariant v = options.value("events");
    QStringList kinds;
    if (v.typeId() == QMetaType::QString) kinds << v.toString();
    else if (v.typeId() == QMetaType::QVariantList)
        for (const QVariant& k : v.toList()) kinds << (k.typeId() == QMetaType::QString ? k.toString() : QString());
    if (kinds.isEmpty() || kinds.contains(QString()))
        throwInput(call.toStdString() + ": events must be an event kind (\"hypercall\") or an array of kinds");
    return kinds;
}

std::vector<Event> addEvents(QVariantMap& out, Engine& engine, const QStringList& kinds) {
    QVariantList events;
    int total = 0;
    std::vector<Event> drained = engine.events().drain();
    for (const Event& e : drained) {
        if (!kinds.contains(QString::fromStdString(e.kind))) continue;
        ++total;
        if (events.size() < kMaxReturnedEvents)
            events << QVariantMap{{"seq", static_cast<double>(e.seq)}, {"kind", QString::fromStdString(e.kind)},
                                  {"detail", QString::fromStdString(e.detail)}};
    }
    out["events"] = events;
    out["events_total"] = total;
    return drained;
}

void recordEvents(WorldRun* record, std::vector<Event> events) {
    if (!record) return;
    if (events.size() > kRecordedEvents)
        events.erase(events.begin(), events.end() - static_cast<std::ptrdiff_t>(kRecordedEvents));
    record->events = std::move(events);
}

QVariantMap runToEnd(Engine& engine, ActiveEngine& active, const std::function<bool()>& stop_when, WorldRun* record) {
    const auto t0 = std::chrono::steady_clock::now();
    active.enter(&engine);
    RunState state;
    try {
        if (!stop_when) {
            state = engine.run();
        } else {
            do state = engine.run(kConsoleSlice);
            while (state == RunState::Paused && !active.stopped() && !stop_when());
        }
    } catch (...) {
        active.leave();
        throw;
    }
    active.leave();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    QVariantMap out;
    out["world"] = QString::fromStdString(engine.world());
    out["state"] = runStateName(state);
    out["exit_code"] = engine.exitCode();
    out["failure"] = QString::fromStdString(engine.failure());
    out["seconds"] = seconds;
    QVariantMap counters;
    for (const auto& [name, value] : engine.counters()) counters[QString::fromStdString(name)] = static_cast<double>(value);
    out["counters"] = counters;
    const Snapshot snap = engine.snapshot();
    out["console"] = QString::fromStdString(snap.console);
    QVariantMap registers;
    for (const auto& [name, value] : snap.registers) registers[QString::fromStdString(name)] = QString::fromStdString(value);
    out["registers"] = registers;
    QVariantList listing;
    for (const auto& line : snap.listing) listing << QString::fromStdString(line);
    out["listing"] = listing;
    if (record) {
        record->world = out["world"].toString();
        record->state = state;
        record->exit_code = engine.exitCode();
        record->failure = out["failure"].toString();
        record->seconds = seconds;
        record->counters = engine.counters();
        record->snapshot = snap;
    }
    return out;
}

}  // namespace vl::lessons
