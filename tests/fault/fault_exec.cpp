// vlab_fault_exec: runs a program (the built `virtlab`) under a fault the kernel really
// produces, so the runtime meets the same refusal a real machine would give it:
//
//   vlab_fault_exec [--deny-mount] [--read-only DIR]... [--bind SRC:DST]... -- PROGRAM [ARG...]
//
//   --deny-mount     a seccomp filter makes every mount(2) fail with EPERM, in this process and
//                    in everything it starts (filters are inherited across fork/clone/execve):
//                    the container's first process meets it at its first mount.
//   --read-only DIR  DIR (a mount point) remounted read-only in a private mount namespace:
//                    mkdir below it fails with EROFS. On a cgroupfs mount this is what a
//                    runtime sees inside a Docker container, where /sys/fs/cgroup is read-only.
//   --bind SRC:DST   SRC bind-mounted over DST in that private namespace (the image store on
//                    a small tmpfs, so write(2) really returns ENOSPC).
//
// The namespace is a slave of the host's (host mounts still appear, nothing goes back), and
// it dies with the program: nothing here outlives the run.
#include <errno.h>
#include <seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
    std::fprintf(stderr, "vlab_fault_exec: %s: %s\n", what.c_str(), std::strerror(err));
    std::_Exit(126);
}

void denyMount() {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) fail("seccomp_init", ENOMEM);
    // Leave no_new_privs alone: the program must run exactly as it would without this tool,
    // apart from the one refused call. Root may load a filter without it (CAP_SYS_ADMIN).
    if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); rc != 0) fail("seccomp_attr_set", -rc);
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mount), 0); rc != 0) fail("seccomp_rule_add mount", -rc);
    if (int rc = seccomp_load(ctx); rc != 0) fail("seccomp_load", -rc);
    seccomp_release(ctx);
}

void enterPrivateMountNamespace() {
    if (::unshare(CLONE_NEWNS) != 0) fail("unshare(CLONE_NEWNS)", errno);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) fail("make / a slave", errno);
}

}  // namespace

int main(int argc, char** argv) {
    bool deny_mount = false;
    std::vector<std::string> read_only;
    std::vector<std::pair<std::string, std::string>> binds;
    int i = 1;
    for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
        const std::string arg = argv[i];
        if (arg == "--deny-mount") {
            deny_mount = true;
        } else if (arg == "--read-only" && i + 1 < argc) {
            read_only.push_back(argv[++i]);
        } else if (arg == "--bind" && i + 1 < argc) {
            const std::string spec = argv[++i];
            const size_t colon = spec.find(':');
            if (colon == std::string::npos) fail("--bind " + spec + ": expected SRC:DST", EINVAL);
            binds.emplace_back(spec.substr(0, colon), spec.substr(colon + 1));
        } else {
            fail("unknown option " + arg, EINVAL);
        }
    }
    if (i + 1 >= argc) fail("usage: vlab_fault_exec [--deny-mount] [--read-only DIR]... [--bind SRC:DST]... -- PROGRAM [ARG...]", EINVAL);

    if (!read_only.empty() || !binds.empty()) enterPrivateMountNamespace();
    for (const auto& [source, target] : binds)
        if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) fail("bind " + source + " on " + target, errno);
    for (const auto& dir : read_only)
        if (::mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) fail("remount " + dir + " read-only", errno);
    // Last: the filter would refuse the mounts above.
    if (deny_mount) denyMount();
    ::execv(argv[i + 1], argv + i + 1);
    fail(std::string("exec ") + argv[i + 1], errno);
}
