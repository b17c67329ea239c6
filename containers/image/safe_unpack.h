// Unpacking an untrusted tar (an image layer, an OCI layout, a `docker save` archive) with
// libarchive, so that nothing can land outside the target directory. Refused, each with a
// one-line vl::Error(Input) "ARCHIVE: entry N 'NAME': reason" (exit status 2):
//   - absolute entry names and names with a ".." component (CVE-2007-4131-style traversal);
//   - symlinks whose relative target climbs above the target's root ("../../etc");
//     absolute targets are kept: they resolve inside the container's root, and nothing here
//     ever follows a symlink;
//   - hardlinks to anything but an entry already unpacked below the target;
//   - any entry whose parent path crosses a symlink, i.e. a write through a symlink planted
//     earlier in the same archive (the docker cp / CVE-2018-15664 family);
//   - device nodes unless allowed (only root may make them, and only root should);
//   - sockets and other types a layer cannot carry.
// Every path is walked one component at a time from an fd of the target with O_NOFOLLOW and
// created with the *at() calls, so a refused entry cannot have written anything first.
// The caller unpacks into a fresh staging directory and throws the whole of it away on error.
#pragma once

#include <cstdint>
#include <string>

#include "containers/image/layer_tree.h"  // opaqueXattrForThisUser()

namespace vl::ct::image {

struct UnpackOptions {
    // Image layer: OCI whiteouts become overlayfs whiteouts (".wh.NAME" -> a 0/0 character
    // device NAME, ".wh..wh..opq" -> the opaque xattr on its directory), so the unpacked
    // directory can be an overlay lowerdir as it is. false: a plain tree (an OCI layout).
    bool image_layer = true;
    bool allow_devices = false;
};

struct UnpackStats {
    uint64_t entries = 0;
    uint64_t whiteouts = 0;
    uint64_t opaque_dirs = 0;
    uint64_t bytes = 0;
};

// `fd` (taken over and closed) is a tar, optionally compressed (gzip, zstd, xz, bzip2);
// `display_name` names it in errors. Throws vl::Error(Input) for hostile or corrupt input,
// vl::Error(System) when the host file system refuses.
UnpackStats unpackArchiveSafely(int fd, const std::string& display_name, const std::string& target_dir,
                                const UnpackOptions& options);
UnpackStats unpackArchiveFileSafely(const std::string& archive_path, const std::string& target_dir,
                                    const UnpackOptions& options);

}  // namespace vl::ct::image
