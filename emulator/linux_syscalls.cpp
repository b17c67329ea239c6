#include "emulator/linux_syscalls.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "emulator/guest_image.h"
#include "emulator/linux_process_layout.h"

namespace vl::emu {
namespace {

// i386 system-call numbers (arch/x86/entry/syscalls/syscall_32.tbl).
enum Nr : uint32_t {
    kExit = 1, kRead = 3, kWrite = 4, kClose = 6, kTime = 13, kGetpid = 20, kGetuid = 24,
    kBrk = 45, kGetgid = 47, kGeteuid = 49, kGetegid = 50, kIoctl = 54, kGetppid = 64,
    kMunmap = 91, kUname = 122, kMprotect = 125, kWritev = 146, kMmap2 = 192, kGetuid32 = 199, kGetgid32 = 200,
    kGeteuid32 = 201, kGetegid32 = 202, kGettid = 224, kSetThreadArea = 243, kExitGroup = 252,
    kSetTidAddress = 258, kClockGettime = 265,
};

constexpr int32_t err(int e) { return -e; }

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

}  // namespace

const char* LinuxSyscalls::name(uint32_t number) {
    switch (number) {
    case kExit: return "exit";
    case kRead: return "read";
    case kWrite: return "write";
    case kClose: return "close";
    case kTime: return "time";
    case kGetpid: return "getpid";
    case kGetuid: return "getuid";
    case kBrk: return "brk";
    case kGetgid: return "getgid";
    case kGeteuid: return "geteuid";
    case kGetegid: return "getegid";
    case kIoctl: return "ioctl";
    case kGetppid: return "getppid";
    case kMunmap: return "munmap";
    case kUname: return "uname";
    case kMprotect: return "mprotect";
    case kWritev: return "writev";
    case kMmap2: return "mmap2";
    case kGetuid32: return "getuid32";
    case kGetgid32: return "getgid32";
    case kGeteuid32: return "geteuid32";
    case kGetegid32: return "getegid32";
    case kGettid: return "gettid";
    case kSetThreadArea: return "set_thread_area";
    case kExitGroup: return "exit_group";
    case kSetTidAddress: return "set_tid_address";
    case kClockGettime: return "clock_gettime";
    default: return nullptr;
    }
}

LinuxSyscalls::LinuxSyscalls(SyscallHost& host, EventLog& events, uint32_t brk_start)
    : host_(host), events_(events), brk_start_(brk_start), brk_(brk_start), brk_mapped_(brk_start),
      mmap_next_(kMmapBase) {}

SyscallOutcome LinuxSyscalls::handle(const SyscallRequest& r) {
    const auto& a = r.args;
    SyscallOutcome out;
    int32_t result = 0;
    switch (r.number) {
    case kExit:
    case kExitGroup:
        out.exited = true;
        out.exit_code = static_cast<int>(a[0] & 0xff);  // the kernel keeps the low 8 bits
        break;
    case kWrite: result = sysWrite(a[0], a[1], a[2]); break;
    case kWritev: result = sysWritev(a[0], a[1], a[2]); break;
    case kRead: result = a[0] == 0 ? 0 : err(EBADF); break;  // stdin is empty: end of file
    case kClose: result = a[0] <= 2 ? 0 : err(EBADF); break;
    case kIoctl: result = a[0] <= 2 ? err(ENOTTY) : err(EBADF); break;  // not a terminal: stdio buffers fully
    case kGetpid:
    case kGettid:
    case kSetTidAddress: result = static_cast<int32_t>(kGuestPid); break;
    case kGetppid: result = 1; break;
    case kGetuid: case kGeteuid: case kGetgid: case kGetegid:
    case kGetuid32: case kGeteuid32: case kGetgid32: case kGetegid32:
        result = static_cast<int32_t>(kGuestUid);
        break;
    case kBrk: result = sysBrk(a[0]); break;
    case kMmap2: result = sysMmap2(a[0], a[1], a[2], a[3], a[4]); break;
    case kMunmap: result = sysMunmap(a[0], a[1]); break;
    case kUname: result = sysUname(a[0]); break;
    // Permissions are not enforced on brk/mmap memory (all read/write); glibc's static start-up
    // mprotects its RELRO region read-only and only needs the call to succeed.
    case kMprotect: result = (a[0] % kPageSize) ? err(EINVAL) : 0; break;
    case kSetThreadArea: result = sysSetThreadArea(a[0]); break;
    case kTime: {
        const auto now = static_cast<uint32_t>(std::time(nullptr));
        if (a[0] && !host_.writeMemory(a[0], &now, 4)) result = err(EFAULT);
        else result = static_cast<int32_t>(now);
        break;
    }
    case kClockGettime: result = sysClockGettime(a[0], a[1]); break;
    default: result = err(ENOSYS); break;
    }
    out.result = static_cast<uint32_t>(result);

    const char* n = name(r.number);
    std::string detail;
    if (n) {
        detail = std::string(n) + "(" + hex(a[0]) + ", " + hex(a[1]) + ", " + hex(a[2]) + ")";
        detail += out.exited ? " -> process exits with status " + std::to_string(out.exit_code)
                             : " = " + std::to_string(result);
    } else {
        detail = "syscall " + std::to_string(r.number) + " (not implemented) = -ENOSYS";
    }
    {
        std::lock_guard lock(mutex_);
        ++counters_["syscalls"];
        ++counters_[n ? std::string("syscalls.") + n : std::string("syscalls.unknown")];
    }
    events_.append("syscall", std::move(detail));
    return out;
}

void LinuxSyscalls::capture(uint32_t fd, const std::string& bytes) {
    std::lock_guard lock(mutex_);
    std::string& sink = fd == 1 ? stdout_ : stderr_;
    const size_t room = sink.size() < kMaxCapturedOutput ? kMaxCapturedOutput - sink.size() : 0;
    sink.append(bytes, 0, std::min(room, bytes.size()));
    if (bytes.size() > room) counters_["output_bytes_dropped"] += bytes.size() - room;
}

int32_t LinuxSyscalls::sysWrite(uint32_t fd, uint32_t buffer, uint32_t length) {
    if (fd != 1 && fd != 2) return err(EBADF);
    if (static_cast<int32_t>(length) < 0) return err(EINVAL);
    std::string bytes(length, '\0');
    if (length && !host_.readMemory(buffer, bytes.data(), length)) return err(EFAULT);
    capture(fd, bytes);
    return static_cast<int32_t>(length);
}

int32_t LinuxSyscalls::sysWritev(uint32_t fd, uint32_t iov, uint32_t count) {
    if (fd != 1 && fd != 2) return err(EBADF);
    if (count > 1024) return err(EINVAL);  // UIO_MAXIOV
    int64_t total = 0;
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t entry[2];  // struct iovec { void* base; size_t len; } on i386
        if (!host_.readMemory(iov + i * 8, entry, sizeof entry)) return err(EFAULT);
        const int32_t n = sysWrite(fd, entry[0], entry[1]);
        if (n < 0) return total ? static_cast<int32_t>(total) : n;
        total += n;
    }
    return static_cast<int32_t>(total);
}

// The program break moves in bytes, but memory is mapped in pages: brk_ is what the guest
// asked for, brk_mapped_ the page boundary actually backed. Like Linux, a request below the
// start or one that cannot be satisfied leaves the break where it was and returns it.
int32_t LinuxSyscalls::sysBrk(uint32_t requested) {
    if (requested < brk_start_ || requested - brk_start_ > kBrkMaxGrowth) return static_cast<int32_t>(brk_);
    const uint32_t want = static_cast<uint32_t>(pageUp(requested));
    if (want > brk_mapped_) {
        if (!host_.mapMemory(brk_mapped_, want - brk_mapped_)) return static_cast<int32_t>(brk_);
    } else if (want < brk_mapped_) {
        host_.unmapMemory(want, brk_mapped_ - want);  // shrinking gives the pages back
    }
    brk_mapped_ = want;
    brk_ = requested;
    return static_cast<int32_t>(brk_);
}

// Anonymous memory only (what malloc and glibc's start-up ask for); files cannot be mapped
// because the guest has no file system here.
int32_t LinuxSyscalls::sysMmap2(uint32_t addr, uint32_t length, uint32_t /*prot*/, uint32_t flags, uint32_t fd) {
    if (length == 0) return err(EINVAL);
    if (!(flags & MAP_ANONYMOUS) || static_cast<int32_t>(fd) != -1) return err(ENODEV);
    const uint64_t size = pageUp(length);
    uint32_t where = 0;
    if (flags & MAP_FIXED) {
        if (addr % kPageSize || uint64_t(addr) + size > kStackTop - kStackSize) return err(EINVAL);
        host_.unmapMemory(addr, static_cast<uint32_t>(size));
        where = addr;
    } else {
        if (uint64_t(mmap_next_) + size > kMmapLimit) return err(ENOMEM);
        where = mmap_next_;
        mmap_next_ += static_cast<uint32_t>(size);
    }
    if (!host_.mapMemory(where, static_cast<uint32_t>(size))) return err(ENOMEM);
    return static_cast<int32_t>(where);
}

int32_t LinuxSyscalls::sysMunmap(uint32_t addr, uint32_t length) {
    if (addr % kPageSize || length == 0) return err(EINVAL);
    host_.unmapMemory(addr, static_cast<uint32_t>(pageUp(length)));
    return 0;
}

int32_t LinuxSyscalls::sysUname(uint32_t buffer) {
    // struct new_utsname: six fields of 65 bytes. A 6.x release keeps glibc's
    // "kernel too old" check happy.
    char uts[6][65] = {};
    const char* fields[6] = {"Linux", "virtlab", "6.1.0-virtlab", "#1 VirtLab user-mode emulation", "i686", "(none)"};
    for (int i = 0; i < 6; ++i) std::strncpy(uts[i], fields[i], 64);
    return host_.writeMemory(buffer, uts, sizeof uts) ? 0 : err(EFAULT);
}

int32_t LinuxSyscalls::sysSetThreadArea(uint32_t user_desc) {
    // struct user_desc { entry_number, base_addr, limit, flag bits } (asm/ldt.h).
    uint32_t desc[4];
    if (!host_.readMemory(user_desc, desc, sizeof desc)) return err(EFAULT);
    uint32_t entry = desc[0];
    if (entry == 0xFFFFFFFFu) {  // "pick a free one and tell me which"
        entry = 0;
        for (uint32_t i = 0; i < kTlsEntries && !entry; ++i)
            if (!tls_used_[i]) entry = kFirstTlsEntry + i;
        if (!entry) return err(ESRCH);
        desc[0] = entry;
        if (!host_.writeMemory(user_desc, desc, 4)) return err(EFAULT);
    }
    if (entry < kFirstTlsEntry || entry >= kFirstTlsEntry + kTlsEntries) return err(EINVAL);
    const bool limit_in_pages = (desc[3] >> 4) & 1;
    if (!host_.installTlsSegment(entry, desc[1], desc[2], limit_in_pages)) return err(EFAULT);
    tls_used_[entry - kFirstTlsEntry] = true;
    return 0;
}

int32_t LinuxSyscalls::sysClockGettime(uint32_t clock, uint32_t timespec) {
    struct timespec now {};
    if (clock_gettime(static_cast<clockid_t>(clock), &now) != 0) return err(EINVAL);
    const uint32_t guest[2] = {static_cast<uint32_t>(now.tv_sec), static_cast<uint32_t>(now.tv_nsec)};
    return host_.writeMemory(timespec, guest, sizeof guest) ? 0 : err(EFAULT);
}

std::string LinuxSyscalls::stdoutText() const {
    std::lock_guard lock(mutex_);
    return stdout_;
}

std::string LinuxSyscalls::stderrText() const {
    std::lock_guard lock(mutex_);
    return stderr_;
}

Counters LinuxSyscalls::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

}  // namespace vl::emu
