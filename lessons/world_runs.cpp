#include "lessons/world_runs.h"

#include <unistd.h>

#include <QVariantList>

#include <chrono>
#include <memory>

#include "containers/container_engine.h"
#include "containers/limits.h"
#include "core/assets.h"
#include "core/error.h"
#include "emulator/engine_factory.h"
#include "emulator/guest_loader.h"
#include "trapsim/trap_vmm.h"

namespace vl::lessons {
namespace {

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
    if (!ok || d < 1 || d != static_cast<double>(static_cast<uint64_t>(d)))
        throwInput(call.toStdString() + ": " + key.toStdString() + " must be a whole number >= 1");
    return static_cast<uint64_t>(d);
}

// A built program by its asset name. Scripts get no file-system access, so absolute paths and
// ".." are refused rather than resolved.
std::string programPath(const QString& name) {
    if (name.startsWith('/') || name.split('/').contains(".."))
        throwInput("lab.emulate: program '" + name.toStdString() +
                   "' must be the name of a built VirtLab program such as tour/tour-i386");
    try {
        return builtAsset(name.toStdString());
    } catch (const Error& e) {
        throwInput(std::string("lab.emulate: ") + e.what());
    }
}

QString stateName(RunState state) {
    switch (state) {
    case RunState::Ready: return "ready";
    case RunState::Paused: return "paused";
    case RunState::Finished: return "finished";
    case RunState::Failed: return "failed";
    }
    return "failed";
}

// Runs the engine to its end under the watchdog and returns the fields every world shares.
QVariantMap runToEnd(Engine& engine, ActiveEngine& active) {
    const auto t0 = std::chrono::steady_clock::now();
    active.enter(&engine);
    RunState state;
    try {
        state = engine.run();
    } catch (...) {
        active.leave();
        throw;
    }
    active.leave();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    QVariantMap out;
    out["world"] = QString::fromStdString(engine.world());
    out["state"] = stateName(state);
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
    return out;
}

}  // namespace

void ActiveEngine::enter(Engine* engine) {
    std::lock_guard lock(mutex_);
    if (stopped_) throwGuest("time budget used up");
    engine_ = engine;
}

void ActiveEngine::leave() {
    std::lock_guard lock(mutex_);
    engine_ = nullptr;
}

void ActiveEngine::stopAll() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    if (engine_) engine_->pause();
}

QVariantMap runEmulation(const QVariantMap& options, ActiveEngine& active) {
    const QString call = "lab.emulate";
    checkKeys(options, call, {"program", "engine", "max_instructions"});
    const QString program = stringOption(options, call, "program", "");
    if (program.isEmpty()) throwInput("lab.emulate: program is required (e.g. \"tour/tour-i386\")");
    const std::string engine_name = stringOption(options, call, "engine", "unicorn").toStdString();
    emu::checkEmulationEngineName(engine_name);
    emu::EmulationOptions emulation;
    emulation.max_instructions = countOption(options, call, "max_instructions", 0);
    auto engine = emu::makeEmulationEngine(engine_name, emu::loadGuest(programPath(program)), emulation);
    QVariantMap out = runToEnd(*engine, active);
    out["engine"] = QString::fromStdString(engine_name);
    out["program"] = program;
    return out;
}

QVariantMap runVm(const QVariantMap& options, ActiveEngine& active) {
    const QString call = "lab.vm";
    checkKeys(options, call, {"mode", "max_instructions"});
    vm::TrapVmmConfig config;
    const std::string mode = stringOption(options, call, "mode", "trap").toStdString();
    const auto parsed = vm::parseMode(mode);
    if (!parsed) throwInput("lab.vm: unknown mode '" + mode + "'");
    config.mode = *parsed;
    config.max_instructions = countOption(options, call, "max_instructions", config.max_instructions);
    vm::TrapVmm engine(config);
    QVariantMap out = runToEnd(engine, active);
    out["mode"] = QString::fromStdString(mode);
    return out;
}

QVariantMap runContainer(const QVariantMap& options, ActiveEngine& active) {
    const QString call = "lab.container";
    checkKeys(options, call, {"command", "argv", "memory", "pids", "hostname"});
    ct::ContainerConfig config;
    if (options.contains("command") == options.contains("argv"))
        throwInput("lab.container: give exactly one of command (a shell line) and argv (an array)");
    if (options.contains("command")) {
        config.argv = {"/bin/sh", "-c", stringOption(options, call, "command", "").toStdString()};
    } else {
        const QVariant argv = options.value("argv");
        if (argv.typeId() != QMetaType::QVariantList || argv.toList().isEmpty())
            throwInput("lab.container: argv must be a non-empty array of strings");
        for (const QVariant& word : argv.toList()) config.argv.push_back(word.toString().toStdString());
    }
    if (options.contains("memory")) {
        const QVariant m = options.value("memory");
        config.memory_bytes = ct::parseMemorySize(
            m.typeId() == QMetaType::QString ? m.toString().toStdString() : QString::number(m.toULongLong()).toStdString(),
            "lab.container: memory");
    }
    if (options.contains("pids"))
        config.pids_max = ct::parsePidsLimit(QString::number(countOption(options, call, "pids", 1)).toStdString(),
                                             "lab.container: pids");
    config.hostname = stringOption(options, call, "hostname", "").toStdString();
    config.capture_output = true;
    ct::validateConfig(config);
    // Checked after the options, so a typo is reported even where containers cannot run.
    if (geteuid() != 0) throw WorldSkipped{"containers need root here (rootless containers are not built yet)"};

    ct::ContainerEngine engine(config);
    QVariantMap out = runToEnd(engine, active);
    out["hostname"] = QString::fromStdString(engine.hostname());
    out["host_pid"] = static_cast<int>(engine.hostPid());
    out["cgroup_version"] = QString::fromStdString(engine.cgroupVersion());
    out["stderr"] = QString::fromStdString(engine.stderrText());
    QVariantMap namespaces;
    for (const auto& ns : engine.namespaces()) {
        namespaces[QString::fromStdString(ns.name)] = QVariantMap{
            {"host", static_cast<double>(ns.host_inode)},
            {"container", static_cast<double>(ns.container_inode)},
            {"separate", ns.host_inode != ns.container_inode}};
    }
    out["namespaces"] = namespaces;
    QVariantMap cgroup;
    for (const auto& [name, value] : engine.cgroupReadings()) cgroup[QString::fromStdString(name)] = static_cast<double>(value);
    out["cgroup"] = cgroup;
    QVariantMap phases;
    for (const auto& [name, ms] : engine.phasesMs()) phases[QString::fromStdString(name)] = ms;
    out["phases_ms"] = phases;
    return out;
}

}  // namespace vl::lessons
