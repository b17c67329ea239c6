#include "trapsim/pv/blkback.h"

#include <cstring>

#include "trapsim/guest_machine.h"
#include "trapsim/pv/xen_hypervisor.h"

namespace vl::vm::pv {

Blkback::Blkback(GuestMachine& machine, XenHypervisor& xen, std::vector<uint8_t> disk)
    : machine_(machine), xen_(xen), disk_(std::move(disk)) {
    disk_.resize((disk_.size() + blkif::kSectorSize - 1) / blkif::kSectorSize * blkif::kSectorSize, 0);
}

void Blkback::onStoreEvent() {
    uint32_t keys[3] = {};
    if (!machine_.readGuest(store::kAddress, keys, sizeof keys) || keys[0] != store::XenbusStateInitialised) return;
    const auto ring = xen_.mapGrant(keys[1], true);
    if (!ring) {
        last_error_ = "ring-ref " + std::to_string(keys[1]) + " is not granted to dom0";
        return;
    }
    if (!xen_.bindInterdomain(keys[2], [this](uint32_t) { onRingEvent(); })) {
        last_error_ = "event-channel " + std::to_string(keys[2]) + " is not an unbound port for dom0";
        return;
    }
    ring_ = *ring;
    port_ = keys[2];
    req_cons_ = rsp_prod_ = 0;
    const uint32_t sectors = static_cast<uint32_t>(disk_.size() / blkif::kSectorSize);
    machine_.writeGuest(store::kAddress + store::sectors, &sectors, 4);
    const uint32_t connected = store::XenbusStateConnected;
    machine_.writeGuest(store::kAddress + store::state, &connected, 4);
}

void Blkback::onRingEvent() {
    if (!ring_) return;
    uint32_t req_prod = 0;
    machine_.readGuest(ring_, &req_prod, 4);
    // A frontend that claims more requests than the ring holds is not believed.
    if (req_prod - req_cons_ > blkif::kRingEntries) req_prod = req_cons_ + blkif::kRingEntries;
    while (req_cons_ != req_prod) {
        const uint32_t slot = ring_ + blkif::kRingHeader + (req_cons_ % blkif::kRingEntries) * blkif::kRequestSize;
        uint8_t request[blkif::kRequestSize];
        machine_.readGuest(slot, request, sizeof request);
        ++req_cons_;
        requests_.fetch_add(1, std::memory_order_relaxed);
        const int16_t status = serve(slot);
        // The response goes into the slot at rsp_prod: {id, operation, status}.
        uint8_t response[blkif::kResponseSize] = {};
        std::memcpy(response, request + 4, 8);  // id
        response[8] = request[0];
        std::memcpy(response + 10, &status, 2);
        const uint32_t out = ring_ + blkif::kRingHeader + (rsp_prod_ % blkif::kRingEntries) * blkif::kRequestSize;
        machine_.writeGuest(out, response, sizeof response);
        ++rsp_prod_;
        machine_.writeGuest(ring_ + 8, &rsp_prod_, 4);  // published after the response
    }
    xen_.raise(port_);  // the frontend's end of the channel
}

int16_t Blkback::serve(uint32_t at) {
    uint8_t r[blkif::kRequestSize];
    machine_.readGuest(at, r, sizeof r);
    const uint8_t op = r[0], segments = r[1];
    uint64_t sector;
    std::memcpy(&sector, r + 12, 8);
    if (op != blkif::BLKIF_OP_READ || segments == 0 || segments > blkif::kMaxSegments) return blkif::BLKIF_RSP_ERROR;
    for (uint32_t i = 0; i < segments; ++i) {
        const uint8_t* seg = r + 20 + i * blkif::kSegmentSize;
        uint32_t gref;
        std::memcpy(&gref, seg, 4);
        const uint8_t first = seg[4], last = seg[5];
        if (first > last || last >= 4096 / blkif::kSectorSize) return blkif::BLKIF_RSP_ERROR;
        const auto page = xen_.mapGrant(gref, false);  // dom0 writes the data: a writable grant
        if (!page) return blkif::BLKIF_RSP_ERROR;
        const uint32_t count = last - first + 1u;
        if (sector >= disk_.size() / blkif::kSectorSize || count > disk_.size() / blkif::kSectorSize - sector)
            return blkif::BLKIF_RSP_ERROR;
        machine_.writeGuest(*page + first * blkif::kSectorSize, disk_.data() + sector * blkif::kSectorSize,
                            count * blkif::kSectorSize);
        sector += count;
        sectors_read_.fetch_add(count, std::memory_order_relaxed);
    }
    return blkif::BLKIF_RSP_OKAY;
}

}  // namespace vl::vm::pv
