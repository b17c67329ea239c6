// The Linux i386 system-call layer that stands in for a kernel under user-mode emulation (as
// qemu-i386's linux-user does): the guest executes `int 0x80` with the number in eax and
// arguments in ebx, ecx, edx, esi, edi, ebp; the engine hands them here and puts the result
// (or -errno) back in eax. It knows nothing about the CPU that runs the guest: memory and the
// TLS descriptor go through SyscallHost, so the translator can reuse it unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/engine.h"
#include "core/event_log.h"

namespace vl::emu {

// What the syscall layer needs from the machine running the guest.
class SyscallHost {
public:
    virtual ~SyscallHost() = default;
    virtual bool readMemory(uint32_t address, void* out, size_t length) = 0;
    virtual bool writeMemory(uint32_t address, const void* data, size_t length) = 0;
    // Page-aligned, zero-filled, readable and writable.
    virtual bool mapMemory(uint32_t address, uint32_t length) = 0;
    virtual bool unmapMemory(uint32_t address, uint32_t length) = 0;
    // Installs GDT entry `entry` as a 32-bit data segment (set_thread_area, for %gs TLS).
    virtual bool installTlsSegment(uint32_t entry, uint32_t base, uint32_t limit, bool limit_in_pages) = 0;
};

struct SyscallRequest {
    uint32_t number = 0;            // eax
    std::array<uint32_t, 6> args{}; // ebx, ecx, edx, esi, edi, ebp
};

struct SyscallOutcome {
    uint32_t result = 0;  // the new eax: a value or -errno
    bool exited = false;  // exit / exit_group: the process is gone
    int exit_code = 0;
};

class LinuxSyscalls {
public:
    // brk_start: the first page past the loaded image, where the heap begins.
    LinuxSyscalls(SyscallHost& host, EventLog& events, uint32_t brk_start);

    SyscallOutcome handle(const SyscallRequest& request);

    // Thread-safe (a pane may read while the guest runs).
    std::string stdoutText() const;
    std::string stderrText() const;
    Counters counters() const;  // syscalls, syscalls.<name>, syscalls.unknown
    uint32_t currentBreak() const { return brk_; }

    static const char* name(uint32_t number);  // "write", or nullptr when not served

    // Output a guest may leave in memory before it is cut off (the rest is counted, not kept).
    static constexpr size_t kMaxCapturedOutput = 16u << 20;

private:
    int32_t sysWrite(uint32_t fd, uint32_t buffer, uint32_t length);
    int32_t sysWritev(uint32_t fd, uint32_t iov, uint32_t count);
    int32_t sysBrk(uint32_t requested);
    int32_t sysMmap2(uint32_t addr, uint32_t length, uint32_t prot, uint32_t flags, uint32_t fd);
    int32_t sysMunmap(uint32_t addr, uint32_t length);
    int32_t sysUname(uint32_t buffer);
    int32_t sysSetThreadArea(uint32_t user_desc);
    int32_t sysClockGettime(uint32_t clock, uint32_t timespec);
    void capture(uint32_t fd, const std::string& bytes);

    SyscallHost& host_;
    EventLog& events_;
    const uint32_t brk_start_;
    uint32_t brk_;          // the program break the guest sees
    uint32_t brk_mapped_;   // page-aligned end of what is mapped for the heap
    uint32_t mmap_next_;
    std::array<bool, 3> tls_used_{};

    mutable std::mutex mutex_;  // guards what another thread may read
    std::string stdout_, stderr_;
    Counters counters_;
};

}  // namespace vl::emu
