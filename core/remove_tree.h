// Removing a directory tree that VirtLab made, without ever crossing into another file system.
// std::filesystem::remove_all follows a tree into whatever is mounted inside it; a leftover
// bind mount of a host directory (a container's /dev, say) would have its host files deleted.
// This refuses to cross mount points, as `rm --one-file-system` does, and says what is left.
#pragma once

#include <string>

namespace vl {

// Returns "" when `path` is gone (or never existed), else one line naming what stayed and why.
std::string removeTreeOnOneFileSystem(const std::string& path) noexcept;

}  // namespace vl
