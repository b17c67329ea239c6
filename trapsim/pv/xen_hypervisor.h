// The Xen-style hypervisor a paravirtual guest kernel talks to (Barham et al., "Xen and the
// Art of Virtualization", SOSP 2003). The guest runs in ring 1 and knows it: instead of
// privileged instructions it makes hypercalls (`int 0x82`, xen_abi.h), masks events by writing
// evtchn_upcall_mask in the shared-info page (no trap at all), and receives the timer and
// device notifications as event-channel upcalls into the callback it registered.
//
// This class is the hypervisor's side of that contract: the domain's start_info and
// shared-info pages, the hypercall handlers, the trap table (exceptions bounce to the guest's
// handlers), event channels and the periodic timer. The monitor (TrapVmm in pv mode) owns the
// CPU loop and calls in here on `int 0x82`, on timer ticks and before resuming the guest.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "trapsim/guest_idt.h"
#include "trapsim/pv/xen_abi.h"

namespace vl::vm {
class GuestMachine;
struct VirtualCpu;
}  // namespace vl::vm

namespace vl::vm::pv {

// Where the domain builder puts the pages Xen shares with the guest (guest-physical; there
// is no paging to map them elsewhere). trapsim/README.md lists them for guest authors.
namespace pv_layout {
constexpr uint32_t kSharedInfo = 0x00002000;
constexpr uint32_t kStartInfo = 0x00003000;
constexpr uint32_t kGrantTable = 0x00004000;  // the domain's grant-table frame (GNTTABOP_setup_table)
constexpr uint32_t kStore = 0x00005000;       // the store page (start_info.store_mfn), see blkback.h
constexpr uint32_t kGrantEntries = 4096 / 8;  // grant_entry_v1: {u16 flags, u16 domid, u32 frame}
}  // namespace pv_layout

struct HypercallOutcome {
    enum class Kind {
        Return,    // EAX = value; continue after the int 0x82
        Block,     // SCHEDOP_block: events unmasked; sleep until one is pending
        Shutdown,  // SCHEDOP_shutdown with `reason`
    };
    Kind kind = Kind::Return;
    int32_t value = 0;
    uint32_t reason = 0;
    std::string detail;  // "console_io(CONSOLEIO_write, 77 bytes) = 0", for the event log
};

class XenHypervisor {
public:
    static constexpr uint64_t kNever = UINT64_MAX;
    // Called for EVTCHNOP_send on a port whose other end is dom0's (the split-driver backends).
    using Dom0Notify = std::function<void(uint32_t port)>;

    XenHypervisor(GuestMachine& machine, VirtualCpu& vcpu);

    // The domain builder: writes start_info and a zeroed shared-info page with events masked,
    // and sets ESI to start_info as Xen does. Call once the guest image is loaded.
    void buildDomain();

    // The hypercall in EAX with its arguments in EBX..EDI; writes the result to EAX.
    HypercallOutcome hypercall();

    // Events. raise() marks a port pending as Xen's evtchn_set_pending does (pending bit, then
    // the selector and evtchn_upcall_pending unless the port is masked).
    void raise(uint32_t port);
    // An upcall can be made now: something is pending, the guest has not masked events, and
    // it registered a callback.
    bool upcallDeliverable() const;
    // Pushes the bounce frame (EFLAGS, CS, EIP, as for an interrupt in the same ring), masks
    // events and enters the callback. `return_eip` is where the guest continues afterwards.
    Delivery deliverUpcall(uint32_t return_eip);
    // An exception bounced to the handler in the guest's trap table.
    // `software`: an `int n`, which ring 3 may raise only through an entry of DPL 3 (trap_info
    // flags bits 0-1). From ring 3 the frame goes on the stack named with stack_switch.
    Delivery deliverException(uint32_t vector, uint32_t return_eip, std::optional<uint32_t> error_code,
                              bool software = false);
    void unmaskEvents();  // what SCHEDOP_block does before sleeping

    // The periodic timer (VCPUOP_set_periodic_timer), in the monitor's clock (PIT input clocks).
    uint64_t nextTimerTick() const { return next_tick_; }
    // The tick at `now` fired: VIRQ_TIMER goes pending on its port, if the guest bound one.
    void timerTick(uint64_t now);
    void setClock(std::function<uint64_t()> clock) { clock_ = std::move(clock); }

    // Event-channel ports that dom0 (a backend) owns the other end of.
    uint32_t allocateDom0Port(Dom0Notify notify);
    // dom0 binds to a port the guest allocated with EVTCHNOP_alloc_unbound for remote dom0.
    bool bindInterdomain(uint32_t port, Dom0Notify notify);
    // dom0 maps grant `ref` of the guest's grant table: the page address when the entry
    // permits dom0 access (and writing, unless `read_only`), else nullopt.
    std::optional<uint32_t> mapGrant(uint32_t ref, bool read_only);
    // The store channel (start_info.store_evtchn): notifications go to dom0's handler.
    void setStoreHandler(Dom0Notify notify) { store_handler_ = std::move(notify); }
    uint64_t grantMaps() const { return grant_maps_.load(std::memory_order_relaxed); }
    bool timerBound() const { return timer_port_ != 0; }

    std::string console() const;
    uint64_t consoleBytes() const;
    // Hypercalls made, by name (multicall members included), and upcalls delivered.
    std::map<std::string, uint64_t> hypercallCounts() const;
    uint64_t upcalls() const { return upcalls_.load(std::memory_order_relaxed); }
    // Page-table entries written through mmu_update, and hypercalls run as members of a
    // multicall (each one a hypervisor entry saved).
    uint64_t pageTableUpdates() const { return pt_updates_.load(std::memory_order_relaxed); }
    uint64_t batchedCalls() const { return batched_calls_.load(std::memory_order_relaxed); }

    // The guest's address space changed: a new base pointer (MMUEXT_NEW_BASEPTR: paging on,
    // at that page directory), an update of an entry in the live tables, or a TLB flush. The
    // monitor rebuilds what the CPU uses from the guest's tables (shadow_mmu.h); Xen instead
    // lets the CPU walk the validated tables themselves, which Unicorn cannot (it does not
    // translate addresses). The argument is the guest-physical page directory.
    using PagingChanged = std::function<void(uint32_t page_directory)>;
    void setPagingHandler(PagingChanged handler) { paging_changed_ = std::move(handler); }
    uint32_t pageDirectory() const { return base_pointer_; }  // 0 until NEW_BASEPTR
    uint32_t grantFrame() const { return pv_layout::kGrantTable >> 12; }
    bool eventsMasked() const;
    bool upcallPending() const;

private:
    int32_t dispatch(uint32_t op, const uint32_t args[6], HypercallOutcome& outcome, int depth);
    int32_t setTrapTable(uint32_t list);
    int32_t setGdt(uint32_t frame_list, uint32_t entries);
    int32_t multicall(uint32_t list, uint32_t count, HypercallOutcome& outcome, int depth);
    int32_t consoleIo(uint32_t cmd, uint32_t count, uint32_t buffer, std::string& detail);
    int32_t eventChannelOp(uint32_t cmd, uint32_t arg, std::string& detail);
    int32_t vcpuOp(uint32_t cmd, uint32_t vcpu, uint32_t arg, std::string& detail);
    int32_t mmuUpdate(uint32_t requests, uint32_t count, uint32_t done_out, std::string& detail);
    int32_t mmuextOp(uint32_t ops, uint32_t count, uint32_t done_out, std::string& detail);
    bool inLiveTables(uint32_t address) const;
    int32_t grantTableOp(uint32_t cmd, uint32_t arg, uint32_t count, std::string& detail);
    uint8_t sharedByte(uint32_t offset) const;
    void setSharedByte(uint32_t offset, uint8_t value);
    bool testAndSetSharedBit(uint32_t offset, uint32_t bit);
    bool sharedBit(uint32_t offset, uint32_t bit) const;
    Delivery bounce(uint32_t return_eip, std::optional<uint32_t> error_code, uint16_t cs, uint32_t address,
                    bool mask_events, const std::string& what);
    Delivery bounceFromUser(uint32_t return_eip, std::optional<uint32_t> error_code, uint16_t cs, uint32_t address,
                            bool mask_events, const std::string& what);

    GuestMachine& machine_;
    VirtualCpu& vcpu_;
    std::function<uint64_t()> clock_;
    struct TrapEntry {
        uint8_t flags = 0;
        uint16_t cs = 0;
        uint32_t address = 0;
    };
    TrapEntry traps_[256] = {};
    uint16_t kernel_ss_ = 0;     // stack_switch: where bounces from ring 3 put their frame
    uint32_t kernel_sp_ = 0;
    uint16_t callback_cs_ = 0;
    uint32_t callback_eip_ = 0;  // 0: no callback registered
    uint16_t failsafe_cs_ = 0;
    uint32_t failsafe_eip_ = 0;
    uint32_t timer_port_ = 0;
    uint64_t period_clocks_ = 0;
    uint64_t next_tick_ = kNever;
    uint32_t next_port_ = 1;  // port 0 is never allocated (Xen reserves it)
    std::map<uint32_t, Dom0Notify> dom0_ports_;
    std::map<uint32_t, bool> unbound_for_dom0_;  // guest ports waiting for dom0 to bind
    Dom0Notify store_handler_;
    std::atomic<uint64_t> grant_maps_{0};  // read by other threads while the guest runs
    std::map<std::string, uint64_t> counts_;
    std::atomic<uint64_t> upcalls_{0};
    std::atomic<uint64_t> pt_updates_{0};
    std::atomic<uint64_t> batched_calls_{0};
    PagingChanged paging_changed_;
    uint32_t base_pointer_ = 0;  // the page directory of MMUEXT_NEW_BASEPTR
    mutable std::mutex console_mutex_;  // guards what other threads read: console_, counts_
    std::string console_;
    uint64_t console_bytes_ = 0;
};

}  // namespace vl::vm::pv
