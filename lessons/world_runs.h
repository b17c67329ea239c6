// What a scenario's lab.emulate / lab.vm / lab.container do: build the world's engine from a
// plain options object -- the same classes `virtlab emulate|vm|container run` and the GUI use --
// run it to the end, and describe the run as a plain object for JavaScript. Scripts name only
// VirtLab's own built programs ("tour/tour-i386"), never a host path.
#pragma once

#include <QString>
#include <QVariantMap>

#include <mutex>

#include "core/engine.h"

namespace vl::lessons {

// The engine a scenario is running right now, so the watchdog thread can stop it when the
// scenario's time is up (Engine::pause() is thread-safe; the engine itself is not shared).
class ActiveEngine {
public:
    // Throws vl::Error(Guest) "time budget used up" when stopAll() came first.
    void enter(Engine* engine);
    void leave();
    void stopAll();  // from any thread: pauses the running engine and refuses new ones

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
QVariantMap runEmulation(const QVariantMap& options, ActiveEngine& active);
QVariantMap runVm(const QVariantMap& options, ActiveEngine& active);
QVariantMap runContainer(const QVariantMap& options, ActiveEngine& active);

}  // namespace vl::lessons
