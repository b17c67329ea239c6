// dom0's block backend: the driver domain that owns the disk, serving a paravirtual guest's
// blkfront over Xen's split-driver protocol (xen/include/public/io/blkif.h, io/ring.h). The
// guest grants dom0 two pages -- the shared ring and a data page -- announces the ring's
// grant reference and an event channel, and notifies the channel after queuing a request;
// blkback maps the grants, reads the sectors from the disk into the data page, queues the
// response and notifies back. The guest never touches a device register.
//
// Xen's frontends announce ring-ref and event-channel in XenStore (device/vbd/<id>/...).
// This machine has no XenStore daemon; the frontend writes the same three keys -- state,
// ring-ref, event-channel -- as words in a store page (start_info.store_mfn) and notifies
// start_info.store_evtchn, which plays the part of XenStore's watch on them.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace vl::vm {
class GuestMachine;
}

namespace vl::vm::pv {

class XenHypervisor;

namespace blkif {
// io/blkif.h, x86_32 layouts.
constexpr uint8_t BLKIF_OP_READ = 0;
constexpr int16_t BLKIF_RSP_OKAY = 0, BLKIF_RSP_ERROR = -1;
constexpr uint32_t kRequestSize = 108;    // operation, nr_segments, handle, id (u64 at +4), sector (u64 at +12), 11 segments at +20
constexpr uint32_t kSegmentSize = 8;      // gref, first_sect, last_sect
constexpr uint32_t kResponseSize = 12;    // id (u64), operation at +8, status (i16) at +10
constexpr uint32_t kRingHeader = 64;      // req_prod, req_event, rsp_prod, rsp_event, padding (io/ring.h)
constexpr uint32_t kRingEntries = 32;     // the power of two that fits (4096 - 64) / 108
constexpr uint32_t kMaxSegments = 11;
constexpr uint32_t kSectorSize = 512;
}  // namespace blkif

// The store page (VirtLab's stand-in for XenStore's device/vbd/768 directory).
namespace store {
constexpr uint32_t kAddress = 0x00005000;
constexpr uint32_t state = 0, ring_ref = 4, event_channel = 8, sectors = 12;  // words
constexpr uint32_t XenbusStateInitialised = 3, XenbusStateConnected = 4;  // io/xenbus.h
}  // namespace store

class Blkback {
public:
    Blkback(GuestMachine& machine, XenHypervisor& xen, std::vector<uint8_t> disk);

    // The frontend notified the store channel: connect to the ring it announced.
    void onStoreEvent();
    // The frontend notified the ring's channel: serve every request it queued.
    void onRingEvent();

    bool connected() const { return ring_ != 0; }
    uint64_t requests() const { return requests_.load(std::memory_order_relaxed); }
    uint64_t sectorsRead() const { return sectors_read_.load(std::memory_order_relaxed); }
    const std::string& lastError() const { return last_error_; }

private:
    int16_t serve(uint32_t request_address);

    GuestMachine& machine_;
    XenHypervisor& xen_;
    std::vector<uint8_t> disk_;
    uint32_t ring_ = 0;       // the mapped ring page (guest-physical; dom0 maps it through the grant)
    uint32_t port_ = 0;       // the interdomain channel
    uint32_t req_cons_ = 0;   // requests consumed (the backend's private index)
    uint32_t rsp_prod_ = 0;   // responses produced
    std::atomic<uint64_t> requests_{0};  // read by other threads while the guest runs
    std::atomic<uint64_t> sectors_read_{0};  // read by other threads while the guest runs
    std::string last_error_;
};

}  // namespace vl::vm::pv
