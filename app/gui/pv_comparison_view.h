// The paravirtual run beside a trap-and-emulate run of the same kernel's native build: how
// many times each entered the monitor and why, and what the cost model makes of it. The point
// of paravirtualization in one table: a ported guest asks (hypercalls) where a bare one traps.
#pragma once

#include <QWidget>

#include "core/engine.h"

class QLabel;
class QTableWidget;

namespace vl::gui {

class PvComparisonView : public QWidget {
    Q_OBJECT
public:
    enum Column { WhatColumn, PvColumn, TrapColumn, RatioColumn };

    explicit PvComparisonView(QWidget* parent = nullptr);

    void showPv(const Counters& counters, bool finished);
    void showTrap(const Counters& counters);
    void showTrapFailure(const QString& why);
    void clearPv();

    QTableWidget* table() const { return table_; }
    // The value shown for row `what` ("vmm_entries") in `column`, as the table shows it.
    QString cell(const QString& what, Column column) const;

private:
    void render();

    QLabel* note_;
    QTableWidget* table_;
    Counters pv_, trap_;
    bool pv_finished_ = false;
    bool have_pv_ = false, have_trap_ = false;
};

}  // namespace vl::gui
