#include "containers/rootfs.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "containers/container_state.h"
#include "containers/file_io.h"
#include "containers/program_output.h"
#include "containers/unique_fd.h"
#include "core/error.h"
#include "core/remove_tree.h"

namespace vl::ct {

namespace fs = std::filesystem;

namespace {

// Bumped whenever the tree's layout changes, so older caches are rebuilt.
constexpr int kLayoutVersion = 1;

void writeFile(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throwSystem("rootfs: write " + path.string(), errno ? errno : EIO);
}

// Holds an exclusive flock on <parent>/.<name>.lock so two VirtLabs never build at once.
class BuildLock {
public:
    explicit BuildLock(const fs::path& directory) {
        const fs::path lock = directory.parent_path() / ("." + directory.filename().string() + ".lock");
        fd_.reset(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!fd_) throwErrno("rootfs: open " + lock.string());
        while (::flock(fd_.get(), LOCK_EX) != 0)
            if (errno != EINTR) throwErrno("rootfs: flock " + lock.string());
    }

private:
    UniqueFd fd_;
};

}  // namespace

std::string defaultRootfsCacheDir() {
    if (::geteuid() == 0) return "/var/lib/virtlab/rootfs/busybox";
    std::string base;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg == '/') base = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home) base = std::string(home) + "/.local/share";
    else base = "/tmp";
    return base + "/virtlab/rootfs/busybox";
}

BusyboxRootfs::BusyboxRootfs(std::string directory, std::string busybox)
    : directory_(std::move(directory)), busybox_(std::move(busybox)) {}

std::string BusyboxRootfs::expectedStamp() const {
    struct stat st {};
    if (::stat(busybox_.c_str(), &st) != 0) throwErrno("rootfs: busybox binary " + busybox_ + " (install busybox-static)");
    std::ostringstream out;
    out << "virtlab busybox rootfs layout " << kLayoutVersion << "\n"
        << "busybox " << busybox_ << " size " << st.st_size << " mtime " << st.st_mtim.tv_sec << "."
        << st.st_mtim.tv_nsec << "\n";
    return out.str();
}

bool BusyboxRootfs::isCurrent() const {
    const fs::path root(directory_);
    const auto stamp = readTextFile((root / kStampFile).string());
    if (!stamp || *stamp != expectedStamp()) return false;
    // A tree someone pruned by hand is incomplete: check what every container needs.
    struct stat st {}, original {};
    if (::stat(busybox_.c_str(), &original) != 0) return false;
    if (::stat((root / "bin/busybox").c_str(), &st) != 0 || st.st_size != original.st_size) return false;
    for (const char* entry : {"bin/sh", "etc/passwd", "etc/group", "etc/hostname"})
        if (::lstat((root / entry).c_str(), &st) != 0) return false;
    for (const char* dir : {"proc", "dev", "sys", "tmp"})
        if (::lstat((root / dir).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    return true;
}

void BusyboxRootfs::buildInto(const std::string& staging) const {
    const fs::path root(staging);
    for (const char* dir : {"bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "proc", "dev", "sys", "tmp", "run"})
        fs::create_directories(root / dir);
    fs::permissions(root / "tmp", fs::perms::all | fs::perms::sticky_bit);
    fs::permissions(root / "root", fs::perms::owner_all);
    fs::permissions(root, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    fs::copy_file(busybox_, root / "bin/busybox");
    fs::permissions(root / "bin/busybox", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                              fs::perms::others_read | fs::perms::others_exec);

    // "usr/bin/awk" per line; older busyboxes only know --list (names, all placed in bin/).
    auto applets = runAndCapture({busybox_, "--list-full"});
    std::string prefix;
    if (!applets) {
        applets = runAndCapture({busybox_, "--list"});
        prefix = "bin/";
    }
    if (!applets || applets->empty()) throwSystem("rootfs: " + busybox_ + " --list printed no applets", ENOEXEC);
    std::istringstream lines(*applets);
    for (std::string line; std::getline(lines, line);) {
        const fs::path link = prefix + line;
        // linuxrc is busybox's initrd entry point, meaningless in a container.
        if (line.empty() || line == "linuxrc" || link == "bin/busybox" || line.find("..") != std::string::npos) continue;
        fs::create_directories(root / link.parent_path());
        std::error_code exists;
        fs::create_symlink("/bin/busybox", root / link, exists);  // absolute: resolved inside the container
    }

    writeFile(root / "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    writeFile(root / "etc/group", "root:x:0:\nnogroup:x:65534:\n");
    writeFile(root / "etc/hostname", "virtlab\n");
    writeFile(root / "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
    // Written last: its presence means everything before it is complete.
    writeFile(root / kStampFile, expectedStamp());
}

bool BusyboxRootfs::ensure() {
    const fs::path target(directory_);
    try {
        fs::create_directories(target.parent_path());
    } catch (const fs::filesystem_error& e) {
        throwSystem("rootfs: create " + target.parent_path().string(), e.code().value());
    }
    BuildLock lock(target);
    if (isCurrent()) return false;

    std::string pattern = (target.parent_path() / ("." + target.filename().string() + ".build-XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) throwErrno("rootfs: mkdtemp " + pattern);
    const fs::path staging(pattern);
    try {
        buildInto(staging.string());
        std::error_code ec;
        if (fs::exists(target, ec)) {
            // Move the stale tree aside first: rename(2) cannot replace a non-empty directory.
            std::string stale = (target.parent_path() / ("." + target.filename().string() + ".stale-XXXXXX")).string();
            if (!::mkdtemp(stale.data())) throwErrno("rootfs: mkdtemp " + stale);
            if (::rename(target.c_str(), stale.c_str()) != 0) throwErrno("rootfs: rename " + target.string());
            removeTreeOnOneFileSystem(stale);
        }
        if (::rename(staging.c_str(), target.c_str()) != 0) throwErrno("rootfs: rename into " + target.string());
    } catch (const fs::filesystem_error& e) {
        removeTreeOnOneFileSystem(staging);
        throwSystem("rootfs: build " + target.string() + ": " + e.what(), e.code().value());
    } catch (...) {
        removeTreeOnOneFileSystem(staging);
        throw;
    }
    return true;
}

namespace {

// overlayfs splits options on ',' and lower layers on ':'; such paths cannot be passed.
void checkOverlayPath(const std::string& path) {
    if (path.find_first_of(",:\\") != std::string::npos)
        throwInput("layer stack: the path '" + path + "' contains ',', ':' or '\\', which overlayfs cannot take");
}

}  // namespace

LayerStackMount::LayerStackMount(const std::vector<std::string>& lower_dirs_top_first)
    : LayerStackMount(lower_dirs_top_first, Options{}) {}

LayerStackMount::LayerStackMount(const std::vector<std::string>& lower_dirs_top_first, const Options& options) {
    std::string parent = options.parent_dir;
    if (parent.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        parent = tmp && *tmp ? tmp : "/tmp";
    }
    // Recorded for `container gc` before the holder exists (layer_mount_record.h): where the
    // mount lands in the host's table, a SIGKILLed VirtLab leaves it to gc. Without a state
    // base (not root and no XDG_RUNTIME_DIR) there is no gc to tell, and no mount either.
    std::optional<std::string> base;
    try {
        base = stateBase();
    } catch (const Error&) {
    }
    if (base) {
        record_ = std::make_unique<LayerMountRecord>(parent, *base);
        holder_ = record_->holder();
    } else {
        std::string pattern = parent + "/" + kLayerHolderPrefix + "XXXXXX";
        if (!::mkdtemp(pattern.data())) throwErrno("layer stack: mkdtemp " + pattern);
        holder_ = pattern;
    }
    path_ = holder_ + "/root";
    try {
        const bool writable = !options.upper_dir.empty();
        if (::mkdir(path_.c_str(), 0755) != 0) throwErrno("layer stack: mkdir " + path_);
        std::vector<std::string> lowers = lower_dirs_top_first;
        if (options.init_layer) {
            // Empty directories merge with the image's own (a lower directory is not opaque).
            const std::string init = holder_ + "/init";
            for (const std::string dir : {"", "/proc", "/dev", "/sys", "/tmp"})
                if (::mkdir((init + dir).c_str(), 0755) != 0) throwErrno("layer stack: mkdir " + init + dir);
            if (::chmod((init + "/tmp").c_str(), 01777) != 0) throwErrno("layer stack: chmod " + init + "/tmp");
            lowers.insert(lowers.begin(), init);
        }
        if (lowers.empty() || (!writable && lowers.size() < 2)) {
            // overlayfs needs a lower layer (two without an upper): an empty one changes nothing.
            const std::string empty = holder_ + "/empty";
            if (::mkdir(empty.c_str(), 0755) != 0) throwErrno("layer stack: mkdir " + empty);
            lowers.push_back(empty);
        }
        std::string lowerdir;
        for (const auto& dir : lowers) {
            checkOverlayPath(dir);
            lowerdir += (lowerdir.empty() ? "" : ":") + dir;
        }
        mount_options_ = "lowerdir=" + lowerdir;
        if (writable) {
            checkOverlayPath(options.upper_dir);
            checkOverlayPath(options.work_dir);
            // redirect_dir, index and metacopy off: each upper directory must stand alone as a
            // layer (no xattr pointing into the layers below), as Docker's overlay2 driver does.
            mount_options_ += ",upperdir=" + options.upper_dir + ",workdir=" + options.work_dir +
                              ",redirect_dir=off,index=off,metacopy=off";
        }
        // mount(2) takes one page of options; Docker shortens layer paths for the same limit.
        if (mount_options_.size() >= 4096) throwInput("layer stack: too many layers for one overlay mount");
        if (::mount("overlay", path_.c_str(), "overlay", writable ? 0 : MS_RDONLY, mount_options_.c_str()) != 0)
            throwErrno("layer stack: mount overlay on " + path_);
        mounted_ = true;
    } catch (...) {
        removeTreeOnOneFileSystem(holder_);
        record_.reset();
        throw;
    }
}

void LayerStackMount::unmount() {
    if (mounted_) {
        if (::umount2(path_.c_str(), 0) != 0) ::umount2(path_.c_str(), MNT_DETACH);
        mounted_ = false;
    }
}

LayerStackMount::~LayerStackMount() {
    unmount();
    removeTreeOnOneFileSystem(holder_);
    record_.reset();  // last: it is what gc would find the rest by
}

bool enterPrivateMountNamespace() {
    if (::unshare(CLONE_NEWNS) != 0) return false;
    // Slave, not private: the host's later mounts still show up here, ours never go back.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) throwErrno("mount namespace: make / a slave");
    return true;
}

}  // namespace vl::ct
