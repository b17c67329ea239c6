// The default root file system: Debian's static busybox (/bin/busybox) plus one symlink per
// applet, a minimal /etc, and the empty mount points the runtime needs (proc, dev, sys, tmp).
// Built offline, once, and cached; rebuilt when missing, incomplete, or made from a different
// busybox binary. A build happens in a temporary sibling directory that is renamed into place,
// so the cache is never seen half-written, even when VirtLab is killed mid-build.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "containers/layer_mount_record.h"

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

// An image's layers as one root file system: an overlay mount of the layer directories
// (`lowerdir=top:...:bottom`, the kernel's union of them, whiteouts applied) at a fresh
// directory, read-only unless an upper directory is given. The container runtime then uses
// path() as its rootfs (its own tmpfs upper goes on top: overlayfs allows one overlay as
// another's lower layer, FILESYSTEM_MAX_STACK_DEPTH = 2).
// Unmounted (MNT_DETACH) and removed by the destructor. Needs root (CAP_SYS_ADMIN) for a
// mount. Call enterPrivateMountNamespace() first where possible: the mount then exists only
// in this process's namespace and vanishes with it, even after SIGKILL.
class LayerStackMount {
public:
    struct Options {
        std::string upper_dir;   // "" -> read-only union; else where writes go (a new layer)
        std::string work_dir;    // required with upper_dir, on the same file system
        std::string parent_dir;  // where the mount point is made ("" -> $TMPDIR or /tmp)
        // Docker's "init layer": an extra top layer with empty proc, dev, sys and tmp, so an
        // image made FROM scratch (or by umoci) still has the mount points a runtime needs.
        bool init_layer = true;
    };
    explicit LayerStackMount(const std::vector<std::string>& lower_dirs_top_first);
    LayerStackMount(const std::vector<std::string>& lower_dirs_top_first, const Options& options);
    ~LayerStackMount();
    LayerStackMount(const LayerStackMount&) = delete;
    LayerStackMount& operator=(const LayerStackMount&) = delete;

    const std::string& path() const { return path_; }     // the merged root
    const std::string& options() const { return mount_options_; }  // "" when nothing was mounted
    bool mounted() const { return mounted_; }
    // Unmounts now (so an upper directory can be read as a finished layer); idempotent.
    void unmount();

private:
    std::unique_ptr<LayerMountRecord> record_;  // names holder_ for `container gc`
    std::string holder_;   // our temp dir; path_ is inside it
    std::string path_;
    std::string mount_options_;
    bool mounted_ = false;
};

// unshare(CLONE_NEWNS) and make every mount a slave of the host's: mounts made afterwards by
// this process (and its children) stay out of the host's table and die with the process.
// Returns false (and changes nothing) when the kernel refuses, e.g. in a multi-threaded
// process; the caller then relies on the owners' destructors alone.
bool enterPrivateMountNamespace();

}  // namespace vl::ct
