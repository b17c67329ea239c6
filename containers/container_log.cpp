#include "containers/container_log.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "containers/container_state.h"
#include "core/error.h"

namespace vl::ct {

namespace {

// How often `logs --follow` looks at the record when no file event came: a killed owner
// writes nothing, so only a look at its pid tells that the container is gone.
constexpr int kFollowRecheckMs = 200;

UniqueFd openLogForWriting(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600));
    if (!fd) throwErrno("container log: create " + path);
    return fd;
}

void writeAll(int fd, const char* data, size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throwErrno("container logs: write");
        data += n;
        size -= static_cast<size_t>(n);
    }
}

// Copies from `in` (at its offset) to `out` until end of file.
void copyToEnd(int in, int out) {
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throwErrno("container logs: read");
        if (n == 0) return;
        writeAll(out, buf, static_cast<size_t>(n));
    }
}

bool stillRunning(const std::string& state_dir) {
    const auto record = readRecord(state_dir);
    if (!record) return false;  // removed (--rm) or unreadable: nothing more will come
    const std::string status = record->liveStatus();
    return status == "running" || status == "starting";
}

// True when `path` is now another file than `fd` (the writer rotated).
bool replaced(const std::string& path, int fd) {
    struct stat now {}, open_one {};
    if (::stat(path.c_str(), &now) != 0 || ::fstat(fd, &open_one) != 0) return false;
    return now.st_ino != open_one.st_ino || now.st_dev != open_one.st_dev;
}

}  // namespace

ContainerLogWriter::ContainerLogWriter(const std::string& state_dir)
    : path_(state_dir + "/" + kLogFile), previous_path_(state_dir + "/" + kPreviousLogFile), fd_(openLogForWriting(path_)) {}

void ContainerLogWriter::rotate() {
    // A reader following `log` keeps its descriptor to the renamed file and reads it to the
    // end before it opens the new one: nothing is lost to it.
    if (::rename(path_.c_str(), previous_path_.c_str()) != 0) return;  // keep appending (bounded below)
    UniqueFd fresh(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600));
    if (!fresh) return;
    fd_ = std::move(fresh);
    size_ = 0;
}

void ContainerLogWriter::append(std::string_view bytes) {
    if (size_ > 0 && size_ + bytes.size() > kLogRotateBytes) rotate();
    // Rotation refused (full disk): drop rather than grow without a bound.
    if (!fd_ || size_ + bytes.size() > 2 * kLogRotateBytes) {
        dropped_ += bytes.size();
        return;
    }
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            dropped_ += bytes.size();
            return;
        }
        size_ += static_cast<uint64_t>(n);
        bytes.remove_prefix(static_cast<size_t>(n));
    }
}

bool copyContainerLog(const std::string& state_dir, int out_fd, bool follow) {
    const std::string path = state_dir + "/" + kLogFile;
    // Watch first, so nothing written between the first copy and the first wait is missed.
    UniqueFd watch;
    if (follow) {
        watch.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
        if (!watch) throwErrno("container logs --follow: inotify_init1");
        if (::inotify_add_watch(watch.get(), state_dir.c_str(),
                                IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE_SELF) < 0)
            throwErrno("container logs --follow: watch " + state_dir);
    }
    UniqueFd current(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!current) {
        if (errno == ENOENT) return false;
        throwErrno("container logs: open " + path);
    }
    if (UniqueFd previous(::open((state_dir + "/" + kPreviousLogFile).c_str(), O_RDONLY | O_CLOEXEC)); previous)
        copyToEnd(previous.get(), out_fd);
    copyToEnd(current.get(), out_fd);
    if (!follow) return true;

    for (;;) {
        // Looked at before the copy: whatever the owner wrote before it recorded the exit
        // is in the file by then, so the copy after a "not running" is the last one needed.
        const bool running = stillRunning(state_dir);
        copyToEnd(current.get(), out_fd);
        while (replaced(path, current.get())) {
            UniqueFd next(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
            if (!next) break;
            current = std::move(next);
            copyToEnd(current.get(), out_fd);
        }
        if (!running) return true;
        pollfd p{watch.get(), POLLIN, 0};
        if (::poll(&p, 1, kFollowRecheckMs) > 0) {
            char events[4096];
            while (::read(watch.get(), events, sizeof events) > 0) {
            }
        }
    }
}

}  // namespace vl::ct
