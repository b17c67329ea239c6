// vlab_on_unified_cgroup: runs a program (the built `virtlab`) on a cgroup-v2-only host, made
// for real from this one: in a private mount namespace the v1 hierarchies under /sys/fs/cgroup
// are detached and the kernel's unified hierarchy (cgroup2) is mounted there instead. That is
// what most users' machines look like, so the runtime's v2 backend meets the real kernel files
// (cgroup.procs, cgroup.subtree_control, cpu.stat, cgroup.kill) rather than a fake tree.
//
//   vlab_on_unified_cgroup [--delegate NAME --uid UID] -- PROGRAM [ARG...]
//
//   --delegate NAME  make /sys/fs/cgroup/NAME a subtree delegated to UID the way systemd does for
//   --uid UID        a user's manager (Delegate=yes): the directory and its cgroup.procs,
//                    cgroup.subtree_control and cgroup.threads belong to UID, the program runs as
//                    UID in the leaf NAME/session; afterwards both directories are removed.
//
// The unified hierarchy is one per kernel: every invocation sees the same tree, so a container
// started detached by one invocation is inspected, stopped and removed by later ones. Exit status:
// the program's, or 126 when the setup fails (the reason on stderr).
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

[[noreturn]] void fail(const std::string& what, int err) {
    std::fprintf(stderr, "vlab_on_unified_cgroup: %s: %s\n", what.c_str(), std::strerror(err));
    std::_Exit(126);
}

void mountUnifiedHierarchyOnly() {
    if (::unshare(CLONE_NEWNS) != 0) fail("unshare(CLONE_NEWNS)", errno);
    // A slave: nothing mounted here reaches the host, host mounts still show up here.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) fail("make / a slave", errno);
    // Detaching takes the v1 hierarchies below with it (a lazy unmount of the whole subtree).
    if (::umount2(kCgroupRoot, MNT_DETACH) != 0 && errno != EINVAL) fail(std::string("umount ") + kCgroupRoot, errno);
    if (::mount("cgroup2", kCgroupRoot, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        fail(std::string("mount cgroup2 on ") + kCgroupRoot, errno);
}

void chownOrFail(const std::string& path, uid_t uid) {
    if (::chown(path.c_str(), uid, static_cast<gid_t>(-1)) != 0) fail("chown " + path, errno);
}

// 0, or the errno of the failed open or write.
int writeText(const std::string& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    const int err = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : errno;
    ::close(fd);
    return err;
}

// systemd's delegation (systemd.resource-control(5), Delegate=): the user owns the subtree's
// directory and the files that let it create, populate and configure children.
void makeDelegatedSubtree(const std::string& subtree, const std::string& leaf, uid_t uid) {
    for (const std::string& dir : {subtree, leaf})
        if (::mkdir(dir.c_str(), 0755) != 0) fail("mkdir " + dir, errno);
    for (const char* file : {"", "/cgroup.procs", "/cgroup.subtree_control", "/cgroup.threads"}) chownOrFail(subtree + file, uid);
    for (const char* file : {"", "/cgroup.procs", "/cgroup.threads"}) chownOrFail(leaf + file, uid);
}

// Empty cgroups are removed with rmdir; the kernel refuses (EBUSY) while processes remain.
void removeSubtree(const std::string& subtree, const std::string& leaf) {
    for (const std::string& dir : {leaf, subtree})
        if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
            std::fprintf(stderr, "vlab_on_unified_cgroup: rmdir %s: %s\n", dir.c_str(), std::strerror(errno));
}

int waitFor(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) fail("waitpid", errno);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
    std::string delegate;
    long uid = -1;
    int i = 1;
    for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
        const std::string arg = argv[i];
        if (arg == "--delegate" && i + 1 < argc) delegate = argv[++i];
        else if (arg == "--uid" && i + 1 < argc) uid = std::strtol(argv[++i], nullptr, 10);
        else fail("unknown option " + arg, EINVAL);
    }
    if (i + 1 >= argc) fail("usage: vlab_on_unified_cgroup [--delegate NAME --uid UID] -- PROGRAM [ARG...]", EINVAL);
    if (delegate.empty() != (uid < 0) || delegate.find('/') != std::string::npos) fail("--delegate NAME needs --uid UID", EINVAL);
    char** program = argv + i + 1;

    mountUnifiedHierarchyOnly();
    if (delegate.empty()) {
        ::execvp(program[0], program);
        fail(std::string("exec ") + program[0], errno);
    }

    const std::string subtree = std::string(kCgroupRoot) + "/" + delegate;
    const std::string leaf = subtree + "/session";
    makeDelegatedSubtree(subtree, leaf, static_cast<uid_t>(uid));
    int go[2];
    if (::pipe2(go, O_CLOEXEC) != 0) fail("pipe", errno);
    const pid_t child = ::fork();
    if (child < 0) fail("fork", errno);
    if (child == 0) {
        // Wait until the parent has moved us into the leaf, then become the user.
        char byte;
        ::close(go[1]);
        if (::read(go[0], &byte, 1) != 1) std::_Exit(126);
        const gid_t gid = static_cast<gid_t>(uid);
        if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 ||
            ::setresuid(static_cast<uid_t>(uid), static_cast<uid_t>(uid), static_cast<uid_t>(uid)) != 0)
            fail("become uid " + std::to_string(uid), errno);
        ::execvp(program[0], program);
        fail(std::string("exec ") + program[0], errno);
    }
    ::close(go[0]);
    const int err = writeText(leaf + "/cgroup.procs", std::to_string(child));
    if (err == 0 && ::write(go[1], "g", 1) != 1) fail("start the program", errno);
    ::close(go[1]);  // without the byte, the child gives up: the subtree is removed either way
    const int status = waitFor(child);
    removeSubtree(subtree, leaf);
    if (err != 0) fail("move the program into " + leaf, err);
    return status;
}
