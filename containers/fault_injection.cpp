#include "containers/fault_injection.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "core/error.h"

namespace vl::ct::fault {

namespace {

constexpr const char* kVariable = "VIRTLAB_FAULT";
constexpr const char* kKillAfter = "kill-after:";

// What the child needs, as plain data in a global: the parent fills it before clone(), the
// child reads its own copy of it (no CLONE_VM). A function-local static would not do there:
// its first use takes a guard lock another thread of the parent may have held at clone time.
struct ChildChannel {
    pid_t armed_in = 0;     // the process that made the channel (a forked monitor makes its own)
    int parent_end = -1;    // read by the parent's watcher thread
    int child_end = -1;     // the child writes its request here, then waits for EOF
    char phase[64] = {};    // the phase after which to stop, NUL-terminated
    bool fired = false;     // in the child: the request was made (one per child)
};
ChildChannel g_channel;
std::mutex g_channel_mutex;

// VIRTLAB_FAULT, read and checked once per process; nullopt when unset.
std::optional<std::string> parseKillPhase() {
    const char* value = std::getenv(kVariable);
    if (!value || !*value) return std::nullopt;
    const std::string text = value;
    const size_t prefix = std::strlen(kKillAfter);
    if (text.rfind(kKillAfter, 0) != 0 || text.size() == prefix || text.size() - prefix >= sizeof g_channel.phase)
        throwInput(std::string(kVariable) + "='" + text + "': expected kill-after:PHASE (a start-up phase name)");
    return text.substr(prefix);
}

[[noreturn]] void killThisProcess(const std::string& phase) {
    const std::string line = "virtlab: " + std::string(kVariable) + ": killed after phase " + phase + "\n";
    [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    // SIGKILL, not exit(): no destructor, no atexit handler, no cleanup of any kind runs,
    // exactly as when the OOM killer or `kill -9` takes VirtLab.
    ::kill(::getpid(), SIGKILL);
    for (;;) ::pause();
}

// Makes the channel through which a child at its boundary asks this process to die, and the
// thread that answers. A thread, because the parent is blocked elsewhere (poll in the run
// loop) while the child works; it waits in read() and costs nothing until asked.
void armChildChannel(const std::string& phase) {
    const std::lock_guard lock(g_channel_mutex);
    if (g_channel.armed_in == ::getpid()) return;
    int ends[2];
    // CLOEXEC: the command the container execs must not inherit either end.
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) throwErrno("VIRTLAB_FAULT: socketpair");
    std::memcpy(g_channel.phase, phase.c_str(), phase.size() + 1);
    g_channel.parent_end = ends[0];
    g_channel.child_end = ends[1];
    g_channel.armed_in = ::getpid();
    std::thread([fd = ends[0], phase] {
        char request = 0;
        ssize_t got;
        do {
            got = ::read(fd, &request, 1);
        } while (got < 0 && errno == EINTR);
        if (got == 1) killThisProcess(phase + " (in the container's first process)");
    }).detach();
}

}  // namespace

void afterParentPhase(const char* phase) {
    static const std::optional<std::string> kill_phase = parseKillPhase();
    if (!kill_phase) return;
    if (*kill_phase == phase) killThisProcess(phase);
    armChildChannel(*kill_phase);
}

void afterChildPhases(const std::vector<std::string>& phase_names, int phases_done) noexcept {
    if (g_channel.child_end < 0 || g_channel.fired || phases_done <= 0) return;
    if (std::strcmp(phase_names[static_cast<size_t>(phases_done - 1)].c_str(), g_channel.phase) != 0) return;
    g_channel.fired = true;
    // Our copy of the parent's end goes first: the read below must see EOF when the parent's
    // own copy closes, which happens as the kernel tears the killed process down.
    ::close(g_channel.parent_end);
    const char request = 'k';
    if (::write(g_channel.child_end, &request, 1) != 1) return;
    char ignored;
    while (::read(g_channel.child_end, &ignored, 1) < 0 && errno == EINTR) {
    }
    // The parent is gone. PR_SET_PDEATHSIG's SIGKILL is on its way; should it not come, the
    // plan goes on as if nothing happened and the tests see a container that outlived VirtLab.
    ::close(g_channel.child_end);
}

}  // namespace vl::ct::fault
