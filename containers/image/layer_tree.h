// One image layer on disk is a plain directory in overlayfs's own format, ready to be a
// `lowerdir=`: a deleted path is a whiteout (a character device 0/0 with the deleted name)
// and a directory that hides everything below it carries the xattr trusted.overlay.opaque=y
// (user.overlay.opaque when made without root, overlayfs's "userxattr" mode)
// (Documentation/filesystems/overlayfs.rst, "whiteouts and opaque directories").
// These helpers digest, list, copy and flatten such trees without ever following a symlink.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

namespace vl::ct::image {

bool isWhiteout(const struct stat& st);
bool isOpaqueDir(const std::string& path);

// Content address of a layer: SHA-256 over every entry's relative path, type, mode, owner,
// and content (file bytes, link target, device number, opaque mark), in sorted order.
// Modification times are left out on purpose, so the same content is the same layer.
std::string digestLayerTree(const std::string& dir);

struct WhiteoutEntry {
    std::string path;   // relative to the layer root, "etc/motd"
    bool opaque = false;  // true: an opaque directory; false: a deleted entry
};
std::vector<WhiteoutEntry> listWhiteouts(const std::string& layer_dir);

// Copies `source` (file, link, device or whole directory) to `target`, keeping type, mode,
// owner (when root), times and the opaque mark. Symlinks are copied, never followed.
// An existing non-directory at `target` is replaced; existing directories are merged into.
void copyTree(const std::string& source, const std::string& target);

// Applies one layer onto a flat tree the way overlayfs would show it: whiteouts delete,
// opaque directories first empty their counterpart, everything else is copied over.
void applyLayer(const std::string& layer_dir, const std::string& target);

// The topmost layer's copy of `relative` as a merged overlay of `layers_top_first` would
// show it (honouring whiteouts and opaque directories on the way); nullopt when absent.
std::optional<std::string> findInStack(const std::vector<std::string>& layers_top_first, const std::string& relative);

// Splits "a/b/c" (no leading '/', no "." or ".." parts) into its components.
std::vector<std::string> pathParts(const std::string& relative);

// The opaque-directory xattr this process can set: "trusted.overlay.opaque" as root,
// "user.overlay.opaque" otherwise (overlayfs's "userxattr" mode for user namespaces).
const char* opaqueXattrForThisUser();

}  // namespace vl::ct::image
