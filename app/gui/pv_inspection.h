// What the Paravirtual pane shows of the memory a Xen-style guest shares with its hypervisor
// and dom0: the shared-info page (vcpu_info[0]'s upcall flags, the event-channel pending and
// mask bitmaps) and the blkfront/blkback ring (its four indices and the requests and
// responses in its slots). Read with TrapVmm::readMemory on the engine's worker thread at the
// end of every run() -- never while the guest runs -- and handed to the GUI thread through a
// PvInspectionChannel, as the translator's listing is (dbt_inspection.h).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "trapsim/trap_vmm.h"

namespace vl::gui {

// One slot of the ring (xen/include/public/io/blkif.h, x86_32): a request the frontend queued
// and the backend has not answered yet, or the response that replaced it.
struct BlkifSlot {
    uint32_t index = 0;       // the free-running ring index; the slot is index mod 32
    bool response = false;
    uint8_t operation = 0;    // BLKIF_OP_READ = 0
    uint8_t segments = 0;     // request: nr_segments
    uint64_t id = 0;          // the frontend's tag, echoed in the response
    uint64_t sector = 0;      // request: sector_number
    int16_t status = 0;       // response: BLKIF_RSP_OKAY 0, BLKIF_RSP_ERROR -1
};

struct PvInspection {
    bool valid = false;  // false before the first run
    // shared_info (xen.h): vcpu_info[0] and the event-channel bitmaps.
    uint8_t upcall_pending = 0;
    uint8_t upcall_mask = 0;
    uint32_t pending_sel = 0;
    uint32_t store_port = 0;  // start_info.store_evtchn: the frontend's channel to dom0's "XenStore"
    std::vector<uint32_t> pending_ports;
    std::vector<uint32_t> masked_ports;
    // The ring, found the way blkback finds it: ring-ref in the store page, then the grant.
    bool ring_announced = false;  // the frontend wrote ring-ref and event-channel
    bool ring_connected = false;  // blkback answered: the store page says Connected
    uint32_t ring_ref = 0, ring_port = 0, ring_address = 0;
    uint32_t req_prod = 0, req_event = 0, rsp_prod = 0, rsp_event = 0;
    std::vector<BlkifSlot> ring_slots;  // the last 32 indices used, oldest first
};

// Reads the pages of a pv guest as they are now (the guest not running).
PvInspection inspectPvGuest(const vm::TrapVmm& vmm);

class PvInspectionChannel {
public:
    void publish(PvInspection inspection);
    PvInspection latest() const;

private:
    mutable std::mutex mutex_;
    PvInspection latest_;
};

// TrapVmm in pv mode, publishing the shared pages after every run() and reset().
class InspectedPvVmm : public vm::TrapVmm {
public:
    InspectedPvVmm(vm::TrapVmmConfig config, std::shared_ptr<PvInspectionChannel> channel);

    RunState run(uint64_t budget = 0) override;
    void reset() override;

private:
    std::shared_ptr<PvInspectionChannel> channel_;
};

}  // namespace vl::gui
