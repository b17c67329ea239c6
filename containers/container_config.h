// What a user asks for when starting a container; checked before anything touches the kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vl::ct {

// A host file or directory made visible inside the container (e.g. the tour's x86-64 program).
struct BindMount {
    std::string source;     // host path; must exist
    std::string target;     // absolute path inside the container; created when missing
    bool read_only = true;
};

struct ContainerConfig {
    std::vector<std::string> argv;          // the command; argv[0] searched in the container's PATH
    std::string name;                       // optional label ("" none); shown by `ps` later
    std::string hostname;                   // "" -> the container id
    std::optional<uint64_t> memory_bytes;   // --memory, already parsed (see limits.h)
    std::optional<uint64_t> pids_max;       // --pids
    std::string rootfs;                     // "" -> the default busybox rootfs (built and cached)
    bool capture_output = true;             // false: the command inherits stdin/stdout/stderr
    std::vector<BindMount> binds;
};

// Throws vl::Error(Input) with a one-line reason for: no command, a bad name or hostname,
// a rootfs that is not a directory, out-of-range limits, a bind whose source is missing or
// whose target is not a clean absolute path.
void validateConfig(const ContainerConfig& config);

// 12 lowercase hex digits from the kernel's random source ("3f2a9c0d1b7e").
std::string newContainerId();

}  // namespace vl::ct
