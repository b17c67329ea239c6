// The default root file system: Debian's static busybox (/bin/busybox) plus one symlink per
// applet, a minimal /etc, and the empty mount points the runtime needs (proc, dev, sys, tmp).
// Built offline, once, and cached; rebuilt when missing, incomplete, or made from a different
// busybox binary. A build happens in a temporary sibling directory that is renamed into place,
// so the cache is never seen half-written, even when VirtLab is killed mid-build.
#pragma once

#include <string>

namespace vl::ct {

// /var/lib/virtlab/rootfs/busybox as root; $XDG_DATA_HOME (or ~/.local/share)/virtlab/rootfs/busybox otherwise.
std::string defaultRootfsCacheDir();

class BusyboxRootfs {
public:
    explicit BusyboxRootfs(std::string directory = defaultRootfsCacheDir(), std::string busybox = "/bin/busybox");

    const std::string& path() const { return directory_; }
    // True when the cached tree exists, is complete, and was made from this busybox binary.
    bool isCurrent() const;
    // Builds the tree unless it is current; returns true when it had to build.
    // Throws vl::Error(System) when busybox is missing or the file system refuses.
    bool ensure();

    // Identity of the busybox binary (size and modification time) plus the layout version;
    // stored in the tree as the last file written.
    std::string expectedStamp() const;
    static constexpr const char* kStampFile = ".virtlab-rootfs-stamp";

private:
    void buildInto(const std::string& staging) const;
    std::string directory_;
    std::string busybox_;
};

}  // namespace vl::ct
