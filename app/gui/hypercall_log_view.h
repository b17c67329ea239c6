// The paravirtual guest's conversation with its hypervisor, call by call: each hypercall by
// Xen's name with its decoded arguments and result, the event upcalls that interrupt the guest,
// and dom0's part; beside it, the calls counted by name with Xen's hypercall numbers
// (xen/include/public/xen.h). Fed from the engine's events, which TrapVmm logs in pv mode as
// "console_io(CONSOLEIO_write, 77 bytes) = 0 at 0x00100abc" (trapsim/pv/xen_hypervisor.cpp).
#pragma once

#include <QString>
#include <QWidget>

#include <cstdint>
#include <vector>

#include "core/engine.h"

class QLabel;
class QTableWidget;

namespace vl::gui {

struct HypercallRecord {
    enum class Kind { Hypercall, MulticallMember, Upcall, Dom0 };
    Kind kind = Kind::Hypercall;
    uint64_t seq = 0;        // the event's sequence number
    double ms = 0;           // the event's time
    QString name;            // Xen's name ("console_io"); empty for an upcall or dom0 line
    QString arguments;       // as the hypervisor decoded them ("CONSOLEIO_write, 77 bytes")
    QString result;          // "0", "-22"
    QString at;              // where the guest made it ("0x00100abc")
};

// The records in one event: nothing for events of other kinds; a multicall gives itself and
// then each member.
std::vector<HypercallRecord> parseHypercallEvent(const vl::Event& event);

class HypercallLogView : public QWidget {
    Q_OBJECT
public:
    enum LogColumn { SeqColumn, KindColumn, NameColumn, ArgumentsColumn, ResultColumn, AtColumn };
    static constexpr int kMaxRows = 5000;  // the oldest calls go first; the counts stay exact

    explicit HypercallLogView(QWidget* parent = nullptr);

    void addEvents(const std::vector<vl::Event>& batch);
    // The counts by name, from the engine's counters ("hypercalls.<name>").
    void showCounts(const Counters& counters);
    void clear();

    QTableWidget* logTable() const { return log_; }
    QTableWidget* countsTable() const { return counts_; }
    const std::vector<HypercallRecord>& records() const { return records_; }

private:
    void appendRow(const HypercallRecord& record);

    QLabel* about_;
    QTableWidget* log_;
    QTableWidget* counts_;
    std::vector<HypercallRecord> records_;  // what the log shows, oldest first
};

}  // namespace vl::gui
