#include "lessons/world_runs.h"

#include <unistd.h>

#include <QVariantList>

#include <filesystem>
#include <memory>
#include <optional>

#include "containers/cgroup.h"
#include "containers/container_engine.h"
#include "containers/limits.h"
#include "containers/rootfs.h"
#include "containers/user_namespace.h"
#include "core/error.h"
#include "emulator/engine_factory.h"
#include "emulator/guest_loader.h"
#include "lessons/world_support.h"
#include "trapsim/trap_vmm.h"

namespace vl::lessons {

void ActiveEngine::enter(Engine* engine) {
    std::lock_guard lock(mutex_);
    if (stopped_) throwGuest("time budget used up");
    engine_ = engine;
}

void ActiveEngine::leave() {
    std::lock_guard lock(mutex_);
    engine_ = nullptr;
}

bool ActiveEngine::stopped() {
    std::lock_guard lock(mutex_);
    return stopped_;
}

void ActiveEngine::stopAll() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    if (engine_) engine_->pause();
}

QVariantMap runEmulation(const QVariantMap& options, ActiveEngine& active, WorldRun* record) {
    const QString call = "lab.emulate";
    checkKeys(options, call, {"program", "engine", "max_instructions"});
    const QString program = stringOption(options, call, "program", "");
    if (program.isEmpty()) throwInput("lab.emulate: program is required (e.g. \"tour/tour-i386\")");
    const std::string engine_name = stringOption(options, call, "engine", "unicorn").toStdString();
    emu::checkEmulationEngineName(engine_name);
    emu::EmulationOptions emulation;
    emulation.max_instructions = countOption(options, call, "max_instructions", 0);
    auto engine = emu::makeEmulationEngine(engine_name, emu::loadGuest(programPath(call, program)), emulation);
    QVariantMap out = runToEnd(*engine, active, {}, record);
    recordEvents(record, engine->events().drain());
    out["engine"] = QString::fromStdString(engine_name);
    out["program"] = program;
    // The translator's headline figure: AArch64 instructions executed per x86 instruction.
    const QVariantMap counters = out["counters"].toMap();
    if (counters.contains("host_instructions") && counters.value("guest_instructions").toDouble() > 0)
        out["expansion"] = counters.value("host_instructions").toDouble() / counters.value("guest_instructions").toDouble();
    return out;
}

QVariantMap runVm(const QVariantMap& options, ActiveEngine& active, WorldRun* record) {
    const QString call = "lab.vm";
    checkKeys(options, call, {"mode", "max_instructions", "until_console", "events"});
    const QStringList event_kinds = eventKindsOption(options, call);
    vm::TrapVmmConfig config;
    const std::string mode = stringOption(options, call, "mode", "trap").toStdString();
    const auto parsed = vm::parseMode(mode);
    if (!parsed) throwInput("lab.vm: unknown mode '" + mode + "'");
    config.mode = *parsed;
    config.max_instructions = countOption(options, call, "max_instructions", config.max_instructions);
    const QString until = stringOption(options, call, "until_console", "");
    vm::TrapVmm engine(config);
    QVariantMap out;
    if (until.isEmpty()) {
        out = runToEnd(engine, active, {}, record);
    } else {
        // Stop as soon as the guest has printed `until` (checked every kConsoleSlice guest
        // instructions, so the run may go up to that many past it): the state is then "paused".
        const std::string marker = until.toStdString();
        out = runToEnd(engine, active, [&engine, &marker] {
            return engine.snapshot().console.find(marker) != std::string::npos;
        }, record);
        out["until_console_seen"] = out["console"].toString().contains(until);
    }
    out["mode"] = QString::fromStdString(mode);
    recordEvents(record, event_kinds.isEmpty() ? engine.events().drain() : addEvents(out, engine, event_kinds));
    // Where modeled_cycles comes from: each parameter with its value and cited source.
    QVariantList cost;
    for (const auto& p : config.cost.parameters())
        cost << QVariantMap{{"name", QString::fromStdString(p.name)},
                            {"value", static_cast<double>(p.value)},
                            {"source", QString::fromStdString(p.source)}};
    out["cost_model"] = cost;
    return out;
}

QStringList vmModes() {
    QStringList out;
    for (const auto mode : vm::kMonitorModes) out << QString::fromStdString(vm::modeName(mode));
    return out;
}

QString containerSkipReason(bool is_root, const ct::CgroupLayout& layout,
                            const std::function<bool(const std::string&)>& writable) {
    if (!is_root)
        return "containers with cgroup limits and a host network need root here "
               "(only a rootless container, lab.container({rootless: true}), runs without)";
    if (!layout.version) return "no cgroup file system is mounted here, so no container can be limited or accounted";
    if (*layout.version == ct::CgroupVersion::V1) {
        for (const auto& controller : ct::containerControllers())
            if (!layout.v1.count(controller))
                return QString::fromStdString("the cgroup v1 controller '" + controller + "' is not mounted here");
        return {};
    }
    const std::string dir = layout.v2->mount_point + (layout.v2->own_path == "/" ? "" : layout.v2->own_path);
    if (!writable(dir))
        return QString::fromStdString("the cgroup v2 subtree " + dir +
                                      " is not delegated to this user (systemd: Delegate=yes), so containers cannot "
                                      "be given limits here");
    return {};
}

QString rootlessSkipReason() {
    const std::string refusal = ct::unprivilegedUserNamespacesRefusal();
    return refusal.empty() ? QString() : "rootless containers cannot run here: " + QString::fromStdString(refusal);
}

QString containerSkipReason() {
    return containerSkipReason(geteuid() == 0, ct::detectHostCgroupLayout(),
                               [](const std::string& dir) { return access(dir.c_str(), W_OK) == 0; });
}

QVariantMap runContainer(const QVariantMap& options, ActiveEngine& active, const ImageResolver& resolve_image,
                         WorldRun* record) {
    const QString call = "lab.container";
    checkKeys(options, call, {"command", "argv", "program", "image", "memory", "pids", "cpus", "hostname", "rootless", "net"});
    ct::ContainerConfig config;
    std::optional<ct::image::ResolvedImage> image;
    if (options.contains("image")) {
        const QString name = stringOption(options, call, "image", "");
        if (!resolve_image) throwInput("lab.container: images are not available here");
        if (options.contains("program")) throwInput("lab.container: give only one of image and program");
        image = resolve_image(name);
    }
    if (options.contains("program")) {
        // A built VirtLab program (the tour's x86-64 build), bound read-only at /<its name>.
        const std::string source = programPath(call, stringOption(options, call, "program", ""));
        const std::string target = "/" + std::filesystem::path(source).filename().string();
        config.binds.push_back({source, target, true});
        if (!options.contains("command") && !options.contains("argv")) config.argv = {target};
    }
    if (options.contains("command") && options.contains("argv"))
        throwInput("lab.container: give only one of command (a shell line) and argv (an array)");
    if (!options.contains("command") && !options.contains("argv") && !options.contains("program") &&
        !(image && !image->argv.empty()))
        throwInput(image ? "lab.container: the image has no CMD: give command (a shell line) or argv (an array)"
                         : "lab.container: give command (a shell line), argv (an array), program (a built program) or image");
    if (options.contains("command")) {
        config.argv = {"/bin/sh", "-c", stringOption(options, call, "command", "").toStdString()};
    } else if (options.contains("argv")) {
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
    if (options.contains("cpus")) {
        // 0.5 or "0.5": half a core, as docker --cpus.
        const QVariant c = options.value("cpus");
        config.cpu_quota_us = ct::parseCpuQuota(
            c.typeId() == QMetaType::QString ? c.toString().toStdString() : QString::number(c.toDouble(), 'g', 10).toStdString(),
            "lab.container: cpus");
    }
    config.hostname = stringOption(options, call, "hostname", "").toStdString();
    config.capture_output = true;
    if (options.contains("rootless")) {
        const QVariant r = options.value("rootless");
        if (r.typeId() != QMetaType::Bool) throwInput("lab.container: rootless must be true or false");
        config.rootless = r.toBool();
    }
    if (options.contains("net"))  // "none" (the default: loopback only) or "bridge" (vlab0, 10.88.0.0/16)
        config.network = ct::net::parseNetworkMode(stringOption(options, call, "net", "none").toStdString());
    if (image) {
        // The image's settings under the call's, as `container run --image` and `docker run` do.
        config.env = image->env;
        config.workdir = image->workdir;
        if (config.argv.empty()) config.argv = image->argv;
    }
    ct::validateConfig(config);
    // Checked after the options, so a typo is reported even where containers cannot run.
    if (const QString why = config.rootless ? rootlessSkipReason() : containerSkipReason(); !why.isEmpty())
        throw WorldSkipped{why};

    // The image's layers as the root file system: an overlay mount, removed with this owner.
    // (This process has threads, so it cannot take a private mount namespace the way
    // `container run --image` does; the owner is what removes the mount.)
    std::unique_ptr<ct::LayerStackMount> image_root;
    if (image) {
        image_root = std::make_unique<ct::LayerStackMount>(image->lower_dirs);
        config.rootfs = image_root->path();
    }
    ct::ContainerEngine engine(config);
    QVariantMap out = runToEnd(engine, active, {}, record);
    recordEvents(record, engine.events().drain());
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
    // A rootless container that never reached its command met this machine, not the lesson: no
    // writable home for the root file system cache, no runtime directory, a security module
    // refusing user namespaces. Said as a skip, with the runtime's reason.
    if (config.rootless && out["state"].toString() == "failed")
        throw WorldSkipped{"a rootless container could not start here: " + out["failure"].toString()};
    const ct::RunResult run = engine.result();
    out["rootless"] = run.rootless;
    if (run.rootless) {
        // How ids were mapped, as /proc/PID/uid_map and gid_map showed them, and why there is
        // no cgroup when there is none (user_namespace.h).
        out["id_map_method"] = QString::fromStdString(run.id_map_method);
        out["uid_map"] = QString::fromStdString(run.uid_map);
        out["gid_map"] = QString::fromStdString(run.gid_map);
        out["cgroup_note"] = QString::fromStdString(run.cgroup_note);
    }
    return out;
}

}  // namespace vl::lessons
