#include "core/remove_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vl {

namespace {

struct Walk {
    uint64_t mount_id = 0;  // the mount the tree's root is on
    std::string problem;    // the first thing that could not be removed

    void note(const std::string& what) {
        if (problem.empty()) problem = what;
    }

    // Depth first. A mount is recognised by its mount id, not its device: a bind mount of a
    // directory on the same file system has the same st_dev, and is exactly the dangerous case.
    void remove(const std::string& path) {
        struct statx stx {};
        if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MNT_ID, &stx) != 0) {
            if (errno != ENOENT) note("stat " + path + ": " + std::strerror(errno));
            return;
        }
        if (stx.stx_mnt_id != mount_id) {
            note("remove " + path + ": something mounted inside it was left alone");
            return;
        }
        if (!S_ISDIR(stx.stx_mode)) {
            if (::unlink(path.c_str()) != 0 && errno != ENOENT) note("remove " + path + ": " + std::strerror(errno));
            return;
        }
        if (DIR* dir = ::opendir(path.c_str())) {
            while (const dirent* entry = ::readdir(dir)) {
                const std::string name = entry->d_name;
                if (name != "." && name != "..") remove(path + "/" + name);
            }
            ::closedir(dir);
        }
        if (::rmdir(path.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY)
            note("remove " + path + ": " + std::strerror(errno));
    }
};

}  // namespace

std::string removeTreeOnOneFileSystem(const std::string& path) noexcept {
    struct statx stx {};
    if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) != 0)
        return errno == ENOENT ? "" : "stat " + path + ": " + std::strerror(errno);
    Walk walk;
    walk.mount_id = stx.stx_mnt_id;
    try {
        walk.remove(path);
    } catch (const std::exception& e) {  // only an allocation can throw here
        walk.note("remove " + path + ": " + e.what());
    }
    struct stat st {};
    if (walk.problem.empty() && ::lstat(path.c_str(), &st) == 0) walk.note("remove " + path + ": not empty");
    return walk.problem;
}

}  // namespace vl
