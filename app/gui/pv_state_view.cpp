#include "app/gui/pv_state_view.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QRegularExpression>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

#include "app/gui/blkif_ring_view.h"
#include "app/gui/read_only_table.h"
#include "emulator/disassembler.h"
#include "trapsim/pv/xen_hypervisor.h"

namespace vl::gui {

namespace {

QTableWidget* makeTable(const QStringList& headers, const char* name) {
    auto* table = makeReadOnlyTable(headers, name);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);  // compact rows
    return table;
}

void setRow(QTableWidget* table, int row, const QStringList& cells) {
    for (int c = 0; c < cells.size(); ++c) table->setItem(row, c, new QTableWidgetItem(cells[c]));
}

QString hex(uint64_t value, int digits = 8) { return QStringLiteral("0x%1").arg(value, digits, 16, QLatin1Char('0')); }

QString portList(const std::vector<uint32_t>& ports) {
    if (ports.empty()) return QObject::tr("none");
    QStringList out;
    for (uint32_t p : ports) out << QString::number(p);
    return out.join(", ");
}

bool contains(const std::vector<uint32_t>& ports, uint32_t port) {
    return std::find(ports.begin(), ports.end(), port) != ports.end();
}

uint64_t counter(const Counters& counters, const char* name) {
    const auto it = counters.find(name);
    return it == counters.end() ? 0 : it->second;
}

QWidget* titled(const QString& title, QWidget* body) {
    auto* box = new QWidget;
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* label = new QLabel(title);
    label->setWordWrap(true);
    layout->addWidget(label);
    layout->addWidget(body, 1);
    return box;
}

}  // namespace

PvStateView::PvStateView(QWidget* parent) : QWidget(parent) {
    shared_info_ = makeTable({tr("field"), tr("value"), tr("meaning")}, "sharedInfo");
    channels_ = makeTable({tr("port"), tr("bound to"), tr("sent"), tr("pending"), tr("masked")}, "eventChannels");
    ring_ = new BlkifRingView;
    ring_label_ = new QLabel;
    ring_label_->setObjectName("ringSummary");
    ring_label_->setWordWrap(true);
    ring_label_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    slots_ = makeTable({tr("index"), tr("slot"), tr("holds"), tr("operation"), tr("sector"), tr("id / status")}, "ringSlots");

    auto* ring_box = new QWidget;
    auto* ring_layout = new QVBoxLayout(ring_box);
    ring_layout->setContentsMargins(0, 0, 0, 0);
    auto* ring_row = new QHBoxLayout;
    ring_row->addWidget(ring_, 1);
    ring_row->addWidget(ring_label_, 1);
    ring_layout->addLayout(ring_row, 3);
    ring_layout->addWidget(slots_, 2);

    auto* split = new QSplitter(Qt::Vertical);
    split->setChildrenCollapsible(false);
    split->addWidget(titled(tr("<b>Shared-info page</b> at %1: the guest masks events by writing evtchn_upcall_mask, "
                               "with no trap at all (Xen's cli)")
                                .arg(QString::fromStdString(emu::hex32(vm::pv::pv_layout::kSharedInfo))),
                            shared_info_));
    split->addWidget(titled(tr("<b>Event channels</b>: Xen's interrupts, bound and notified by hypercalls"), channels_));
    split->addWidget(titled(tr("<b>blkfront / blkback ring</b>: disk requests in a page the guest granted to dom0, "
                               "which owns the disk"),
                            ring_box));
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setStretchFactor(2, 3);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);
    clear();
}

void PvStateView::clear() {
    shared_info_->setRowCount(0);
    channels_->setRowCount(0);
    slots_->setRowCount(0);
    ring_->setIndices({});
    ring_label_->setText(tr("Run or step the paravirtual guest."));
}

QString PvStateView::sharedInfo(const QString& name) const {
    for (int r = 0; r < shared_info_->rowCount(); ++r)
        if (shared_info_->item(r, 0)->text() == name) return shared_info_->item(r, 1)->text();
    return {};
}

void PvStateView::showState(const PvInspection& pages, const Counters& counters, const std::vector<HypercallRecord>& records) {
    if (!pages.valid) return clear();
    shared_info_->setRowCount(6);
    setRow(shared_info_, 0, {"evtchn_upcall_mask", QString::number(pages.upcall_mask),
                             tr("1: events masked, the guest is not interrupted (its IF = 0)")});
    setRow(shared_info_, 1, {"evtchn_upcall_pending", QString::number(pages.upcall_pending),
                             tr("1: an event waits; it becomes an upcall once unmasked")});
    setRow(shared_info_, 2, {"evtchn_pending_sel", hex(pages.pending_sel), tr("which words of evtchn_pending to look at")});
    setRow(shared_info_, 3, {"evtchn_pending", portList(pages.pending_ports), tr("ports with an event not yet handled")});
    setRow(shared_info_, 4, {"evtchn_mask", portList(pages.masked_ports), tr("ports the guest masked one by one")});
    setRow(shared_info_, 5, {tr("upcalls"), QLocale::c().toString(static_cast<qulonglong>(counter(counters, "upcalls"))),
                             tr("events delivered into the guest's callback so far")});
    shared_info_->resizeColumnsToContents();

    // Ports as the event_channel_op calls in the log bound them (xen_hypervisor.cpp's wording),
    // and the store and ring channels as the frontend announced them.
    static const QRegularExpression bound(QStringLiteral("^EVTCHNOP_(bind_virq|alloc_unbound), (.*) -> port (\\d+)$"));
    static const QRegularExpression sent(QStringLiteral("^EVTCHNOP_send, port (\\d+)$"));
    struct Port {
        QString bound_to;
        uint64_t sends = 0;
    };
    std::map<uint32_t, Port> ports;
    for (const HypercallRecord& r : records) {
        if (r.name != "event_channel_op") continue;
        if (const auto m = bound.match(r.arguments); m.hasMatch())
            ports[m.captured(3).toUInt()].bound_to = m.captured(1) == "bind_virq" ? m.captured(2) : tr("dom0: %1").arg(m.captured(2));
        else if (const auto s = sent.match(r.arguments); s.hasMatch())
            ++ports[s.captured(1).toUInt()].sends;
    }
    if (pages.store_port) ports[pages.store_port].bound_to = tr("store channel (start_info)");
    if (pages.ring_announced && pages.ring_port) ports[pages.ring_port].bound_to = tr("blkfront ring (dom0's blkback)");
    for (uint32_t p : pages.pending_ports) ports[p];
    channels_->setRowCount(static_cast<int>(ports.size()));
    int row = 0;
    for (const auto& [port, p] : ports)
        setRow(channels_, row++, {QString::number(port), p.bound_to, QString::number(p.sends),
                                  contains(pages.pending_ports, port) ? "1" : "0", contains(pages.masked_ports, port) ? "1" : "0"});
    channels_->resizeColumnsToContents();

    // blkback's consumer index is private to dom0; it takes every request it is notified of,
    // in order, so it equals the requests it has served.
    const auto req_cons = static_cast<uint32_t>(counter(counters, "blkback.requests"));
    ring_->setIndices({pages.req_prod, req_cons, pages.rsp_prod, pages.ring_connected});
    if (!pages.ring_announced) {
        ring_label_->setText(tr("The frontend has not announced a ring yet (store page at %1).")
                                 .arg(QString::fromStdString(emu::hex32(vm::pv::store::kAddress))));
    } else {
        ring_label_->setText(tr("blkif ring of %11 slots in page %1 (grant ref %2), event channel %3, %4<br><br>"
                                "req_prod %5, req_event %6<br>rsp_prod %7, rsp_event %8<br>"
                                "blkback: %9 requests served, %10 sectors read")
                                 .arg(QString::fromStdString(emu::hex32(pages.ring_address)))
                                 .arg(pages.ring_ref)
                                 .arg(pages.ring_port)
                                 .arg(pages.ring_connected ? tr("connected") : tr("waiting for dom0"))
                                 .arg(pages.req_prod)
                                 .arg(pages.req_event)
                                 .arg(pages.rsp_prod)
                                 .arg(pages.rsp_event)
                                 .arg(req_cons)
                                 .arg(counter(counters, "blkback.sectors_read"))
                                 .arg(vm::pv::blkif::kRingEntries));
    }
    slots_->setRowCount(static_cast<int>(pages.ring_slots.size()));
    for (int r = 0; r < static_cast<int>(pages.ring_slots.size()); ++r) {
        const BlkifSlot& s = pages.ring_slots[static_cast<size_t>(r)];
        const QString op = s.operation == vm::pv::blkif::BLKIF_OP_READ ? QStringLiteral("BLKIF_OP_READ") : QString::number(s.operation);
        setRow(slots_, r,
               {QString::number(s.index), QString::number(s.index % vm::pv::blkif::kRingEntries),
                s.response ? tr("response") : tr("request"), op,
                s.response ? QString() : tr("%1 (%2 segment(s))").arg(s.sector).arg(s.segments),
                s.response ? tr("id %1, %2").arg(s.id).arg(s.status == vm::pv::blkif::BLKIF_RSP_OKAY ? "BLKIF_RSP_OKAY"
                                                                                                  : QString::number(s.status))
                           : tr("id %1").arg(s.id)});
    }
    slots_->resizeColumnsToContents();
}

}  // namespace vl::gui
