#include "app/gui/pv_comparison_view.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableWidget>
#include <QVBoxLayout>

#include "app/gui/read_only_table.h"

namespace vl::gui {

namespace {

// The rows: a counter of both runs, and what it means.
struct Measure {
    const char* counter;
    const char* label;
};
constexpr Measure kMeasures[] = {
    {"guest_instructions", "guest instructions"},
    {"vmm_entries", "monitor entries"},
    {"traps", "privileged instructions trapped"},
    {"hypercalls", "hypercalls (int 0x82)"},
    {"interrupts_injected", "interrupts delivered"},
    {"console_bytes", "console bytes"},
    {"modeled_cycles", "modeled cycles"},
};

uint64_t counter(const Counters& counters, const char* name) {
    const auto it = counters.find(name);
    return it == counters.end() ? 0 : it->second;
}

QString count(uint64_t value) { return QLocale::c().toString(static_cast<qulonglong>(value)); }

}  // namespace

PvComparisonView::PvComparisonView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    note_ = new QLabel;
    note_->setWordWrap(true);
    table_ = makeReadOnlyTable({tr("what"), tr("pv"), tr("trap"), tr("trap / pv")}, "pvComparison");
    table_->setRowCount(static_cast<int>(std::size(kMeasures)));
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(note_);
    layout->addWidget(table_, 1);
    render();
}

void PvComparisonView::showPv(const Counters& counters, bool finished) {
    pv_ = counters;
    pv_finished_ = finished;
    have_pv_ = true;
    render();
}

void PvComparisonView::clearPv() {
    pv_.clear();
    have_pv_ = pv_finished_ = false;
    render();
}

void PvComparisonView::showTrap(const Counters& counters) {
    trap_ = counters;
    have_trap_ = true;
    render();
}

void PvComparisonView::showTrapFailure(const QString& why) {
    have_trap_ = false;
    note_->setText(tr("The trap-mode run of the native kernel failed: %1").arg(why));
}

QString PvComparisonView::cell(const QString& what, Column column) const {
    for (int r = 0; r < table_->rowCount(); ++r)
        if (table_->item(r, WhatColumn)->data(Qt::UserRole).toString() == what)
            return table_->item(r, column) ? table_->item(r, column)->text() : QString();
    return {};
}

void PvComparisonView::render() {
    for (int r = 0; r < static_cast<int>(std::size(kMeasures)); ++r) {
        const Measure& m = kMeasures[r];
        auto* what = new QTableWidgetItem(tr(m.label));
        what->setData(Qt::UserRole, QString::fromLatin1(m.counter));
        table_->setItem(r, WhatColumn, what);
        const uint64_t pv = counter(pv_, m.counter), trap = counter(trap_, m.counter);
        table_->setItem(r, PvColumn, new QTableWidgetItem(have_pv_ ? count(pv) : QString()));
        table_->setItem(r, TrapColumn, new QTableWidgetItem(have_trap_ ? count(trap) : QString()));
        QString ratio;
        if (have_pv_ && have_trap_ && pv_finished_ && pv > 0) ratio = QString::number(static_cast<double>(trap) / static_cast<double>(pv), 'f', 1);
        table_->setItem(r, RatioColumn, new QTableWidgetItem(ratio));
        for (int c : {PvColumn, TrapColumn, RatioColumn}) table_->item(r, c)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    QString note = tr("The same kernel source, built for bare hardware and run under trap-and-emulate (trap column), "
                      "and built with -DPARAVIRT for the Xen-style hypervisor (pv column).");
    if (!have_trap_) note += tr(" The trap run starts with the first pv run.");
    else if (have_pv_ && !pv_finished_) note += tr(" The pv run is not over yet: its column grows as it goes.");
    note_->setText(note);
}

}  // namespace vl::gui
