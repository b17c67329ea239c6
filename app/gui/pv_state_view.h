// What a paravirtual guest shares with its hypervisor, as of the last stop: the shared-info
// page (vcpu_info[0]'s upcall flags, the event-channel pending and mask bitmaps), the event
// channels the guest bound and notified, and the blkfront/blkback ring with its slots.
#pragma once

#include <QWidget>

#include <vector>

#include "app/gui/hypercall_log_view.h"
#include "app/gui/pv_inspection.h"
#include "core/engine.h"

class QLabel;
class QTableWidget;

namespace vl::gui {

class BlkifRingView;

class PvStateView : public QWidget {
    Q_OBJECT
public:
    explicit PvStateView(QWidget* parent = nullptr);

    // `records`: the hypercall log so far (which call bound which port).
    void showState(const PvInspection& pages, const Counters& counters, const std::vector<HypercallRecord>& records);
    void clear();

    QTableWidget* sharedInfoTable() const { return shared_info_; }
    QTableWidget* channelsTable() const { return channels_; }
    QTableWidget* slotsTable() const { return slots_; }
    BlkifRingView* ringView() const { return ring_; }
    QLabel* ringLabel() const { return ring_label_; }
    // The value column of the shared-info row named `field` ("evtchn_upcall_mask").
    QString sharedInfo(const QString& field) const;

private:
    QTableWidget* shared_info_;
    QTableWidget* channels_;
    BlkifRingView* ring_;
    QLabel* ring_label_;
    QTableWidget* slots_;
};

}  // namespace vl::gui
