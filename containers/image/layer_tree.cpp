#include "containers/image/layer_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "containers/image/sha256.h"
#include "containers/unique_fd.h"
#include "core/error.h"
#include "core/remove_tree.h"

namespace vl::ct::image {

namespace {

std::vector<std::string> sortedNames(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (!d) throwErrno("layer: open directory " + dir);
    while (const dirent* entry = ::readdir(d)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

struct stat lstatOrThrow(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) throwErrno("layer: stat " + path);
    return st;
}

std::string readLink(const std::string& path) {
    std::string target(4096, '\0');
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) throwErrno("layer: readlink " + path);
    target.resize(static_cast<size_t>(n));
    return target;
}

void digestInto(Sha256& hasher, const std::string& root, const std::string& relative) {
    const std::string path = relative.empty() ? root : root + "/" + relative;
    const struct stat st = lstatOrThrow(path);
    hasher.field(relative).field(std::to_string(st.st_mode)).field(std::to_string(st.st_uid)).field(std::to_string(st.st_gid));
    if (S_ISREG(st.st_mode)) hasher.field(sha256File(path));
    else if (S_ISLNK(st.st_mode)) hasher.field(readLink(path));
    else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) hasher.field(std::to_string(st.st_rdev));
    else if (S_ISDIR(st.st_mode)) {
        hasher.field(isOpaqueDir(path) ? "opaque" : "");
        for (const auto& name : sortedNames(path)) digestInto(hasher, root, relative.empty() ? name : relative + "/" + name);
    }
}

void collectWhiteouts(const std::string& root, const std::string& relative, std::vector<WhiteoutEntry>& out) {
    const std::string path = relative.empty() ? root : root + "/" + relative;
    for (const auto& name : sortedNames(path)) {
        const std::string rel = relative.empty() ? name : relative + "/" + name;
        const struct stat st = lstatOrThrow(root + "/" + rel);
        if (isWhiteout(st)) out.push_back({rel, false});
        else if (S_ISDIR(st.st_mode)) {
            if (isOpaqueDir(root + "/" + rel)) out.push_back({rel, true});
            collectWhiteouts(root, rel, out);
        }
    }
}

void removeExisting(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        if (const auto problem = removeTreeOnOneFileSystem(path); !problem.empty()) throwSystem("layer: " + problem, EBUSY);
    } else if (::unlink(path.c_str()) != 0) {
        throwErrno("layer: remove " + path);
    }
}

void copyMetadata(const std::string& target, const struct stat& st) {
    if (::geteuid() == 0 && ::lchown(target.c_str(), st.st_uid, st.st_gid) != 0) throwErrno("layer: chown " + target);
    if (!S_ISLNK(st.st_mode) && ::chmod(target.c_str(), st.st_mode & 07777) != 0) throwErrno("layer: chmod " + target);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    ::utimensat(AT_FDCWD, target.c_str(), times, AT_SYMLINK_NOFOLLOW);  // times are cosmetic
}

void copyFileBytes(const std::string& source, const std::string& target, mode_t mode) {
    UniqueFd in(::open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) throwErrno("layer: open " + source);
    UniqueFd out(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777));
    if (!out) throwErrno("layer: create " + target);
    char buf[1 << 16];
    for (;;) {
        const ssize_t n = ::read(in.get(), buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            throwErrno("layer: read " + source);
        }
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(out.get(), buf + done, static_cast<size_t>(n - done));
            if (w < 0) {
                if (errno == EINTR) continue;
                throwErrno("layer: write " + target);
            }
            done += w;
        }
    }
}

void markOpaque(const std::string& dir) {
    if (::lsetxattr(dir.c_str(), opaqueXattrForThisUser(), "y", 1, 0) != 0) throwErrno("layer: mark opaque " + dir);
}

}  // namespace

bool isWhiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

bool isOpaqueDir(const std::string& path) {
    for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
        char value[4] = {};
        if (::lgetxattr(path.c_str(), name, value, sizeof value) == 1 && value[0] == 'y') return true;
    }
    return false;
}

std::vector<std::string> pathParts(const std::string& relative) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= relative.size()) {
        const size_t slash = relative.find('/', start);
        const std::string part = relative.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (!part.empty() && part != ".") parts.push_back(part);
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return parts;
}

const char* opaqueXattrForThisUser() { return ::geteuid() == 0 ? "trusted.overlay.opaque" : "user.overlay.opaque"; }

std::string digestLayerTree(const std::string& dir) {
    Sha256 hasher;
    hasher.field("virtlab layer v1");
    digestInto(hasher, dir, "");
    return hasher.hex();
}

std::vector<WhiteoutEntry> listWhiteouts(const std::string& layer_dir) {
    std::vector<WhiteoutEntry> out;
    collectWhiteouts(layer_dir, "", out);
    return out;
}

void copyTree(const std::string& source, const std::string& target) {
    const struct stat st = lstatOrThrow(source);
    struct stat existing {};
    const bool exists = ::lstat(target.c_str(), &existing) == 0;
    if (S_ISDIR(st.st_mode)) {
        if (exists && !S_ISDIR(existing.st_mode)) removeExisting(target);
        if (!exists || !S_ISDIR(existing.st_mode))
            if (::mkdir(target.c_str(), 0700) != 0) throwErrno("layer: mkdir " + target);
        if (isOpaqueDir(source)) markOpaque(target);
        for (const auto& name : sortedNames(source)) copyTree(source + "/" + name, target + "/" + name);
        copyMetadata(target, st);
        return;
    }
    if (exists) removeExisting(target);
    if (S_ISREG(st.st_mode)) copyFileBytes(source, target, st.st_mode);
    else if (S_ISLNK(st.st_mode)) {
        if (::symlink(readLink(source).c_str(), target.c_str()) != 0) throwErrno("layer: symlink " + target);
    } else if (::mknod(target.c_str(), st.st_mode & (S_IFMT | 07777), st.st_rdev) != 0) {
        throwErrno("layer: mknod " + target);
    }
    copyMetadata(target, st);
}

void applyLayer(const std::string& layer_dir, const std::string& target) {
    for (const auto& name : sortedNames(layer_dir)) {
        const std::string from = layer_dir + "/" + name, to = target + "/" + name;
        const struct stat st = lstatOrThrow(from);
        if (isWhiteout(st)) {
            removeExisting(to);
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            copyTree(from, to);
            continue;
        }
        struct stat existing {};
        const bool is_dir = ::lstat(to.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode);
        // An opaque directory hides what the layers below had there: start it empty.
        if (!is_dir || isOpaqueDir(from)) {
            removeExisting(to);
            if (::mkdir(to.c_str(), 0700) != 0) throwErrno("layer: mkdir " + to);
        }
        applyLayer(from, to);
        copyMetadata(to, st);
        // The flat tree has nothing below it to hide.
        ::lremovexattr(to.c_str(), "trusted.overlay.opaque");
        ::lremovexattr(to.c_str(), "user.overlay.opaque");
    }
}

std::optional<std::string> findInStack(const std::vector<std::string>& layers_top_first, const std::string& relative) {
    const auto parts = pathParts(relative);
    // Walk down the layers; a whiteout ends the search, an opaque directory on the way
    // hides every lower layer for the rest of the path.
    size_t visible_layers = layers_top_first.size();
    for (size_t layer = 0; layer < visible_layers; ++layer) {
        std::string path = layers_top_first[layer];
        bool found = true;
        for (size_t i = 0; i < parts.size(); ++i) {
            path += "/" + parts[i];
            struct stat st {};
            if (::lstat(path.c_str(), &st) != 0) {
                found = false;
                break;
            }
            if (isWhiteout(st)) return std::nullopt;
            const bool last = i + 1 == parts.size();
            if (!last && !S_ISDIR(st.st_mode)) return std::nullopt;  // a file shadows the path's directory
            if (!last && isOpaqueDir(path)) visible_layers = layer + 1;
        }
        if (found) return path;
    }
    return std::nullopt;
}

}  // namespace vl::ct::image
