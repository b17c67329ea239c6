// What a scenario's lab.emulate / lab.vm / lab.container do: build the world's engine from a
// plain options object -- the same classes `virtlab emulate|vm|container run` and the GUI use --
// run it to the end, and describe the run as a plain object for JavaScript. Scripts name only
// VirtLab's own built programs ("tour/tour-i386"), never a host path.
#pragma once

#include <QString>
#include <QStringList>
#include <QVariantMap>

#include <functional>
#include <mutex>
#include <string>

#include "containers/cgroup.h"
#include "containers/image/image_store.h"
#include "core/engine.h"
#include "lessons/scenario_result.h"

namespace vl::lessons {

// The engine a scenario is running right now, so the watchdog thread can stop it when the
// scenario's time is up (Engine::pause() is thread-safe; the engine itself is not shared).
class ActiveEngine {
public:
    // Throws vl::Error(Guest) "time budget used up" when stopAll() came first.
    void enter(Engine* engine);
    void leave();
    void stopAll();  // from any thread: pauses the running engine and refuses new ones
    bool stopped();  // stopAll() has been called

private:
    std::mutex mutex_;
    Engine* engine_ = nullptr;
    bool stopped_ = false;
};

// Thrown by a world that cannot run here (a container without root): the scenario's checks
// are then reported as skipped, with this reason, instead of failed.
struct WorldSkipped {
    QString reason;
};

// Options and results are documented in lessons/README.md ("The lab object").
// Throw vl::Error(Input) for bad options, WorldSkipped when the world cannot run here.
// `record`, when given, receives the run as the engine left it (the GUI shows it in a pane).
QVariantMap runEmulation(const QVariantMap& options, ActiveEngine& active, WorldRun* record = nullptr);
QVariantMap runVm(const QVariantMap& options, ActiveEngine& active, WorldRun* record = nullptr);
// `image` in lab.container's options names an image of the scenario's own store (lab.image);
// `resolve_image` finds it (throwing vl::Error(Input) when there is none).
using ImageResolver = std::function<ct::image::ResolvedImage(const QString& name)>;
QVariantMap runContainer(const QVariantMap& options, ActiveEngine& active, const ImageResolver& resolve_image = {},
                         WorldRun* record = nullptr);
// A program run on the x86 -> AArch64 translator (or a NASM snippet assembled first), with
// every translated block: x86 instructions beside the AArch64 each became (translation_run.cpp).
QVariantMap runTranslation(const QVariantMap& options, ActiveEngine& active, WorldRun* record = nullptr);

// The monitor modes lab.vm accepts in this build ("trap", "bt", "hw", ...).
QStringList vmModes();

// Why containers cannot run here, or "" when they can: not root (only rootless containers run
// without it), no cgroup file system, a missing v1 controller, or a cgroup v2 subtree not
// delegated to this user (`writable` says whether a cgroup directory may be written).
QString containerSkipReason(bool is_root, const ct::CgroupLayout& layout,
                            const std::function<bool(const std::string&)>& writable);
// The same for this process on this machine.
QString containerSkipReason();
// Why a rootless lab.container cannot run here ("" when it can): the kernel refuses
// unprivileged user namespaces. Needs neither root nor a cgroup.
QString rootlessSkipReason();

}  // namespace vl::lessons
