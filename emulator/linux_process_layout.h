// Where a Linux i386 process's pieces live in the guest address space, shared by every engine
// that runs one (Unicorn x86 now, the translator later) so their runs are comparable address
// for address. The numbers follow the classic 3 GiB/1 GiB i386 split.
#pragma once

#include <cstdint>

namespace vl::emu {

inline constexpr uint32_t kStackTop = 0xC0000000;          // first byte above the user stack
inline constexpr uint32_t kStackSize = 8u << 20;           // the usual `ulimit -s` of 8 MiB
inline constexpr uint32_t kMmapBase = 0x40000000;          // anonymous mmap2 grows up from here
inline constexpr uint32_t kMmapLimit = kStackTop - kStackSize - (16u << 20);
inline constexpr uint32_t kBrkMaxGrowth = 256u << 20;      // a heap larger than this is refused
// The emulator's private page for the GDT that set_thread_area fills (glibc's TLS lives at
// %gs). Linux keeps its GDT above 3 GiB too, out of the way of user mappings.
inline constexpr uint32_t kGdtAddress = 0xC0100000;
inline constexpr uint32_t kFirstTlsEntry = 6;              // GDT_ENTRY_TLS_MIN on i386 Linux
inline constexpr uint32_t kTlsEntries = 3;
inline constexpr uint32_t kFlatCodeEntry = 12;             // Linux's __KERNEL_CS slot (selector 0x60)
inline constexpr uint32_t kFlatDataEntry = 13;             // Linux's __KERNEL_DS slot (selector 0x68)
inline constexpr uint32_t kGdtEntries = 14;
// What getpid() and friends answer: fixed, so runs are reproducible and comparable.
inline constexpr uint32_t kGuestPid = 1000;
inline constexpr uint32_t kGuestUid = 1000;

}  // namespace vl::emu
