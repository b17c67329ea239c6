// Long work that can be cancelled at ANY point, not just between units: it runs in a forked
// child process (its own process group), so Cancel is a SIGKILL to the group and the work's
// own calls need no cancel hooks. Used for building the busybox root file system and images,
// whose library calls (containers/rootfs.h, containers/image/image_build.h) run to the end
// once started. What the child reports comes back over a pipe as lines:
//     progress DONE TOTAL      message TEXT      error TEXT
// and the parent's event loop reads them through a QSocketNotifier: the window never waits.
//
// Why fork from a threaded GUI is safe here: the child only runs the work and _exit()s; glibc
// resets its malloc and stdio locks in the child, and the child touches no Qt object. It dies
// with the GUI (PR_SET_PDEATHSIG), so closing the window mid-build leaves no orphan.
#pragma once

#include <QObject>
#include <QString>

#include <sys/types.h>

#include <functional>

class QSocketNotifier;

namespace vl::gui {

class ChildJob : public QObject {
    Q_OBJECT
public:
    // Runs in the child. `report` writes one line to the parent. Returns the exit status; a
    // thrown exception is reported as "error <what>" and exit status 1.
    using Work = std::function<int(const std::function<void(const std::string& line)>& report)>;

    explicit ChildJob(QObject* parent = nullptr);
    ~ChildJob() override;  // kills and reaps a running child

    bool start(Work work);  // false when one is running or fork() failed (see lastError())
    void cancel();          // SIGKILL to the child's process group; finished() follows
    bool isRunning() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    QString lastError() const { return error_; }

signals:
    void progress(qint64 done, qint64 total);
    void message(const QString& text);
    // `error`: the child's "error" line, or a description of how it died; empty on success.
    void finished(int exit_status, const QString& error, bool cancelled);

private:
    void readLines();
    void reap();

    pid_t pid_ = -1;
    int read_fd_ = -1;
    int pidfd_ = -1;
    QSocketNotifier* output_notifier_ = nullptr;
    QSocketNotifier* exit_notifier_ = nullptr;
    QByteArray pending_;
    QString error_;
    bool cancelled_ = false;
};

}  // namespace vl::gui
