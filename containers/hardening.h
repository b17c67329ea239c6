// What a container's processes may still do once they run as root inside it: the fences
// mainstream runtimes (runc, crun, Docker/moby) put up on top of the namespaces, as data the
// child applies without allocating (child_plan.h):
//
//   masked and read-only /proc and /sys paths   kernel memory, keys, timers, sysctl writes
//   the default capability set                  CAP_SYS_ADMIN, CAP_SYS_MODULE, ... gone
//   no_new_privs                                no setuid binary or file capability gives them back
//   a default seccomp filter (libseccomp BPF)   the syscalls left that still reach kernel attack surface
//
// Each list names the attack its entries stop (comments in hardening.cpp).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vl::ct {

// Files and directories hidden from the container (/dev/null over a file, an empty read-only
// tmpfs over a directory), as runc's default config.json lists them.
const std::vector<std::string>& maskedPaths();
// Paths bind-mounted read-only on themselves.
const std::vector<std::string>& readOnlyPaths();

// The OCI/Docker default capability set (CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW,
// SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE) as a
// bit mask over capability numbers: 0xa80425fb, what `grep CapEff /proc/self/status` shows
// in a Docker container.
uint64_t defaultCapabilityMask();
// Names of the capabilities in `mask` ("CAP_CHOWN", ...), for inspect and tests.
std::vector<std::string> capabilityNames(uint64_t mask);

// One syscall the default filter refuses (with EPERM unless noted), and why.
struct SeccompDenial {
    std::string syscall;
    std::string condition;  // "" always; else e.g. "flags & CLONE_NEWUSER"
    std::string reason;
};
const std::vector<SeccompDenial>& defaultSeccompDenials();

// The default filter as classic BPF, for this machine's native architecture plus its 32-bit
// compat ABIs (so int 0x80 cannot go around the list): compiled by libseccomp when VirtLab is
// built (seccomp_compile.h, tools/seccomp_bpf_gen.cpp) and kept here as data, so starting a
// container costs no filter compilation. tests/containers/hardening_test.cpp checks that it
// is, instruction for instruction, what libseccomp compiles from defaultSeccompDenials().
const std::vector<sock_filter>& defaultSeccompFilter();

// Applied in a process that is about to execve() (async-signal-safe; 0 or an errno value):
// the bounding set reduced to `keep`, ambient set cleared, then effective = permitted = keep
// and inheritable empty.
int dropCapabilities(uint64_t keep) noexcept;
// --user: supplementary groups emptied, then gid, then uid (in that order: after setresuid a
// non-root process may no longer change its groups). Leaving uid 0 clears the effective and
// permitted capabilities, so the command runs without any, as under Docker.
int setUserIds(uint32_t uid, uint32_t gid) noexcept;
// PR_SET_NO_NEW_PRIVS: execve() never grants more than the caller has (no setuid root, no
// file capabilities). Also what lets an unprivileged process install a seccomp filter.
int setNoNewPrivs() noexcept;
// The filter (needs no_new_privs or CAP_SYS_ADMIN). Must be the last thing before execve():
// after it, the process cannot mount, pivot or unshare any more.
int installSeccomp(const std::vector<sock_filter>& filter) noexcept;

}  // namespace vl::ct
