// The container's state directory, /run/virtlab/<id>: what `ps` and `gc` (issue 5) will read,
// and the mount point of the container's private scratch tmpfs (mounted only inside the
// container's mount namespace, so the host never sees it). Removed with everything in it
// when the owner goes away.
#pragma once

#include <string>

namespace vl::ct {

class StateDir {
public:
    static constexpr const char* kRootBase = "/run/virtlab";

    // Creates <base>/<id> (mode 0700); throws vl::Error(System), or when the id is taken.
    explicit StateDir(const std::string& id, const std::string& base = kRootBase);
    ~StateDir();
    StateDir(const StateDir&) = delete;
    StateDir& operator=(const StateDir&) = delete;

    const std::string& path() const { return path_; }
    // Writes <path>/<file> (e.g. "pid"); throws vl::Error(System).
    void write(const std::string& file, const std::string& text) const;

private:
    std::string path_;
};

}  // namespace vl::ct
