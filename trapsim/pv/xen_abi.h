// The Xen paravirtual interface as a 32-bit PV guest sees it: the hypercall numbers and the
// layouts of the structures it shares with the hypervisor. Numbers and layouts are Xen's own
// (xen/include/public/xen.h, sched.h, event_channel.h, vcpu.h, grant_table.h, io/blkif.h,
// io/ring.h; x86_32 sizes: a long and a pointer are 4 bytes), so a guest written against
// Xen's headers talks to this hypervisor unchanged. trapsim/README.md documents them for
// guest authors.
#pragma once

#include <cstdint>

namespace vl::vm::pv::xen {

// Hypercalls: `int 0x82`, number in EAX, arguments in EBX, ECX, EDX, ESI, EDI, result in EAX
// (xen.h, "x86_32: EAX = vector; EBX, ECX, EDX, ESI, EDI = args 1, 2, 3, 4, 5").
constexpr uint32_t kHypercallVector = 0x82;
enum Hypercall : uint32_t {
    set_trap_table = 0,
    mmu_update = 1,
    set_gdt = 2,
    stack_switch = 3,   // xen.h __HYPERVISOR_stack_switch: (ss, esp) for bounces from ring 3
    set_callbacks = 4,
    multicall = 13,
    mmuext_op = 26,
    xen_version = 17,
    console_io = 18,
    grant_table_op = 20,
    vcpu_op = 24,
    sched_op = 29,
    event_channel_op = 32,
};
const char* hypercallName(uint32_t number);  // "console_io"; nullptr for one this hypervisor lacks

// Error numbers Xen returns, negated (xen/include/public/errno.h).
constexpr int32_t kEperm = -1, kEfault = -14, kEinval = -22, kEnosys = -38;

constexpr uint32_t CONSOLEIO_write = 0;                    // xen.h
constexpr uint32_t SCHEDOP_yield = 0, SCHEDOP_block = 1, SCHEDOP_shutdown = 2;  // sched.h
constexpr uint32_t SHUTDOWN_poweroff = 0, SHUTDOWN_reboot = 1, SHUTDOWN_suspend = 2, SHUTDOWN_crash = 3;
constexpr uint32_t EVTCHNOP_bind_virq = 1, EVTCHNOP_send = 4, EVTCHNOP_alloc_unbound = 6;  // event_channel.h
constexpr uint32_t VIRQ_TIMER = 0;                         // xen.h
constexpr uint32_t VCPUOP_set_periodic_timer = 6, VCPUOP_stop_periodic_timer = 7;  // vcpu.h
constexpr uint32_t XENVER_version = 0;                     // version.h
constexpr uint32_t GNTTABOP_setup_table = 2;               // grant_table.h
constexpr uint16_t GTF_permit_access = 1, GTF_type_mask = 3, GTF_readonly = 1 << 2;
constexpr uint32_t MMU_NORMAL_PT_UPDATE = 0;               // xen.h
// mmuext_op (xen.h): struct mmuext_op {unsigned int cmd; arg1 (mfn or linear_addr); arg2},
// 12 bytes on x86_32; HYPERVISOR_mmuext_op(ops, count, success_count, domid).
constexpr uint32_t kMmuextOpSize = 12;
constexpr uint32_t MMUEXT_PIN_L2_TABLE = 1, MMUEXT_UNPIN_TABLE = 4, MMUEXT_NEW_BASEPTR = 5,
                   MMUEXT_TLB_FLUSH_LOCAL = 6, MMUEXT_INVLPG_LOCAL = 7;
constexpr uint16_t DOMID_SELF = 0x7FF0;

// start_info (xen.h), at the address in ESI when the guest starts.
namespace start_info {
constexpr uint32_t magic = 0, nr_pages = 32, shared_info = 36, flags = 40, store_mfn = 44, store_evtchn = 48,
                   console_mfn = 52, console_evtchn = 56, pt_base = 60, nr_pt_frames = 64, mfn_list = 68,
                   mod_start = 72, mod_len = 76, cmd_line = 80;
constexpr char kMagic[] = "xen-3.0-x86_32";
}  // namespace start_info

// shared_info (xen.h): 32 vcpu_info of 64 bytes, then the event-channel bitmaps.
namespace shared_info {
constexpr uint32_t vcpu_info_size = 64;
constexpr uint32_t evtchn_upcall_pending = 0;  // in vcpu_info[0]
constexpr uint32_t evtchn_upcall_mask = 1;
constexpr uint32_t evtchn_pending_sel = 4;
constexpr uint32_t arch_cr2 = 8;  // vcpu_info.arch.cr2 (arch-x86/xen-x86_32.h, struct arch_vcpu_info)
constexpr uint32_t evtchn_pending = 32 * vcpu_info_size;      // unsigned long[32]: 1024 ports
constexpr uint32_t evtchn_mask = evtchn_pending + 32 * 4;
constexpr uint32_t kPorts = 1024;
}  // namespace shared_info

// trap_info (xen.h, arch-x86/xen.h): {uint8 vector, uint8 flags, uint16 cs, unsigned long
// address}; flags bits 0-1 the DPL for `int n`, bit 2 "mask events in the handler". A list
// ends at an entry with address 0.
constexpr uint32_t kTrapInfoSize = 8;
constexpr uint8_t kTrapInfoMaskEvents = 4;
constexpr uint8_t kTrapInfoDplMask = 3;

// multicall_entry (xen.h): {op, result, args[6]}, unsigned longs.
constexpr uint32_t kMulticallEntrySize = 32;

}  // namespace vl::vm::pv::xen
