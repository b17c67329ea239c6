// The blkfront/blkback ring (xen/include/public/io/ring.h) drawn as its 32 slots in a circle:
// the free-running indices -- requests queued by the frontend (req_prod), taken by the backend
// (req_cons) and answered (rsp_prod) -- the slot each points at (index mod 32, as
// RING_GET_REQUEST computes), the requests waiting and the slots holding the latest responses.
// A ring that fills moves req_prod ahead; blkback draining it brings req_cons and rsp_prod after.
#pragma once

#include <QWidget>

#include <cstdint>

namespace vl::gui {

class BlkifRingView : public QWidget {
    Q_OBJECT
public:
    struct Indices {
        uint32_t req_prod = 0;  // requests the frontend has queued (in the shared page)
        uint32_t req_cons = 0;  // requests the backend has taken (its private index)
        uint32_t rsp_prod = 0;  // responses the backend has queued
        bool connected = false; // blkback has mapped the ring the frontend granted
    };

    explicit BlkifRingView(QWidget* parent = nullptr);

    void setIndices(const Indices& indices);
    const Indices& indices() const { return indices_; }

    QSize sizeHint() const override { return {240, 240}; }
    QSize minimumSizeHint() const override { return {160, 160}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    Indices indices_;
};

}  // namespace vl::gui
