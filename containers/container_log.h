// The output of a detached container (`run -d`), kept in its state directory for `virtlab
// container logs`: stdout and stderr as one byte stream in the order they arrived (as
// `kubectl logs` shows them). Bounded: once `log` holds kLogRotateBytes, it is renamed to
// `log.1` (replacing the older one) and a new `log` is begun, so a chatty container keeps at
// most about twice that (Docker's json-file driver with max-size and max-file=2 does the same).
// The files go with the state directory: `rm`, `gc`, or the monitor of a `--rm` container.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "containers/unique_fd.h"

namespace vl::ct {

inline constexpr uint64_t kLogRotateBytes = 1u << 20;
inline constexpr const char* kLogFile = "log";
inline constexpr const char* kPreviousLogFile = "log.1";

// Written by the container's owner while it pumps the output pipes (container_run.cpp).
class ContainerLogWriter {
public:
    // Creates <state_dir>/log (mode 0600); throws vl::Error(System).
    explicit ContainerLogWriter(const std::string& state_dir);
    // Never throws: a full disk loses output (counted), never the container.
    void append(std::string_view bytes);
    uint64_t droppedBytes() const { return dropped_; }

private:
    void rotate();
    std::string path_, previous_path_;
    UniqueFd fd_;
    uint64_t size_ = 0;
    uint64_t dropped_ = 0;
};

// `container logs`: writes what is kept (log.1, then log) to `out_fd`. With `follow`, goes on
// writing what arrives until the container is not running any more (its owner recorded the
// exit, died, or removed the directory), then what the owner wrote last. Returns false when the
// container has no log (it was not started with -d). Throws vl::Error(System) on a read or
// write error.
bool copyContainerLog(const std::string& state_dir, int out_fd, bool follow);

}  // namespace vl::ct
