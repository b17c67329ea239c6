// Owner of one file descriptor: closed exactly once, on every exit path (crun's cleanup_close).
#pragma once

#include <unistd.h>

#include <utility>

namespace vl::ct {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(std::exchange(other.fd_, -1));
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    // Gives up ownership (an explicit transfer, e.g. to a child's stdio).
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// Both ends of a pipe2(O_CLOEXEC); throws vl::Error(System) when the kernel refuses.
struct Pipe {
    UniqueFd read_end, write_end;
};
Pipe makePipe();

}  // namespace vl::ct
