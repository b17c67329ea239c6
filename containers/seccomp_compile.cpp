#include "containers/seccomp_compile.h"

#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "containers/hardening.h"
#include "containers/unique_fd.h"
#include "core/error.h"

namespace vl::ct {

namespace {

struct SeccompContext {
    void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};

void check(int rc, const std::string& what) {
    if (rc < 0) throwSystem("seccomp: " + what, -rc);
}

void addDenial(scmp_filter_ctx ctx, const SeccompDenial& d) {
    const int nr = seccomp_syscall_resolve_name(d.syscall.c_str());
    if (nr == __NR_SCMP_ERROR) return;  // not a syscall on this architecture (iopl on arm64)
    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    const scmp_datum_t newuser = CLONE_NEWUSER;
    if (d.syscall == "personality") {
        // libseccomp takes one comparison per argument and rule, so "neither 0 nor the
        // 0xffffffff query" (Docker's allow-list) cannot be said; one rule per dangerous flag
        // can (a query, having every bit set, is refused too).
        for (scmp_datum_t flag : {scmp_datum_t{0x0400000} /* READ_IMPLIES_EXEC */, scmp_datum_t{0x0040000} /* ADDR_NO_RANDOMIZE */})
            check(seccomp_rule_add(ctx, eperm, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)), d.syscall);
    } else if (d.syscall == "unshare" || d.syscall == "clone") {
        // clone's flags are its first argument on x86 and arm64 (s390 swaps them; not a target).
        check(seccomp_rule_add(ctx, eperm, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, newuser, newuser)), d.syscall);
    } else if (d.syscall == "clone3") {
        check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0), d.syscall);
    } else if (d.syscall == "setns") {
        check(seccomp_rule_add(ctx, eperm, nr, 1, SCMP_A1(SCMP_CMP_EQ, 0)), d.syscall);
        check(seccomp_rule_add(ctx, eperm, nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, newuser, newuser)), d.syscall);
    } else {
        check(seccomp_rule_add(ctx, eperm, nr, 0), d.syscall);
    }
}

}  // namespace

std::vector<sock_filter> compileDefaultSeccompFilter() {
    std::unique_ptr<void, SeccompContext> ctx(seccomp_init(SCMP_ACT_ALLOW));
    if (!ctx) throwSystem("seccomp: seccomp_init", ENOMEM);
    // A filter for the native ABI alone would let a 32-bit int 0x80 call through unfiltered
    // had libseccomp not killed it; listing the compat ABIs applies the same denials to them.
    if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
        check(seccomp_arch_add(ctx.get(), SCMP_ARCH_X86), "add x86");
        check(seccomp_arch_add(ctx.get(), SCMP_ARCH_X32), "add x32");
    } else if (seccomp_arch_native() == SCMP_ARCH_AARCH64) {
        check(seccomp_arch_add(ctx.get(), SCMP_ARCH_ARM), "add arm");
    }
    for (const auto& denial : defaultSeccompDenials()) addDenial(ctx.get(), denial);

    // libseccomp 2.5 exports BPF only to a descriptor; a memfd keeps it off the file system.
    UniqueFd memfd(::memfd_create("virtlab-seccomp", MFD_CLOEXEC));
    if (!memfd) throwErrno("seccomp: memfd_create");
    check(seccomp_export_bpf(ctx.get(), memfd.get()), "export");
    const off_t size = ::lseek(memfd.get(), 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) throwSystem("seccomp: exported program size", EINVAL);
    std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
    if (::pread(memfd.get(), program.data(), static_cast<size_t>(size), 0) != size) throwErrno("seccomp: read program");
    return program;
}

std::string seccompLibraryVersion() {
    const scmp_version* v = seccomp_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

}  // namespace vl::ct
