#include "app/gui/pv_inspection.h"

#include <cstring>

#include "trapsim/pv/blkback.h"
#include "trapsim/pv/xen_abi.h"
#include "trapsim/pv/xen_hypervisor.h"

namespace vl::gui {

namespace {

namespace xen = vm::pv::xen;
namespace blkif = vm::pv::blkif;
namespace store = vm::pv::store;

// Little-endian fields out of a page read from the guest (zero past what could be read).
template <typename T>
T field(const std::vector<uint8_t>& bytes, size_t offset) {
    T value{};
    if (offset + sizeof(T) <= bytes.size()) std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

std::vector<uint32_t> setBits(const std::vector<uint8_t>& page, uint32_t offset) {
    std::vector<uint32_t> ports;
    for (uint32_t word = 0; word < xen::shared_info::kPorts / 32; ++word) {
        const auto bits = field<uint32_t>(page, offset + word * 4);
        for (uint32_t b = 0; b < 32; ++b)
            if (bits & (1u << b)) ports.push_back(word * 32 + b);
    }
    return ports;
}

}  // namespace

PvInspection inspectPvGuest(const vm::TrapVmm& vmm) {
    PvInspection out;
    out.valid = true;
    const std::vector<uint8_t> shared = vmm.readMemory(vm::pv::pv_layout::kSharedInfo, 4096);
    out.upcall_pending = field<uint8_t>(shared, xen::shared_info::evtchn_upcall_pending);
    out.upcall_mask = field<uint8_t>(shared, xen::shared_info::evtchn_upcall_mask);
    out.pending_sel = field<uint32_t>(shared, xen::shared_info::evtchn_pending_sel);
    out.pending_ports = setBits(shared, xen::shared_info::evtchn_pending);
    out.masked_ports = setBits(shared, xen::shared_info::evtchn_mask);

    const std::vector<uint8_t> start = vmm.readMemory(vm::pv::pv_layout::kStartInfo, 64);
    out.store_port = field<uint32_t>(start, xen::start_info::store_evtchn);

    // The store page (blkback.h): state, ring-ref, event-channel, as the frontend wrote them.
    const std::vector<uint8_t> keys = vmm.readMemory(store::kAddress, 16);
    const auto state = field<uint32_t>(keys, store::state);
    out.ring_announced = state >= store::XenbusStateInitialised;
    out.ring_connected = state == store::XenbusStateConnected;
    if (!out.ring_announced) return out;
    out.ring_ref = field<uint32_t>(keys, store::ring_ref);
    out.ring_port = field<uint32_t>(keys, store::event_channel);
    if (out.ring_ref >= vm::pv::pv_layout::kGrantEntries) return out;
    // grant_entry_v1 {u16 flags, u16 domid, u32 frame}: the page the guest granted.
    const std::vector<uint8_t> grant = vmm.readMemory(vm::pv::pv_layout::kGrantTable + out.ring_ref * 8, 8);
    const auto frame = field<uint32_t>(grant, 4);
    if (frame == 0) return out;
    out.ring_address = frame << 12;
    const std::vector<uint8_t> ring = vmm.readMemory(out.ring_address, 4096);
    // io/ring.h's shared header: req_prod, req_event, rsp_prod, rsp_event.
    out.req_prod = field<uint32_t>(ring, 0);
    out.req_event = field<uint32_t>(ring, 4);
    out.rsp_prod = field<uint32_t>(ring, 8);
    out.rsp_event = field<uint32_t>(ring, 12);
    // Responses are written in order into the slot of the request they answer, so slot i mod 32
    // holds request i while i >= rsp_prod, and its response after.
    const uint32_t first = out.req_prod > blkif::kRingEntries ? out.req_prod - blkif::kRingEntries : 0;
    for (uint32_t i = first; i != out.req_prod; ++i) {
        const size_t at = blkif::kRingHeader + (i % blkif::kRingEntries) * blkif::kRequestSize;
        BlkifSlot slot;
        slot.index = i;
        slot.response = i - first < out.rsp_prod - first;  // i < rsp_prod, in free-running arithmetic
        if (slot.response) {
            slot.id = field<uint64_t>(ring, at);
            slot.operation = field<uint8_t>(ring, at + 8);
            slot.status = field<int16_t>(ring, at + 10);
        } else {
            slot.operation = field<uint8_t>(ring, at);
            slot.segments = field<uint8_t>(ring, at + 1);
            slot.id = field<uint64_t>(ring, at + 4);
            slot.sector = field<uint64_t>(ring, at + 12);
        }
        out.ring_slots.push_back(slot);
    }
    return out;
}

void PvInspectionChannel::publish(PvInspection inspection) {
    std::lock_guard lock(mutex_);
    latest_ = std::move(inspection);
}

PvInspection PvInspectionChannel::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

InspectedPvVmm::InspectedPvVmm(vm::TrapVmmConfig config, std::shared_ptr<PvInspectionChannel> channel)
    : vm::TrapVmm(std::move(config)), channel_(std::move(channel)) {
    channel_->publish(inspectPvGuest(*this));
}

RunState InspectedPvVmm::run(uint64_t budget) {
    const RunState state = vm::TrapVmm::run(budget);
    channel_->publish(inspectPvGuest(*this));
    return state;
}

void InspectedPvVmm::reset() {
    vm::TrapVmm::reset();
    channel_->publish(inspectPvGuest(*this));
}

}  // namespace vl::gui
