#include "containers/image/safe_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "containers/image/layer_tree.h"
#include "containers/unique_fd.h"
#include "core/error.h"
#include "core/remove_tree.h"

namespace vl::ct::image {

namespace {

constexpr const char* kWhiteoutPrefix = ".wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";

std::string errorText(archive* a, const char* fallback) {
    const char* text = archive_error_string(a);
    return text ? text : fallback;
}

struct ArchiveCloser {
    void operator()(archive* a) const { archive_read_free(a); }
};

class Unpacker {
public:
    Unpacker(std::string display_name, const std::string& target, const UnpackOptions& options)
        : name_(std::move(display_name)), target_(target), options_(options) {
        root_.reset(::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!root_) throwErrno("unpack: open " + target);
    }

    UnpackStats run(int fd) {
        UniqueFd owned(fd);
        std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
        archive_read_support_filter_all(a.get());
        archive_read_support_format_tar(a.get());
        if (archive_read_open_fd(a.get(), owned.get(), 1 << 16) != ARCHIVE_OK)
            throwInputAt(name_, 0, "not a tar archive: " + errorText(a.get(), "unreadable"));
        for (;;) {
            archive_entry* entry = nullptr;
            const int rc = archive_read_next_header(a.get(), &entry);
            if (rc == ARCHIVE_EOF) break;
            if (rc < ARCHIVE_WARN)
                throwInputAt(name_, 0, "corrupt archive after " + std::to_string(stats_.entries) +
                                           " entries: " + errorText(a.get(), "unreadable header"));
            ++stats_.entries;
            entry_name_ = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
            unpackEntry(a.get(), entry);
        }
        return stats_;
    }

private:
    [[noreturn]] void refuse(const std::string& reason) const {
        throwInputAt(name_, 0, "entry " + std::to_string(stats_.entries) + " '" + entry_name_ + "': " + reason);
    }

    // "./a//b/" -> {"a","b"}; refuses absolute names and "..".
    std::vector<std::string> cleanParts(const std::string& path, const char* what) const {
        if (!path.empty() && path[0] == '/') refuse(std::string(what) + " is an absolute path");
        std::vector<std::string> parts;
        size_t start = 0;
        for (;;) {
            const size_t slash = path.find('/', start);
            const std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
            if (part == "..") refuse(std::string(what) + " climbs out of the target with '..'");
            if (!part.empty() && part != ".") parts.push_back(part);
            if (slash == std::string::npos) break;
            start = slash + 1;
        }
        return parts;
    }

    // Opens the directory made of parts[0..count) below the root, one component at a time
    // and never through a symlink; missing directories are created when `create` is set.
    UniqueFd openParent(const std::vector<std::string>& parts, size_t count, bool create) const {
        UniqueFd dir(::dup(root_.get()));
        if (!dir) throwErrno("unpack: dup");
        std::string walked;
        for (size_t i = 0; i < count; ++i) {
            walked += (walked.empty() ? "" : "/") + parts[i];
            struct stat st {};
            if (::fstatat(dir.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno != ENOENT || !create) refuse("'" + walked + "' does not exist in the archive");
                if (::mkdirat(dir.get(), parts[i].c_str(), 0755) != 0) throwErrno("unpack: mkdir " + walked);
            } else if (S_ISLNK(st.st_mode)) {
                refuse("its path goes through the symlink '" + walked + "' planted earlier in the archive");
            } else if (!S_ISDIR(st.st_mode)) {
                refuse("its path goes through '" + walked + "', which is not a directory");
            }
            UniqueFd next(::openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!next) refuse("cannot open '" + walked + "' as a directory without following a link");
            dir = std::move(next);
        }
        return dir;
    }

    // Removes whatever an earlier entry left at parent/name (tar semantics: the later wins).
    void clearName(int parent, const std::vector<std::string>& parts, bool keep_directory) const {
        const std::string& name = parts.back();
        struct stat st {};
        if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
        if (S_ISDIR(st.st_mode)) {
            if (keep_directory) return;
            std::string path = target_;
            for (const auto& p : parts) path += "/" + p;
            if (const auto problem = removeTreeOnOneFileSystem(path); !problem.empty()) throwSystem("unpack: " + problem, EBUSY);
            return;
        }
        if (::unlinkat(parent, name.c_str(), 0) != 0) throwErrno("unpack: replace " + name);
    }

    void applyOwnerModeTimes(int parent, const std::string& name, archive_entry* entry, bool is_link) const {
        if (::geteuid() == 0 &&
            ::fchownat(parent, name.c_str(), static_cast<uid_t>(archive_entry_uid(entry)),
                       static_cast<gid_t>(archive_entry_gid(entry)), AT_SYMLINK_NOFOLLOW) != 0)
            throwErrno("unpack: chown " + name);
        // After chown, which clears set-id bits.
        if (!is_link && ::fchmodat(parent, name.c_str(), archive_entry_perm(entry) & 07777, 0) != 0)
            throwErrno("unpack: chmod " + name);
        struct timespec times[2] {};
        times[0].tv_nsec = UTIME_OMIT;
        times[1].tv_sec = archive_entry_mtime(entry);
        times[1].tv_nsec = archive_entry_mtime_nsec(entry);
        ::utimensat(parent, name.c_str(), times, AT_SYMLINK_NOFOLLOW);  // cosmetic: never fatal
    }

    void checkSymlinkTarget(const std::vector<std::string>& parts, const std::string& link) const {
        if (link.empty()) refuse("symlink with an empty target");
        if (link[0] == '/') return;  // resolved against the container's root, never followed here
        // Depth below the root of the directory holding the link; each ".." must stay >= 0.
        long depth = static_cast<long>(parts.size()) - 1;
        size_t start = 0;
        for (;;) {
            const size_t slash = link.find('/', start);
            const std::string part = link.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
            if (part == "..") {
                if (--depth < 0) refuse("symlink to '" + link + "' points out of the target");
            } else if (!part.empty() && part != ".") {
                ++depth;
            }
            if (slash == std::string::npos) break;
            start = slash + 1;
        }
    }

    void writeWhiteout(const std::vector<std::string>& parts) {
        const std::string& marker = parts.back();
        UniqueFd parent = openParent(parts, parts.size() - 1, true);
        if (marker == kOpaqueMarker) {
            if (::fsetxattr(parent.get(), opaqueXattrForThisUser(), "y", 1, 0) != 0) throwErrno("unpack: opaque mark on " + entry_name_);
            ++stats_.opaque_dirs;
            return;
        }
        if (marker.rfind(".wh..wh.", 0) == 0) return;  // aufs bookkeeping (.wh..wh.plnk): not content
        const std::string hidden = marker.substr(4);
        if (hidden.empty() || hidden == "." || hidden == "..") refuse("whiteout for no name");
        std::vector<std::string> hidden_parts(parts.begin(), parts.end() - 1);
        hidden_parts.push_back(hidden);
        clearName(parent.get(), hidden_parts, false);
        if (::mknodat(parent.get(), hidden.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) throwErrno("unpack: whiteout " + hidden);
        ++stats_.whiteouts;
    }

    void unpackEntry(archive* a, archive_entry* entry) {
        const auto parts = cleanParts(entry_name_, "the name");
        if (parts.empty()) return;  // "./": the root itself, which the staging directory already is
        if (options_.image_layer && parts.back().rfind(kWhiteoutPrefix, 0) == 0) {
            writeWhiteout(parts);
            return;
        }
        const std::string& name = parts.back();
        UniqueFd parent = openParent(parts, parts.size() - 1, true);

        if (const char* hardlink = archive_entry_hardlink(entry)) {
            const auto from = cleanParts(hardlink, "the hardlink target");
            if (from.empty()) refuse("hardlink to the root");
            UniqueFd from_parent = openParent(from, from.size() - 1, false);
            struct stat st {};
            if (::fstatat(from_parent.get(), from.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
                refuse("hardlink to '" + std::string(hardlink) + "', which is not in the archive before it");
            if (S_ISDIR(st.st_mode)) refuse("hardlink to a directory");
            clearName(parent.get(), parts, false);
            if (::linkat(from_parent.get(), from.back().c_str(), parent.get(), name.c_str(), 0) != 0)
                throwErrno("unpack: link " + entry_name_);
            return;
        }

        const mode_t type = archive_entry_filetype(entry);
        switch (type) {
        case AE_IFDIR: {
            clearName(parent.get(), parts, true);
            if (::mkdirat(parent.get(), name.c_str(), 0700) != 0 && errno != EEXIST) throwErrno("unpack: mkdir " + entry_name_);
            struct stat st {};
            if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
                refuse("cannot be made a directory");
            applyOwnerModeTimes(parent.get(), name, entry, false);
            return;
        }
        case AE_IFREG: {
            clearName(parent.get(), parts, false);
            UniqueFd out(::openat(parent.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
            if (!out) throwErrno("unpack: create " + entry_name_);
            const void* block = nullptr;
            size_t size = 0;
            la_int64_t offset = 0;
            for (;;) {
                const int rc = archive_read_data_block(a, &block, &size, &offset);
                if (rc == ARCHIVE_EOF) break;
                if (rc < ARCHIVE_WARN)
                    refuse(std::string("corrupt data: ") + errorText(a, "unreadable"));
                // A full disk first shows as a short write (errno untouched, stale); the retry
                // of the rest is what returns -1 with ENOSPC.
                for (size_t done = 0; done < size;) {
                    const ssize_t n = ::pwrite(out.get(), static_cast<const char*>(block) + done, size - done,
                                               offset + static_cast<la_int64_t>(done));
                    if (n < 0 && errno == EINTR) continue;
                    if (n <= 0) {
                        const int err = n < 0 ? errno : EIO;
                        throwSystem("unpack: write " + entry_name_, err);
                    }
                    done += static_cast<size_t>(n);
                }
                stats_.bytes += size;
            }
            // Sparse files end in a hole: give the file its full length.
            if (::ftruncate(out.get(), archive_entry_size(entry)) != 0) throwErrno("unpack: size " + entry_name_);
            out.reset();
            applyOwnerModeTimes(parent.get(), name, entry, false);
            return;
        }
        case AE_IFLNK: {
            const char* link = archive_entry_symlink(entry);
            checkSymlinkTarget(parts, link ? link : "");
            clearName(parent.get(), parts, false);
            if (::symlinkat(link, parent.get(), name.c_str()) != 0) throwErrno("unpack: symlink " + entry_name_);
            applyOwnerModeTimes(parent.get(), name, entry, true);
            return;
        }
        case AE_IFCHR:
        case AE_IFBLK:
            if (!options_.allow_devices) refuse("device node (only root may unpack device nodes)");
            [[fallthrough]];
        case AE_IFIFO: {
            clearName(parent.get(), parts, false);
            if (::mknodat(parent.get(), name.c_str(), type | 0600, archive_entry_rdev(entry)) != 0)
                throwErrno("unpack: mknod " + entry_name_);
            applyOwnerModeTimes(parent.get(), name, entry, false);
            return;
        }
        default:
            refuse("unsupported entry type (sockets and the like cannot be in a layer)");
        }
    }

    std::string name_;
    std::string target_;
    UnpackOptions options_;
    UniqueFd root_;
    UnpackStats stats_;
    std::string entry_name_;
};

}  // namespace

UnpackStats unpackArchiveSafely(int fd, const std::string& display_name, const std::string& target_dir,
                                const UnpackOptions& options) {
    UniqueFd owned(fd);  // closed even when the target cannot be opened
    Unpacker unpacker(display_name, target_dir, options);
    return unpacker.run(owned.release());
}

UnpackStats unpackArchiveFileSafely(const std::string& archive_path, const std::string& target_dir,
                                    const UnpackOptions& options) {
    const int fd = ::open(archive_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) throwInputAt(archive_path, 0, "no such file");
        throwErrno("unpack: open " + archive_path);
    }
    return unpackArchiveSafely(fd, archive_path, target_dir, options);
}

}  // namespace vl::ct::image
