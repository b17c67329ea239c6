// The container's state directory, /run/virtlab/<id>: what `ps` and `gc` (issue 5) will read,
// and the mount point of the container's private scratch tmpfs (mounted only inside the
// container's mount namespace, so the host never sees it). Removed with everything in it
// when the owner goes away.
#pragma once

#include <string>

namespace vl::ct {

class StateDir {
public:
    // Creates <base>/<id> (mode 0700) under stateBase() (container_state.h) unless told;
    // throws vl::Error(System), or when the id is taken.
    explicit StateDir(const std::string& id, const std::string& base = "");
    ~StateDir();
    StateDir(const StateDir&) = delete;
    StateDir& operator=(const StateDir&) = delete;

    const std::string& path() const { return path_; }
    // Writes <path>/<file> atomically (a temporary file renamed over it, so a reader sees the
    // old or the new text, never half); throws vl::Error(System).
    void write(const std::string& file, const std::string& text) const;
    // The directory outlives this owner (a stopped detached container, removed by `rm`).
    void keep() { keep_ = true; }

private:
    std::string path_;
    bool keep_ = false;
};

}  // namespace vl::ct
