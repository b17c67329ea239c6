#include "app/gui/hypercall_log_view.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QRegularExpression>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "trapsim/pv/xen_abi.h"

namespace vl::gui {

namespace {

QTableWidget* makeTable(const QStringList& headers) {
    auto* table = new QTableWidget(0, static_cast<int>(headers.size()));
    table->setHorizontalHeaderLabels(headers);
    table->verticalHeader()->setVisible(false);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    table->setWordWrap(false);
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}

// Xen's number for a hypercall name, from the names this hypervisor knows (xen_abi.h).
int hypercallNumber(const QString& name) {
    for (uint32_t n = 0; n < 64; ++n)
        if (const char* known = vm::pv::xen::hypercallName(n); known && name == QLatin1String(known)) return static_cast<int>(n);
    return -1;
}

QString kindName(HypercallRecord::Kind kind) {
    switch (kind) {
    case HypercallRecord::Kind::Hypercall: return QObject::tr("hypercall");
    case HypercallRecord::Kind::MulticallMember: return QObject::tr("  in multicall");
    case HypercallRecord::Kind::Upcall: return QObject::tr("event upcall");
    case HypercallRecord::Kind::Dom0: return QObject::tr("dom0");
    }
    return {};
}

}  // namespace

std::vector<HypercallRecord> parseHypercallEvent(const vl::Event& event) {
    std::vector<HypercallRecord> out;
    HypercallRecord base;
    base.seq = event.seq;
    base.ms = static_cast<double>(event.time_ns) / 1e6;
    QString detail = QString::fromStdString(event.detail);
    if (event.kind == "interrupt" && detail.startsWith("event upcall")) {
        base.kind = HypercallRecord::Kind::Upcall;
        // "event upcall at 0x00100abc: <how it was delivered>"
        static const QRegularExpression upcall(QStringLiteral("^event upcall at (0x[0-9a-f]+): (.*)$"));
        const auto m = upcall.match(detail);
        base.at = m.hasMatch() ? m.captured(1) : QString();
        base.arguments = m.hasMatch() ? m.captured(2) : detail;
        out.push_back(base);
        return out;
    }
    if (event.kind == "dom0") {
        base.kind = HypercallRecord::Kind::Dom0;
        base.arguments = detail;
        out.push_back(base);
        return out;
    }
    if (event.kind != "hypercall") return out;
    // "<call> at 0x...", where <call> is "name(arguments) = result", and for a multicall the
    // members follow it, each "; name(arguments) = result".
    if (const qsizetype at = detail.lastIndexOf(QStringLiteral(" at 0x")); at >= 0) {
        base.at = detail.mid(at + 4);
        detail.truncate(at);
    }
    static const QRegularExpression call(QStringLiteral("^(\\w+)\\((.*)\\) = (-?\\d+)$"));
    const QStringList parts = detail.split(QStringLiteral("; "));
    for (qsizetype i = 0; i < parts.size(); ++i) {
        HypercallRecord r = base;
        r.kind = i == 0 ? HypercallRecord::Kind::Hypercall : HypercallRecord::Kind::MulticallMember;
        const auto m = call.match(parts[i]);
        if (m.hasMatch()) {
            r.name = m.captured(1);
            r.arguments = m.captured(2);
            r.result = m.captured(3);
        } else {
            r.arguments = parts[i];  // a format this view does not know: shown whole
        }
        out.push_back(std::move(r));
    }
    return out;
}

HypercallLogView::HypercallLogView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    about_ = new QLabel(tr("A paravirtual kernel asks Xen for privileged work with int 0x82: the number in EAX "
                           "(Xen's numbers, xen/include/public/xen.h), arguments in EBX, ECX, EDX, ESI, EDI, the "
                           "result back in EAX. Events reach it as upcalls into the callback it registered."));
    about_->setWordWrap(true);
    log_ = makeTable({tr("#"), tr("kind"), tr("hypercall"), tr("arguments"), tr("result"), tr("at")});
    log_->setObjectName("hypercallLog");
    counts_ = makeTable({tr("no."), tr("hypercall"), tr("calls")});
    counts_->setObjectName("hypercallCounts");
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(log_);
    split->addWidget(counts_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    layout->addWidget(about_);
    layout->addWidget(split, 1);
}

void HypercallLogView::clear() {
    records_.clear();
    log_->setRowCount(0);
    counts_->setRowCount(0);
}

void HypercallLogView::addEvents(const std::vector<vl::Event>& batch) {
    log_->setUpdatesEnabled(false);
    for (const vl::Event& e : batch) {
        if (e.seq == 1) clear();  // the first event of a new engine: a new run
        for (HypercallRecord& r : parseHypercallEvent(e)) {
            appendRow(r);
            records_.push_back(std::move(r));
        }
    }
    const int excess = log_->rowCount() - kMaxRows;
    if (excess > 0) {
        for (int i = 0; i < excess; ++i) log_->removeRow(0);
        records_.erase(records_.begin(), records_.begin() + excess);
    }
    log_->setUpdatesEnabled(true);
    log_->resizeColumnsToContents();
    if (log_->rowCount() > 0) log_->scrollToBottom();
}

void HypercallLogView::appendRow(const HypercallRecord& r) {
    const int row = log_->rowCount();
    log_->insertRow(row);
    const QStringList cells = {QString::number(r.seq), kindName(r.kind), r.name, r.arguments, r.result, r.at};
    for (int c = 0; c < cells.size(); ++c) log_->setItem(row, c, new QTableWidgetItem(cells[c]));
    log_->item(row, SeqColumn)->setToolTip(tr("event %1 at %2 ms").arg(r.seq).arg(r.ms, 0, 'f', 3));
}

void HypercallLogView::showCounts(const Counters& counters) {
    std::vector<std::pair<QString, uint64_t>> rows;
    for (const auto& [name, n] : counters)
        if (name.starts_with("hypercalls.")) rows.emplace_back(QString::fromStdString(name.substr(11)), n);
    counts_->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const auto& [name, n] = rows[static_cast<size_t>(r)];
        const int number = hypercallNumber(name);
        counts_->setItem(r, 0, new QTableWidgetItem(number >= 0 ? QString::number(number) : QString()));
        counts_->setItem(r, 1, new QTableWidgetItem(name));
        auto* value = new QTableWidgetItem(QLocale::c().toString(static_cast<qulonglong>(n)));
        value->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        counts_->setItem(r, 2, value);
    }
    counts_->resizeColumnsToContents();
}

}  // namespace vl::gui
