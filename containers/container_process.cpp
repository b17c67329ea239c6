#include "containers/container_process.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <utility>

#include "core/error.h"

namespace vl::ct {

namespace {

// The child runs on this stack only until execve(); the plan's steps need little.
constexpr size_t kChildStackBytes = 256 * 1024;

struct ChildContext {
    const ChildPlan* plan;
    ChildReport* report;
};

int childEntry(void* arg) {
    const auto* context = static_cast<const ChildContext*>(arg);
    return context->plan->execute(context->report);
}

int shellStatus(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 255;
}

}  // namespace

SharedReport::SharedReport() {
    void* page = ::mmap(nullptr, sizeof(ChildReport), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) throwErrno("mmap shared report");
    report_ = new (page) ChildReport();
}

SharedReport::~SharedReport() {
    if (report_) ::munmap(report_, sizeof(ChildReport));
}

ContainerProcess ContainerProcess::start(const ChildPlan& plan, ChildReport* report, int clone_flags, StartMode mode) {
    void* stack = ::mmap(nullptr, kChildStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) throwErrno("mmap child stack");
    ChildContext context{&plan, report};
    int pidfd = -1;
    sigset_t all, previous;
    sigfillset(&all);
    if (mode == StartMode::Spawned) pthread_sigmask(SIG_SETMASK, &all, &previous);
    const int sharing = mode == StartMode::Spawned ? CLONE_VM | CLONE_VFORK : 0;
    const pid_t pid = ::clone(childEntry, static_cast<char*>(stack) + kChildStackBytes,
                              clone_flags | sharing | CLONE_PIDFD | SIGCHLD, &context, &pidfd);
    const int saved = errno;
    if (mode == StartMode::Spawned) pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    // Forked, the child has its own copy of the stack; spawned, it has exec'd or exited by now.
    ::munmap(stack, kChildStackBytes);
    if (pid < 0) throwSystem("clone", saved);
    ContainerProcess process;
    process.pid_ = pid;
    process.pidfd_.reset(pidfd);
    process.reaped_ = false;
    return process;
}

ContainerProcess::ContainerProcess(ContainerProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      reaped_(std::exchange(other.reaped_, true)),
      status_(std::exchange(other.status_, std::nullopt)) {}

ContainerProcess& ContainerProcess::operator=(ContainerProcess&& other) noexcept {
    if (this != &other) {
        if (!reaped_) {
            signal(SIGKILL);
            reap(0);
        }
        status_ = std::exchange(other.status_, std::nullopt);
        pid_ = std::exchange(other.pid_, -1);
        pidfd_ = std::move(other.pidfd_);
        reaped_ = std::exchange(other.reaped_, true);
    }
    return *this;
}

ContainerProcess::~ContainerProcess() {
    if (reaped_) return;
    signal(SIGKILL);
    reap(0);
}

std::optional<int> ContainerProcess::reap(int options) {
    if (reaped_) return status_;
    int status = 0;
    pid_t got;
    do {
        got = ::waitpid(pid_, &status, options);
    } while (got < 0 && errno == EINTR);
    if (got == 0) return std::nullopt;  // WNOHANG and still running
    reaped_ = true;
    // ECHILD: someone else reaped it (a host application that ignores SIGCHLD).
    status_ = got < 0 ? 255 : shellStatus(status);
    return status_;
}

std::optional<int> ContainerProcess::tryWait() { return reap(WNOHANG); }

int ContainerProcess::wait() { return reap(0).value_or(255); }

bool ContainerProcess::signal(int sig) noexcept {
    if (reaped_ || !pidfd_) return false;
    return ::syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0) == 0;
}

}  // namespace vl::ct
