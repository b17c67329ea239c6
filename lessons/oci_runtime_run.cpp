#include "lessons/oci_runtime_run.h"

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <QProcess>
#include <QVariantList>

#include <atomic>
#include <chrono>
#include <fstream>

namespace vl::lessons {
namespace {

// crun 1.8 refuses a hybrid cgroup host whose cgroup2 mount offers a controller ("cgroups in
// hybrid mode not supported, drop all controllers from cgroupv2"), as this lab machine's does
// (hugetlb). Given a mount namespace without /sys/fs/cgroup/unified it sees the plain v1
// layout. The same workaround as `bench containers` and the image tests (containers/README.md).
bool hybridWithV2Controllers() {
    std::ifstream controllers("/sys/fs/cgroup/unified/cgroup.controllers");
    std::string word;
    return static_cast<bool>(controllers >> word);
}

// Runs in the forked child before exec: only system calls, no allocation.
void hideUnifiedCgroup() {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0 ||
        ::umount2("/sys/fs/cgroup/unified", MNT_DETACH) != 0)
        ::_exit(120);
}

std::string newContainerId() {
    static std::atomic<int> serial{0};
    return "virtlab-lesson-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
}

void prepare(QProcess& process, bool hide_unified) {
    process.setStandardInputFile(QProcess::nullDevice());
    if (hide_unified) process.setChildProcessModifier(hideUnifiedCgroup);
}

}  // namespace

std::string findRuntime(const std::string& name) {
    for (const char* dir : {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
        const std::string path = std::string(dir) + "/" + name;
        if (::access(path.c_str(), X_OK) == 0) return path;
    }
    return "";
}

QVariantMap runOciBundle(const std::string& program, const std::string& bundle_dir, ActiveEngine& active) {
    const QString runtime = QString::fromStdString(program).section('/', -1);
    const bool hide_unified = runtime == "crun" && hybridWithV2Controllers();
    const QString id = QString::fromStdString(newContainerId());

    QProcess process;
    prepare(process, hide_unified);
    const auto t0 = std::chrono::steady_clock::now();
    process.start(QString::fromStdString(program), {"run", "--bundle", QString::fromStdString(bundle_dir), id});
    bool timed_out = false;
    if (process.waitForStarted(10000)) {
        // The scenario's watchdog cannot pause another program: look every 100 ms, kill on time-out.
        while (!process.waitForFinished(100)) {
            if (process.state() == QProcess::NotRunning) break;
            if (active.stopped()) {
                timed_out = true;
                process.kill();
                process.waitForFinished(5000);
                break;
            }
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // Gone already after a clean run; after a failure or a kill this removes the runtime's
    // state directory and cgroups.
    QProcess remover;
    prepare(remover, hide_unified);
    remover.setStandardOutputFile(QProcess::nullDevice());
    remover.setStandardErrorFile(QProcess::nullDevice());
    remover.start(QString::fromStdString(program), {"delete", "--force", id});
    remover.waitForFinished(10000);

    const bool started = process.error() != QProcess::FailedToStart;
    const bool finished = started && !timed_out && process.exitStatus() == QProcess::NormalExit;
    QVariantMap out;
    out["world"] = "oci";
    out["runtime"] = runtime;
    out["container_id"] = id;
    out["state"] = timed_out ? "paused" : finished ? "finished" : "failed";
    out["exit_code"] = finished ? process.exitCode() : -1;
    out["failure"] = finished ? QString()
                   : timed_out ? QString("time budget used up")
                   : runtime + ": " + process.errorString();
    out["console"] = QString::fromUtf8(process.readAllStandardOutput());
    out["stderr"] = QString::fromUtf8(process.readAllStandardError());
    out["seconds"] = seconds;
    out["counters"] = QVariantMap{};
    out["registers"] = QVariantMap{};
    out["listing"] = QVariantList{};
    out["crun_without_unified_cgroup"] = hide_unified;
    return out;
}

}  // namespace vl::lessons
