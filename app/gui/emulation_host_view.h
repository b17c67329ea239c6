// Host-instruction stepping made visible: the block the ARM64 CPU stands in, every AArch64
// word of it as the CPU holds it now (the hit-counting preamble, the prologue, each x86
// instruction's band in that instruction's colour, the exit stubs) with the next word to run
// marked, and the ARM64 registers beside what each one holds for the x86 machine, the ones
// the last step changed marked.
#pragma once

#include <QWidget>

#include "app/gui/dbt_inspection.h"

class QLabel;
class QTableWidget;

namespace vl::gui {

class EmulationHostView : public QWidget {
    Q_OBJECT
public:
    enum CodeColumn { AddressColumn, Arm64Column, X86Column };
    enum RegisterColumn { NameColumn, ValueColumn, HoldsColumn };

    explicit EmulationHostView(QWidget* parent = nullptr);

    void showStep(const DbtInspection& inspection);
    void showNothing(const QString& why);

    QLabel* heading() const { return heading_; }
    QTableWidget* code() const { return code_; }
    QTableWidget* registers() const { return registers_; }
    // The code row of the next AArch64 instruction (-1 when none is marked).
    int highlightedRow() const { return highlighted_row_; }
    // The register rows ("x0", "nzcv", ...) the last shown step changed.
    QStringList changedRegisters() const { return changed_; }
    // The row of register `name` ("x0" ... "x30", "nzcv", "pc"), or -1.
    int registerRow(const QString& name) const;

private:
    void showCode(const DbtInspection& inspection);
    void showRegisters(const HostStepView& host);

    QLabel* heading_;
    QTableWidget* code_;
    QTableWidget* registers_;
    int highlighted_row_ = -1;
    QStringList changed_;
};

}  // namespace vl::gui
