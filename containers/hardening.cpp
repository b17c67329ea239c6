#include "containers/hardening.h"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace vl::ct {

const std::vector<std::string>& maskedPaths() {
    // Each is readable by root in a fresh procfs/sysfs even without capabilities:
    static const std::vector<std::string> paths{
        "/proc/acpi",         // ACPI tables and controls of the host
        "/proc/kcore",        // the host's physical memory as an ELF core (KASLR, secrets)
        "/proc/keys",         // every key in the kernel keyrings the caller may see
        "/proc/latency_stats",
        "/proc/timer_list",   // host timers with task names and pids: a side channel
        "/proc/timer_stats",
        "/proc/sched_debug",  // every task on the host, not only the container's
        "/proc/scsi",         // writes here hot-add and remove host SCSI devices
        "/sys/firmware",      // BIOS/EFI tables and variables (efivars writes can brick a host)
    };
    return paths;
}

const std::vector<std::string>& readOnlyPaths() {
    static const std::vector<std::string> paths{
        "/proc/bus",            // PCI/USB config space of the host's devices
        "/proc/fs",             // file system tunables (nfsd exports ...)
        "/proc/irq",            // IRQ affinity of the host's interrupts
        "/proc/sys",            // sysctl: most of it is not namespaced (kernel.core_pattern runs
                                // a program as host root: a classic container escape)
        "/proc/sysrq-trigger",  // one write reboots or crashes the host
    };
    return paths;
}

uint64_t defaultCapabilityMask() {
    uint64_t mask = 0;
    for (int cap : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID, CAP_SETUID,
                    CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE})
        mask |= uint64_t{1} << cap;
    return mask;
}

std::vector<std::string> capabilityNames(uint64_t mask) {
    // Numbers from linux/capability.h; names as capsh and Docker spell them.
    static const char* const names[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};
    std::vector<std::string> out;
    for (int cap = 0; cap < 64; ++cap) {
        if (!(mask & (uint64_t{1} << cap))) continue;
        out.push_back(cap < static_cast<int>(std::size(names)) ? names[cap] : "CAP_" + std::to_string(cap));
    }
    return out;
}

const std::vector<SeccompDenial>& defaultSeccompDenials() {
    // Docker's default profile is an allow-list; this is the deny-list of the same calls a
    // container loses, so the reason for each can be read (and taught) one by one. With the
    // capabilities dropped most already fail; the filter is the second fence, and it also
    // shrinks the kernel code a compromised container can reach at all.
    static const std::vector<SeccompDenial> denials{
        {"mount", "", "new mounts could uncover masked paths or remount read-only ones writable"},
        {"umount2", "", "unmounting a mask (/proc/kcore) reveals what it hides"},
        {"pivot_root", "", "the root is fixed once the container runs"},
        {"fsopen", "", "the new mount API: mount(2) by another door"},
        {"fsconfig", "", "the new mount API"},
        {"fsmount", "", "the new mount API"},
        {"fspick", "", "the new mount API: reconfigure an existing mount"},
        {"move_mount", "", "the new mount API"},
        {"open_tree", "", "the new mount API: clone a mount tree"},
        {"mount_setattr", "", "clear a mount's read-only flag"},
        {"keyctl", "", "the kernel keyring is not namespaced: other containers' keys"},
        {"add_key", "", "the kernel keyring is not namespaced"},
        {"request_key", "", "the kernel keyring is not namespaced"},
        {"ptrace", "", "reading other processes' memory; many kernel bugs sat behind it"},
        {"process_vm_readv", "", "ptrace's memory access without ptrace"},
        {"process_vm_writev", "", "ptrace's memory access without ptrace"},
        {"personality", "persona & (READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE)",
         "these two flags undo NX and ASLR for an exploit; plain PER_LINUX/PER_LINUX32 stay allowed"},
        {"kexec_load", "", "boots a new kernel in place of the host's"},
        {"kexec_file_load", "", "boots a new kernel in place of the host's"},
        {"open_by_handle_at", "", "opens host files by inode handle past any chroot (the 2014 'shocker' escape)"},
        {"init_module", "", "loads code into the host kernel"},
        {"finit_module", "", "loads code into the host kernel"},
        {"delete_module", "", "unloads the host's drivers"},
        {"bpf", "", "eBPF programs run in the host kernel; a large attack surface"},
        {"perf_event_open", "", "host-wide performance counters: side channels, many CVEs"},
        {"userfaultfd", "", "pauses the kernel mid-copy: the standard tool for winning kernel races"},
        {"unshare", "flags & CLONE_NEWUSER",
         "a new user namespace gives full capabilities again over new namespaces: kernel attack surface"},
        {"clone", "flags & CLONE_NEWUSER", "as unshare"},
        {"clone3", "(ENOSYS)", "its flags sit in memory a filter cannot read; ENOSYS makes libc fall back to clone"},
        {"setns", "nstype is 0 or CLONE_NEWUSER", "joining a user namespace regains capabilities"},
        {"acct", "", "process accounting is host-wide"},
        {"swapon", "", "host memory management"},
        {"swapoff", "", "host memory management"},
        {"reboot", "", "reboots the host (outside a pid namespace's own reboot semantics)"},
        {"syslog", "", "the host kernel log leaks addresses (KASLR)"},
        {"iopl", "", "raw I/O ports of the host"},
        {"ioperm", "", "raw I/O ports of the host"},
        {"settimeofday", "", "the clock is not namespaced"},
        {"clock_settime", "", "the clock is not namespaced"},
        {"clock_adjtime", "", "the clock is not namespaced"},
        {"adjtimex", "", "the clock is not namespaced"},
        {"quotactl", "", "host file system quotas"},
        {"lookup_dcookie", "", "kernel profiling internals"},
        {"uselib", "", "obsolete loader interface, old CVEs"},
    };
    return denials;
}

int dropCapabilities(uint64_t keep) noexcept {
    // Bounding set first (needs CAP_SETPCAP, still held): it caps what any later execve()
    // can grant, so a setuid-root binary inside cannot bring CAP_SYS_ADMIN back.
    for (int cap = 0; cap < 64; ++cap) {
        if (keep & (uint64_t{1} << cap)) continue;
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
        if (errno == EINVAL) break;  // past cap_last_cap: this kernel knows no higher capability
        return errno;
    }
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return errno;
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    for (int word = 0; word < 2; ++word) {
        const auto bits = static_cast<uint32_t>(keep >> (32 * word));
        data[word].effective = bits;
        data[word].permitted = bits;
        // Inheritable stays empty, as in runc and moby since CVE-2022-24769: a non-empty
        // inheritable set let a file with inheritable file capabilities regain them
        // across execve() even for a non-root user inside.
        data[word].inheritable = 0;
    }
    return ::syscall(SYS_capset, &header, data) == 0 ? 0 : errno;
}

int setUserIds(uint32_t uid, uint32_t gid) noexcept {
    // Raw system calls: glibc's wrappers would apply the change to every thread it believes
    // the process has, and in the child of clone() that list is a stale copy of the parent's.
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) return errno;
    if (::syscall(SYS_setresgid, gid, gid, gid) != 0) return errno;
    if (::syscall(SYS_setresuid, uid, uid, uid) != 0) return errno;
    return 0;
}

int setNoNewPrivs() noexcept { return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : errno; }

int installSeccomp(const std::vector<sock_filter>& filter) noexcept {
    sock_fprog program{static_cast<unsigned short>(filter.size()), const_cast<sock_filter*>(filter.data())};
    return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0 ? 0 : errno;
}

}  // namespace vl::ct
