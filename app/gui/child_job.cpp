#include "app/gui/child_job.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <exception>

namespace vl::gui {

namespace {

void writeAll(int fd, const std::string& text) {
    size_t off = 0;
    while (off < text.size()) {
        const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the parent is gone: nobody to tell
        off += static_cast<size_t>(n);
    }
}

}  // namespace

ChildJob::ChildJob(QObject* parent) : QObject(parent) {}

ChildJob::~ChildJob() {
    if (pid_ > 0) {
        ::kill(-pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
    if (read_fd_ >= 0) ::close(read_fd_);
    if (pidfd_ >= 0) ::close(pidfd_);
}

bool ChildJob::start(Work work) {
    if (pid_ > 0) return false;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        error_ = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        error_ = tr("fork: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        ::close(fds[0]);
        ::close(fds[1]);
        return false;
    }
    if (pid == 0) {
        // The child: its own process group (Cancel kills it and whatever it started), and it
        // dies with the GUI instead of building on as an orphan.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(1);  // the GUI died before prctl took effect
        ::close(fds[0]);
        const int out = fds[1];
        int status = 1;
        try {
            status = work([out](const std::string& line) { writeAll(out, line + "\n"); });
        } catch (const std::exception& e) {
            std::string what = e.what();
            for (char& c : what)
                if (c == '\n') c = ' ';
            writeAll(out, "error " + what + "\n");
        } catch (...) {
            writeAll(out, "error unknown failure\n");
        }
        ::_exit(status);  // no atexit handlers, no Qt destructors: they belong to the parent
    }
    ::setpgid(pid, pid);  // also from here: no race with a cancel right after start()
    ::close(fds[1]);
    pid_ = pid;
    read_fd_ = fds[0];
    ::fcntl(read_fd_, F_SETFL, ::fcntl(read_fd_, F_GETFL) | O_NONBLOCK);
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // readable once the child exits
    cancelled_ = false;
    error_.clear();
    pending_.clear();
    output_notifier_ = new QSocketNotifier(read_fd_, QSocketNotifier::Read, this);
    connect(output_notifier_, &QSocketNotifier::activated, this, &ChildJob::readLines);
    if (pidfd_ >= 0) {
        exit_notifier_ = new QSocketNotifier(pidfd_, QSocketNotifier::Read, this);
        connect(exit_notifier_, &QSocketNotifier::activated, this, &ChildJob::reap);
    }
    return true;
}

void ChildJob::cancel() {
    if (pid_ <= 0) return;
    cancelled_ = true;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);  // in case it had not reached setpgid yet
}

void ChildJob::readLines() {
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(read_fd_, buf, sizeof buf);
        if (n > 0) {
            pending_.append(buf, static_cast<int>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0 && output_notifier_) output_notifier_->setEnabled(false);  // end of file
        if (n == 0 && pidfd_ < 0) reap();  // no pidfd: the pipe's end tells us instead
        break;
    }
    for (int nl; (nl = pending_.indexOf('\n')) >= 0;) {
        const QString line = QString::fromUtf8(pending_.left(nl));
        pending_.remove(0, nl + 1);
        if (line.startsWith("progress ")) {
            const QStringList parts = line.split(' ');
            if (parts.size() == 3) emit progress(parts[1].toLongLong(), parts[2].toLongLong());
        } else if (line.startsWith("message ")) {
            emit message(line.mid(8));
        } else if (line.startsWith("error ")) {
            error_ = line.mid(6);
        }
    }
}

void ChildJob::reap() {
    if (pid_ <= 0) return;
    int status = 0;
    pid_t got;
    while ((got = ::waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {
    }
    if (got == 0) return;  // not yet (spurious wake-up)
    readLines();           // whatever it wrote before exiting
    pid_ = -1;
    delete output_notifier_;
    output_notifier_ = nullptr;
    delete exit_notifier_;
    exit_notifier_ = nullptr;
    ::close(read_fd_);
    read_fd_ = -1;
    if (pidfd_ >= 0) ::close(pidfd_);
    pidfd_ = -1;
    int exit_status = 0;
    if (WIFEXITED(status)) exit_status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) exit_status = 128 + WTERMSIG(status);
    if (exit_status != 0 && error_.isEmpty())
        error_ = cancelled_ ? tr("cancelled") : tr("the build process ended with status %1").arg(exit_status);
    emit finished(exit_status, error_, cancelled_);
}

}  // namespace vl::gui
