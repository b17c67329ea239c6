#include "trapsim/pv/xen_hypervisor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "trapsim/guest_machine.h"
#include "trapsim/virtual_cpu.h"

namespace vl::vm::pv {
namespace {

constexpr uint32_t kIf = 1u << 9, kTf = 1u << 8, kNt = 1u << 14, kRf = 1u << 16, kIopl = 3u << 12;
constexpr uint64_t kPitHz = 1193182;     // the monitor's clock: PIT input clocks (pit_8254.h)
constexpr uint64_t kMinPeriodNs = 1000000;  // Xen refuses periodic timers under 1 ms (common/domain.c)
constexpr uint32_t kMaxConsoleWrite = 16384;
constexpr int32_t kEexist = -17;

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

}  // namespace

const char* xen::hypercallName(uint32_t number) {
    switch (number) {
    case set_trap_table: return "set_trap_table";
    case mmu_update: return "mmu_update";
    case set_gdt: return "set_gdt";
    case stack_switch: return "stack_switch";
    case set_callbacks: return "set_callbacks";
    case multicall: return "multicall";
    case mmuext_op: return "mmuext_op";
    case xen_version: return "xen_version";
    case console_io: return "console_io";
    case grant_table_op: return "grant_table_op";
    case vcpu_op: return "vcpu_op";
    case sched_op: return "sched_op";
    case event_channel_op: return "event_channel_op";
    default: return nullptr;
    }
}

XenHypervisor::XenHypervisor(GuestMachine& machine, VirtualCpu& vcpu) : machine_(machine), vcpu_(vcpu) {}

void XenHypervisor::buildDomain() {
    std::vector<uint8_t> page(4096, 0);
    auto put32 = [&](uint32_t offset, uint32_t value) { std::memcpy(page.data() + offset, &value, 4); };
    std::memcpy(page.data() + xen::start_info::magic, xen::start_info::kMagic, sizeof xen::start_info::kMagic);
    put32(xen::start_info::nr_pages, layout::kRamEnd >> 12);
    put32(xen::start_info::shared_info, pv_layout::kSharedInfo);
    // The store: a page and a channel to dom0, where frontends announce their rings.
    const uint32_t store_port = allocateDom0Port([this](uint32_t port) {
        if (store_handler_) store_handler_(port);
    });
    put32(xen::start_info::store_mfn, pv_layout::kStore >> 12);
    put32(xen::start_info::store_evtchn, store_port);
    machine_.writeGuest(pv_layout::kStartInfo, page.data(), page.size());
    std::vector<uint8_t> zero(4096, 0);
    machine_.writeGuest(pv_layout::kSharedInfo, zero.data(), zero.size());
    machine_.writeGuest(pv_layout::kGrantTable, zero.data(), zero.size());
    machine_.writeGuest(pv_layout::kStore, zero.data(), zero.size());
    // A PV guest starts with event delivery masked, as a native kernel starts with IF=0.
    setSharedByte(xen::shared_info::evtchn_upcall_mask, 1);
    machine_.setReg(UC_X86_REG_ESI, pv_layout::kStartInfo);
}

// ---- hypercalls -----------------------------------------------------------------------------

HypercallOutcome XenHypervisor::hypercall() {
    const uint32_t op = machine_.reg(UC_X86_REG_EAX);
    const uint32_t args[6] = {machine_.reg(UC_X86_REG_EBX), machine_.reg(UC_X86_REG_ECX),
                              machine_.reg(UC_X86_REG_EDX), machine_.reg(UC_X86_REG_ESI),
                              machine_.reg(UC_X86_REG_EDI), 0};
    HypercallOutcome outcome;
    outcome.value = dispatch(op, args, outcome, 0);
    machine_.setReg(UC_X86_REG_EAX, static_cast<uint32_t>(outcome.value));
    return outcome;
}

int32_t XenHypervisor::dispatch(uint32_t op, const uint32_t a[6], HypercallOutcome& outcome, int depth) {
    const char* name = xen::hypercallName(op);
    {
        std::lock_guard lock(console_mutex_);
        ++counts_[name ? name : "unknown"];
    }
    std::string detail;
    int32_t result = 0;
    switch (op) {
    case xen::set_trap_table: result = setTrapTable(a[0]); break;
    case xen::mmu_update: result = mmuUpdate(a[0], a[1], a[2], detail); break;
    case xen::mmuext_op: result = mmuextOp(a[0], a[1], a[2], detail); break;
    case xen::set_gdt:
        result = setGdt(a[0], a[1]);
        detail = std::to_string(a[1]) + " entries";
        break;
    case xen::stack_switch:  // Linux's xen_load_sp0 at every context switch
        kernel_ss_ = static_cast<uint16_t>(a[0]);
        kernel_sp_ = a[1];
        detail = "ss " + hex(a[0]) + ", esp " + hex(a[1]);
        break;
    case xen::set_callbacks:
        callback_cs_ = static_cast<uint16_t>(a[0]);
        callback_eip_ = a[1];
        failsafe_cs_ = static_cast<uint16_t>(a[2]);
        failsafe_eip_ = a[3];
        detail = "event " + hex(a[0]) + ":" + hex(a[1]) + ", failsafe " + hex(a[2]) + ":" + hex(a[3]);
        break;
    case xen::multicall:
        if (depth > 0) {
            result = xen::kEinval;  // Xen does not nest multicalls
            break;
        }
        result = multicall(a[0], a[1], outcome, depth);
        detail = std::to_string(a[1]) + " calls";
        break;
    case xen::xen_version:
        result = a[0] == xen::XENVER_version ? (3 << 16) : xen::kEnosys;  // the 3.0 interface
        detail = a[0] == xen::XENVER_version ? "XENVER_version" : "cmd " + std::to_string(a[0]);
        break;
    case xen::console_io: result = consoleIo(a[0], a[1], a[2], detail); break;
    case xen::grant_table_op: result = grantTableOp(a[0], a[1], a[2], detail); break;
    case xen::vcpu_op: result = vcpuOp(a[0], a[1], a[2], detail); break;
    case xen::sched_op:
        if (a[0] == xen::SCHEDOP_yield) {
            detail = "SCHEDOP_yield";
        } else if (a[0] == xen::SCHEDOP_block && depth == 0) {
            outcome.kind = HypercallOutcome::Kind::Block;
            detail = "SCHEDOP_block";
        } else if (a[0] == xen::SCHEDOP_shutdown && depth == 0) {
            uint32_t reason = 0;
            if (!machine_.readGuest(a[1], &reason, 4)) {
                result = xen::kEfault;
                break;
            }
            outcome.kind = HypercallOutcome::Kind::Shutdown;
            outcome.reason = reason;
            static const char* const kReasons[] = {"poweroff", "reboot", "suspend", "crash"};
            detail = std::string("SCHEDOP_shutdown, SHUTDOWN_") + (reason < 4 ? kReasons[reason] : std::to_string(reason).c_str());
        } else {
            result = xen::kEinval;
            detail = "cmd " + std::to_string(a[0]);
        }
        break;
    case xen::event_channel_op: result = eventChannelOp(a[0], a[1], detail); break;
    default:
        result = xen::kEnosys;
        detail = "hypercall " + std::to_string(op) + " is not implemented";
        break;
    }
    std::string line = std::string(name ? name : "unknown") + "(" + detail + ") = " + std::to_string(result);
    if (!outcome.detail.empty()) line += "; " + outcome.detail;  // a multicall's members follow it
    outcome.detail = std::move(line);
    return result;
}

int32_t XenHypervisor::setTrapTable(uint32_t list) {
    for (auto& t : traps_) t = TrapEntry{};
    if (list == 0) return 0;  // a null list clears the table
    for (uint32_t i = 0; i < 256; ++i) {
        uint8_t entry[xen::kTrapInfoSize];
        if (!machine_.readGuest(list + i * xen::kTrapInfoSize, entry, sizeof entry)) return xen::kEfault;
        uint32_t address;
        uint16_t cs;
        std::memcpy(&cs, entry + 2, 2);
        std::memcpy(&address, entry + 4, 4);
        if (address == 0) return 0;
        traps_[entry[0]] = TrapEntry{entry[1], cs, address};
    }
    return 0;
}

// Xen checks each descriptor and installs it; a kernel-ring (DPL 0) segment is demoted to
// ring 1, which is the guest's ring (GuestMachine::installGuestGdt does that compression).
int32_t XenHypervisor::setGdt(uint32_t frame_list, uint32_t entries) {
    if (entries == 0 || entries > static_cast<uint32_t>(layout::kGuestGdtEntries)) return xen::kEinval;
    uint32_t frame = 0;
    if (!machine_.readGuest(frame_list, &frame, 4)) return xen::kEfault;
    std::vector<uint64_t> descriptors(entries);
    if (!machine_.readGuest(frame << 12, descriptors.data(), entries * 8)) return xen::kEfault;
    if (!machine_.installGuestGdt(descriptors)) return xen::kEinval;
    vcpu_.gdtr = DescriptorTableRegister{frame << 12, static_cast<uint16_t>(entries * 8 - 1), true};
    return 0;
}

int32_t XenHypervisor::multicall(uint32_t list, uint32_t count, HypercallOutcome& outcome, int depth) {
    std::string members;
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t entry[8];
        const uint32_t at = list + i * xen::kMulticallEntrySize;
        if (!machine_.readGuest(at, entry, sizeof entry)) return xen::kEfault;
        HypercallOutcome member;
        batched_calls_.fetch_add(1, std::memory_order_relaxed);
        const int32_t result = dispatch(entry[0], entry + 2, member, depth + 1);
        machine_.writeGuest(at + 4, &result, 4);  // multicall_entry.result
        members += (members.empty() ? "" : "; ") + member.detail;
    }
    outcome.detail = members;
    return 0;
}

int32_t XenHypervisor::consoleIo(uint32_t cmd, uint32_t count, uint32_t buffer, std::string& detail) {
    if (cmd != xen::CONSOLEIO_write) {
        detail = "cmd " + std::to_string(cmd);
        return xen::kEnosys;
    }
    detail = "CONSOLEIO_write, " + std::to_string(count) + " bytes";
    if (count > kMaxConsoleWrite) return xen::kEinval;
    std::string text(count, '\0');
    if (count && !machine_.readGuest(buffer, text.data(), count)) return xen::kEfault;
    std::lock_guard lock(console_mutex_);
    console_bytes_ += count;
    if (console_.size() < (1u << 20)) console_ += text;
    return 0;
}

int32_t XenHypervisor::eventChannelOp(uint32_t cmd, uint32_t arg, std::string& detail) {
    switch (cmd) {
    case xen::EVTCHNOP_bind_virq: {
        uint32_t bind[3];  // virq, vcpu, port (out)
        if (!machine_.readGuest(arg, bind, sizeof bind)) return xen::kEfault;
        detail = "EVTCHNOP_bind_virq, virq " + std::to_string(bind[0]);
        if (bind[0] != xen::VIRQ_TIMER || bind[1] != 0) return xen::kEinval;  // only the timer, on vcpu 0
        if (timer_port_) return kEexist;
        timer_port_ = next_port_++;
        machine_.writeGuest(arg + 8, &timer_port_, 4);
        detail = "EVTCHNOP_bind_virq, VIRQ_TIMER -> port " + std::to_string(timer_port_);
        return 0;
    }
    case xen::EVTCHNOP_send: {
        uint32_t port = 0;
        if (!machine_.readGuest(arg, &port, 4)) return xen::kEfault;
        detail = "EVTCHNOP_send, port " + std::to_string(port);
        const auto it = dom0_ports_.find(port);
        if (it == dom0_ports_.end()) return xen::kEinval;
        it->second(port);
        return 0;
    }
    case xen::EVTCHNOP_alloc_unbound: {
        uint16_t doms[2];  // dom, remote_dom; then the port (out) at +4
        if (!machine_.readGuest(arg, doms, sizeof doms)) return xen::kEfault;
        detail = "EVTCHNOP_alloc_unbound, remote dom " + std::to_string(doms[1]);
        if (doms[0] != xen::DOMID_SELF || doms[1] != 0) return xen::kEinval;  // only dom0 serves backends
        const uint32_t port = next_port_++;
        unbound_for_dom0_[port] = true;
        machine_.writeGuest(arg + 4, &port, 4);
        detail += " -> port " + std::to_string(port);
        return 0;
    }
    default: detail = "cmd " + std::to_string(cmd); return xen::kEnosys;
    }
}

bool XenHypervisor::bindInterdomain(uint32_t port, Dom0Notify notify) {
    if (!unbound_for_dom0_.erase(port)) return false;
    dom0_ports_[port] = std::move(notify);
    return true;
}

std::optional<uint32_t> XenHypervisor::mapGrant(uint32_t ref, bool read_only) {
    if (ref >= pv_layout::kGrantEntries) return std::nullopt;
    uint8_t entry[8];
    if (!machine_.readGuest(pv_layout::kGrantTable + ref * 8, entry, sizeof entry)) return std::nullopt;
    uint16_t flags, domid;
    uint32_t frame;
    std::memcpy(&flags, entry, 2);
    std::memcpy(&domid, entry + 2, 2);
    std::memcpy(&frame, entry + 4, 4);
    if ((flags & xen::GTF_type_mask) != xen::GTF_permit_access || domid != 0) return std::nullopt;
    if (!read_only && (flags & xen::GTF_readonly)) return std::nullopt;
    if (frame == 0 || frame >= (layout::kRamEnd >> 12)) return std::nullopt;  // the guest can only grant its own memory
    grant_maps_.fetch_add(1, std::memory_order_relaxed);
    return frame << 12;
}

int32_t XenHypervisor::vcpuOp(uint32_t cmd, uint32_t vcpu, uint32_t arg, std::string& detail) {
    if (vcpu != 0) return xen::kEinval;
    switch (cmd) {
    case xen::VCPUOP_set_periodic_timer: {
        uint64_t period_ns = 0;
        if (!machine_.readGuest(arg, &period_ns, 8)) return xen::kEfault;
        detail = "VCPUOP_set_periodic_timer, " + std::to_string(period_ns) + " ns";
        if (period_ns < kMinPeriodNs) return xen::kEinval;
        period_clocks_ = static_cast<uint64_t>(std::llround(static_cast<double>(period_ns) * kPitHz / 1e9));
        next_tick_ = (clock_ ? clock_() : 0) + period_clocks_;
        return 0;
    }
    case xen::VCPUOP_stop_periodic_timer:
        detail = "VCPUOP_stop_periodic_timer";
        next_tick_ = kNever;
        return 0;
    default: detail = "cmd " + std::to_string(cmd); return xen::kEnosys;
    }
}

// Xen's check: a present entry may only name a frame the domain owns. `ptr` is the entry's
// machine (here guest-physical) address. An update of the tables in use changes the address
// space at once, as on Xen; the monitor then rebuilds its view of them.
int32_t XenHypervisor::mmuUpdate(uint32_t requests, uint32_t count, uint32_t done_out, std::string& detail) {
    detail = std::to_string(count) + " updates";
    uint32_t done = 0;
    bool live = false;
    int32_t result = 0;
    for (; done < count; ++done) {
        uint64_t request[2];
        if (!machine_.readGuest(requests + done * 16, request, sizeof request)) {
            result = xen::kEfault;
            break;
        }
        if ((request[0] & 3) != xen::MMU_NORMAL_PT_UPDATE) {
            result = xen::kEinval;
            break;
        }
        const uint32_t ptr = static_cast<uint32_t>(request[0] & ~uint64_t{3});
        const uint32_t value = static_cast<uint32_t>(request[1]);
        if ((value & 1) && ((value >> 12) == 0 || (value >> 12) >= (layout::kRamEnd >> 12))) {
            result = xen::kEperm;
            break;
        }
        if (!machine_.writePhysical(ptr, &value, 4)) {
            result = xen::kEfault;
            break;
        }
        pt_updates_.fetch_add(1, std::memory_order_relaxed);
        live = live || inLiveTables(ptr);
    }
    if (done_out) machine_.writeGuest(done_out, &done, 4);
    if (live && paging_changed_) paging_changed_(base_pointer_);
    return result;
}

bool XenHypervisor::inLiveTables(uint32_t address) const {
    if (base_pointer_ == 0) return false;
    const uint32_t frame = address & 0xFFFFF000;
    if (frame == base_pointer_) return true;
    uint32_t directory[1024];
    if (!machine_.readPhysical(base_pointer_, directory, sizeof directory)) return false;
    for (uint32_t pde : directory)
        if ((pde & 1) && (pde & 0xFFFFF000) == frame) return true;
    return false;
}

// MMUEXT_NEW_BASEPTR loads a page directory (Xen's PV guests always run paged; here the first
// one turns paging on); the TLB flushes and INVLPG_LOCAL make the monitor re-read the tables.
// Pinning is accepted as a no-op: this hypervisor validates entries when it reads them.
int32_t XenHypervisor::mmuextOp(uint32_t ops, uint32_t count, uint32_t done_out, std::string& detail) {
    uint32_t done = 0;
    int32_t result = 0;
    bool changed = false;
    for (; done < count; ++done) {
        uint32_t op[3];  // cmd, arg1, arg2
        if (!machine_.readGuest(ops + done * xen::kMmuextOpSize, op, sizeof op)) {
            result = xen::kEfault;
            break;
        }
        if (!detail.empty()) detail += ", ";
        switch (op[0]) {
        case xen::MMUEXT_NEW_BASEPTR: {
            const uint32_t directory = op[1] << 12;  // arg1.mfn
            if (op[1] == 0 || directory >= layout::kRamEnd) {
                result = xen::kEperm;
                break;
            }
            base_pointer_ = directory;
            changed = true;
            detail += "MMUEXT_NEW_BASEPTR " + hex(directory);
            break;
        }
        case xen::MMUEXT_TLB_FLUSH_LOCAL:
            changed = true;
            detail += "MMUEXT_TLB_FLUSH_LOCAL";
            break;
        case xen::MMUEXT_INVLPG_LOCAL:
            changed = true;
            detail += "MMUEXT_INVLPG_LOCAL " + hex(op[1]);
            break;
        case xen::MMUEXT_PIN_L2_TABLE:
        case xen::MMUEXT_UNPIN_TABLE: detail += op[0] == xen::MMUEXT_PIN_L2_TABLE ? "MMUEXT_PIN_L2_TABLE" : "MMUEXT_UNPIN_TABLE"; break;
        default:
            detail += "cmd " + std::to_string(op[0]);
            result = xen::kEnosys;
            break;
        }
        if (result != 0) break;
    }
    if (done_out) machine_.writeGuest(done_out, &done, 4);
    if (changed && base_pointer_ && paging_changed_) paging_changed_(base_pointer_);
    return result;
}

int32_t XenHypervisor::grantTableOp(uint32_t cmd, uint32_t arg, uint32_t count, std::string& detail) {
    if (cmd != xen::GNTTABOP_setup_table || count != 1) {
        detail = "cmd " + std::to_string(cmd);
        return xen::kEnosys;
    }
    detail = "GNTTABOP_setup_table";
    uint8_t setup[16];  // domid_t dom; uint32 nr_frames; int16 status; frame_list handle
    if (!machine_.readGuest(arg, setup, sizeof setup)) return xen::kEfault;
    uint16_t dom;
    uint32_t nr_frames, frame_list;
    std::memcpy(&dom, setup, 2);
    std::memcpy(&nr_frames, setup + 4, 4);
    std::memcpy(&frame_list, setup + 12, 4);
    int16_t status = 0;
    if (dom != xen::DOMID_SELF || nr_frames != 1) status = -1;  // GNTST_general_error
    else if (const uint32_t frame = grantFrame(); !machine_.writeGuest(frame_list, &frame, 4)) return xen::kEfault;
    machine_.writeGuest(arg + 8, &status, 2);
    detail += ", frame " + hex(grantFrame());
    return 0;
}

// ---- events -----------------------------------------------------------------------------------

uint8_t XenHypervisor::sharedByte(uint32_t offset) const {
    uint8_t v = 0;
    machine_.readGuest(pv_layout::kSharedInfo + offset, &v, 1);
    return v;
}

void XenHypervisor::setSharedByte(uint32_t offset, uint8_t value) {
    machine_.writeGuest(pv_layout::kSharedInfo + offset, &value, 1);
}

bool XenHypervisor::sharedBit(uint32_t offset, uint32_t bit) const {
    return (sharedByte(offset + bit / 8) >> (bit % 8)) & 1;
}

bool XenHypervisor::testAndSetSharedBit(uint32_t offset, uint32_t bit) {
    const uint8_t byte = sharedByte(offset + bit / 8);
    const uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
    setSharedByte(offset + bit / 8, static_cast<uint8_t>(byte | mask));
    return byte & mask;
}

void XenHypervisor::raise(uint32_t port) {
    if (port == 0 || port >= xen::shared_info::kPorts) return;
    if (testAndSetSharedBit(xen::shared_info::evtchn_pending, port)) return;
    if (!sharedBit(xen::shared_info::evtchn_mask, port) &&
        !testAndSetSharedBit(xen::shared_info::evtchn_pending_sel, port / 32))
        setSharedByte(xen::shared_info::evtchn_upcall_pending, 1);
}

bool XenHypervisor::eventsMasked() const { return sharedByte(xen::shared_info::evtchn_upcall_mask) != 0; }
bool XenHypervisor::upcallPending() const { return sharedByte(xen::shared_info::evtchn_upcall_pending) != 0; }

bool XenHypervisor::upcallDeliverable() const { return callback_eip_ != 0 && upcallPending() && !eventsMasked(); }

void XenHypervisor::unmaskEvents() { setSharedByte(xen::shared_info::evtchn_upcall_mask, 0); }

void XenHypervisor::timerTick(uint64_t now) {
    next_tick_ = period_clocks_ ? std::max(next_tick_ + period_clocks_, now + 1) : kNever;
    if (timer_port_) raise(timer_port_);
}

uint32_t XenHypervisor::allocateDom0Port(Dom0Notify notify) {
    const uint32_t port = next_port_++;
    dom0_ports_[port] = std::move(notify);
    return port;
}

Delivery XenHypervisor::deliverUpcall(uint32_t return_eip) {
    Delivery d = bounce(return_eip, std::nullopt, callback_cs_, callback_eip_, true, "event upcall");
    if (d.result == Delivery::Result::Delivered) upcalls_.store(upcalls_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return d;
}

Delivery XenHypervisor::deliverException(uint32_t vector, uint32_t return_eip, std::optional<uint32_t> error_code,
                                          bool software) {
    const TrapEntry& t = traps_[vector & 0xFF];
    if (t.address == 0)
        return {Delivery::Result::NoGate, "no handler for vector " + hex(vector) + " in the guest's trap table"};
    if (software && machine_.realCpl() == 3 && (t.flags & xen::kTrapInfoDplMask) < 3)
        return {Delivery::Result::GateDpl, "int " + hex(vector) + " from ring 3, whose trap_info has DPL " +
                                               std::to_string(t.flags & xen::kTrapInfoDplMask)};
    if (vector == 14) {  // Xen reports the faulting address in the shared page, not in CR2
        const uint32_t cr2 = vcpu_.cr2;
        machine_.writePhysical(pv_layout::kSharedInfo + xen::shared_info::arch_cr2, &cr2, 4);
    }
    return bounce(return_eip, error_code, t.cs, t.address, t.flags & xen::kTrapInfoMaskEvents,
                  "vector " + hex(vector));
}

// Xen's create_bounce_frame for a guest interrupted in its own ring (1): push EFLAGS (IF
// shows whether events were unmasked), CS (with the saved upcall mask in bits 16-23, which
// `iret` ignores) and EIP, then enter the handler.
Delivery XenHypervisor::bounce(uint32_t return_eip, std::optional<uint32_t> error_code, uint16_t cs, uint32_t address,
                               bool mask_events, const std::string& what) {
    if ((cs & 0xFFFC) == 0) return {Delivery::Result::BadSelector, what + ": the guest gave a null code selector"};
    if (machine_.realCpl() == 3) return bounceFromUser(return_eip, error_code, cs, address, mask_events, what);
    const uint8_t mask = sharedByte(xen::shared_info::evtchn_upcall_mask);
    const uint32_t real_eflags = machine_.reg(UC_X86_REG_EFLAGS);
    uint32_t frame[4] = {};
    int words = 0;
    if (error_code) frame[words++] = *error_code;
    frame[words++] = return_eip;
    frame[words++] = (machine_.reg(UC_X86_REG_CS) & 0xFFFF) | (static_cast<uint32_t>(mask) << 16);
    frame[words++] = (real_eflags & ~(kIf | kIopl)) | (mask ? 0 : kIf);
    const uint32_t esp = machine_.reg(UC_X86_REG_ESP) - 4u * static_cast<uint32_t>(words);
    if (!machine_.writeGuest(esp, frame, 4u * static_cast<uint32_t>(words)))
        return {Delivery::Result::StackFault, what + ": the frame does not fit on the stack at " + hex(esp)};
    const uint16_t handler_cs = static_cast<uint16_t>((cs & ~3u) | layout::kGuestRing);
    if (uc_reg_write(machine_.uc(), UC_X86_REG_CS, &handler_cs) != UC_ERR_OK)
        return {Delivery::Result::BadSelector, what + ": selector " + hex(cs) + " is no code segment"};
    machine_.setReg(UC_X86_REG_ESP, esp);
    machine_.setReg(UC_X86_REG_EFLAGS, real_eflags & ~(kTf | kNt | kRf));
    machine_.setReg(UC_X86_REG_EIP, address);
    if (mask_events) setSharedByte(xen::shared_info::evtchn_upcall_mask, 1);
    vcpu_.interrupt_shadow = false;
    return {Delivery::Result::Delivered, what + " -> " + hex(cs) + ":" + hex(address) + ", frame at " + hex(esp)};
}

// The same from a user task at ring 3 (create_bounce_frame's ring-3 case): the frame goes on
// the kernel stack the guest named with stack_switch, with the user's SS and ESP above it.
Delivery XenHypervisor::bounceFromUser(uint32_t return_eip, std::optional<uint32_t> error_code, uint16_t cs,
                                       uint32_t address, bool mask_events, const std::string& what) {
    if (kernel_sp_ == 0)
        return {Delivery::Result::StackFault, what + " from ring 3: the guest named no kernel stack (stack_switch)"};
    const uint8_t mask = sharedByte(xen::shared_info::evtchn_upcall_mask);
    const uint32_t user_eflags = machine_.reg(UC_X86_REG_EFLAGS);
    uint32_t frame[6] = {};
    int words = 0;
    if (error_code) frame[words++] = *error_code;
    frame[words++] = return_eip;
    frame[words++] = (machine_.reg(UC_X86_REG_CS) & 0xFFFF) | (static_cast<uint32_t>(mask) << 16);
    frame[words++] = (user_eflags & ~(kIf | kIopl)) | (mask ? 0 : kIf);
    frame[words++] = machine_.reg(UC_X86_REG_ESP);
    frame[words++] = machine_.reg(UC_X86_REG_SS) & 0xFFFF;
    const uint32_t esp = kernel_sp_ - 4u * static_cast<uint32_t>(words);
    if (!machine_.writeGuest(esp, frame, 4u * static_cast<uint32_t>(words)))
        return {Delivery::Result::StackFault, what + " from ring 3: the frame does not fit on the kernel stack at " +
                                                  hex(kernel_sp_)};
    const auto handler_cs = static_cast<uint16_t>((cs & ~3u) | layout::kGuestRing);
    const auto ss = static_cast<uint16_t>((kernel_ss_ & ~3u) | layout::kGuestRing);
    if (!machine_.enterKernel(handler_cs, address, ss, esp, (user_eflags & ~(kTf | kNt | kRf | kIopl)) | kIf))
        return {Delivery::Result::BadSelector, what + " from ring 3: selectors " + hex(cs) + " / " + hex(kernel_ss_) +
                                                   " (stack_switch) are unusable"};
    if (mask_events) setSharedByte(xen::shared_info::evtchn_upcall_mask, 1);
    vcpu_.interrupt_shadow = false;
    return {Delivery::Result::Delivered, what + " from ring 3 -> " + hex(cs) + ":" + hex(address) + ", kernel stack " +
                                             hex(kernel_sp_) + ", frame at " + hex(esp)};
}

std::map<std::string, uint64_t> XenHypervisor::hypercallCounts() const {
    std::lock_guard lock(console_mutex_);
    return counts_;
}

std::string XenHypervisor::console() const {
    std::lock_guard lock(console_mutex_);
    return console_;
}

uint64_t XenHypervisor::consoleBytes() const {
    std::lock_guard lock(console_mutex_);
    return console_bytes_;
}

}  // namespace vl::vm::pv
