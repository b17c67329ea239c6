// Where the x86 machine lives on the ARM host: each x86 register beside the AArch64 register
// that holds it (emulator/dbt/host_abi.h is the single source of that assignment), the guest
// memory base, and EFLAGS beside NZCV with the two flags AArch64 has no bit for (PF, AF), kept
// lazily as sources and computed only when something reads them.
#pragma once

#include <QWidget>

#include "app/gui/dbt_inspection.h"
#include "core/engine.h"

class QLabel;
class QTableWidget;

namespace vl::gui {

class RegisterMap : public QWidget {
    Q_OBJECT
public:
    enum Column { GuestColumn, ValueColumn, HostColumn, HowColumn };

    explicit RegisterMap(QWidget* parent = nullptr);

    void showState(const DbtInspection& inspection, const Counters& counters);
    void showNothing(const QString& why);

    QTableWidget* table() const { return table_; }
    // The row whose guest column reads `name` ("eax", "ZF", "NZCV", "guest memory"), or -1.
    int rowOf(const QString& name) const;

private:
    QLabel* note_;
    QTableWidget* table_;
};

}  // namespace vl::gui
