#include "app/gui/emulation_host_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "app/gui/listing_colours.h"
#include "app/gui/read_only_table.h"
#include "emulator/dbt/host_abi.h"
#include "emulator/disassembler.h"

namespace vl::gui {

namespace {

namespace abi = emu::dbt;

QString hex(uint64_t value) {
    return QStringLiteral("0x%1").arg(value, value >> 32 ? 16 : 8, 16, QLatin1Char('0'));
}

// What register xN is for the translated code (host_abi.h is the single source).
QString holds(unsigned n) {
    if (n < 8) return QObject::tr("%1 (as w%2)").arg(abi::kX86RegNames[n]).arg(n);
    switch (n) {
    case abi::kPfSource: return QObject::tr("PF source: parity of its low byte");
    case abi::kAfSource: return QObject::tr("AF source: its bit 4");
    case abi::kSegmentBases: return QObject::tr("segment bases: gs low half, fs high half");
    case abi::kExitEip: return QObject::tr("exit: guest eip / helper operand");
    case abi::kExitSite: return QObject::tr("exit: branch to chain / helper operand");
    case abi::kExitReason: return QObject::tr("exit: reason / helper operand");
    case abi::kBudget: return QObject::tr("budget: guest instructions left");
    case abi::kHostCount: return QObject::tr("AArch64 instructions run (block bodies)");
    case abi::kBlockCount: return QObject::tr("blocks run");
    case abi::kDirection: return QObject::tr("DF as the string step: 1 (cld) or -1 (std)");
    case abi::kLookupBase: return QObject::tr("indirect-branch table (hit counters follow it)");
    case abi::kMemBase: return QObject::tr("guest memory: guest address 0");
    default: return QObject::tr("scratch");
    }
}

// NZCV as four letters, upper case where set ("nZCv"), and what x86 reads in them.
QString nzcvText(uint64_t nzcv) {
    QString s;
    const char* letters = "NZCV";
    for (int i = 0; i < 4; ++i) {
        const bool set = (nzcv >> (31 - i)) & 1;
        s += set ? QChar(letters[i]) : QChar(letters[i]).toLower();
    }
    return s;
}

}  // namespace

EmulationHostView::EmulationHostView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    heading_ = new QLabel;
    heading_->setObjectName("hostStepHeading");
    heading_->setWordWrap(true);
    code_ = makeReadOnlyTable({tr("host address"), tr("AArch64 (host)"), tr("x86 (guest) it belongs to")}, "hostStepCode");
    code_->horizontalHeader()->setSectionResizeMode(AddressColumn, QHeaderView::ResizeToContents);
    code_->horizontalHeader()->setSectionResizeMode(Arm64Column, QHeaderView::ResizeToContents);
    code_->horizontalHeader()->setSectionResizeMode(X86Column, QHeaderView::Stretch);
    registers_ = makeReadOnlyTable({tr("ARM64"), tr("value"), tr("holds")}, "hostStepRegisters");
    registers_->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::ResizeToContents);
    registers_->horizontalHeader()->setSectionResizeMode(ValueColumn, QHeaderView::ResizeToContents);
    registers_->horizontalHeader()->setSectionResizeMode(HoldsColumn, QHeaderView::Stretch);
    registers_->setRowCount(33);
    for (int r = 0; r < 33; ++r) {
        const QString name = r < 31 ? QStringLiteral("x%1").arg(r) : r == 31 ? QStringLiteral("nzcv") : QStringLiteral("pc");
        const QString what = r < 31    ? holds(static_cast<unsigned>(r))
                             : r == 31 ? tr("x86 SF, ZF, !CF, OF (carry inverted, as after subs)")
                                       : tr("the next AArch64 instruction");
        registers_->setItem(r, NameColumn, new QTableWidgetItem(name));
        registers_->setItem(r, ValueColumn, new QTableWidgetItem);
        registers_->setItem(r, HoldsColumn, new QTableWidgetItem(what));
    }
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(code_);
    split->addWidget(registers_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(heading_);
    layout->addWidget(split, 1);
    showNothing(tr("Choose the translator as the CPU, then \"Step AArch64\": each step runs one instruction of the "
                   "translated code on the ARM64 CPU."));
}

int EmulationHostView::registerRow(const QString& name) const {
    for (int r = 0; r < registers_->rowCount(); ++r)
        if (registers_->item(r, NameColumn)->text() == name) return r;
    return -1;
}

void EmulationHostView::showNothing(const QString& why) {
    heading_->setText(why);
    code_->setRowCount(0);
    highlighted_row_ = -1;
    changed_.clear();
    for (int r = 0; r < registers_->rowCount(); ++r) registers_->item(r, ValueColumn)->setText(QString());
}

void EmulationHostView::showStep(const DbtInspection& inspection) {
    showCode(inspection);
    showRegisters(inspection.host);
}

void EmulationHostView::showCode(const DbtInspection& inspection) {
    const HostStepView& host = inspection.host;
    const BlockListing* listing = host.has_block ? inspection.blockAt(host.block) : nullptr;
    auto x86Of = [&](int index) -> QString {
        if (!listing || index < 0 || index >= static_cast<int>(listing->pairs.size())) return {};
        const PairedInstruction& p = listing->pairs[static_cast<size_t>(index)];
        return QString::fromStdString(emu::hex32(p.address)) + "  " + p.x86;
    };
    const QPalette pal = palette();
    QFont bold = code_->font();
    bold.setBold(true);
    code_->setUpdatesEnabled(false);
    code_->setRowCount(static_cast<int>(host.words.size()));
    highlighted_row_ = -1;
    int previous_index = -100;
    HostWord::Role previous_role = HostWord::Role::Band;
    for (int r = 0; r < static_cast<int>(host.words.size()); ++r) {
        const HostWord& w = host.words[static_cast<size_t>(r)];
        const bool band = w.role == HostWord::Role::Band;
        const bool first_of_group = band ? w.guest_index != previous_index || previous_role != w.role : previous_role != w.role || r == 0;
        QString owner;
        if (first_of_group) {
            switch (w.role) {
            case HostWord::Role::Counter: owner = tr("(hit counter: this block's runs += 1)"); break;
            case HostWord::Role::Prologue: owner = tr("(block entry: budget check, counters)"); break;
            case HostWord::Role::Stub: owner = tr("(exit stubs: back to the dispatcher)"); break;
            case HostWord::Role::Band: owner = x86Of(w.guest_index); break;
            }
        }
        previous_index = w.guest_index;
        previous_role = w.role;
        const bool next = host.pc && *host.pc == w.address;
        const QColor background = band ? bandColour(w.guest_index, pal) : neutralBand(pal);
        const QString marker = next ? QStringLiteral("\u25B6 ") : QStringLiteral("  ");
        const QString cells[3] = {marker + hex(w.address), w.text, owner};
        for (int c = 0; c < 3; ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setBackground(next ? pal.color(QPalette::Highlight) : background);
            if (next) {
                item->setForeground(pal.color(QPalette::HighlightedText));
                item->setFont(bold);
            }
            code_->setItem(r, c, item);
        }
        if (next) highlighted_row_ = r;
    }
    code_->setUpdatesEnabled(true);
    if (highlighted_row_ >= 0) code_->scrollToItem(code_->item(highlighted_row_, Arm64Column), QAbstractItemView::PositionAtCenter);

    const QString block = QString::fromStdString(emu::hex32(host.block));
    if (!host.has_block) {
        heading_->setText(tr("Between blocks: the next AArch64 step enters the block at %1 once the dispatcher has "
                             "translated it.")
                              .arg(QString::fromStdString(emu::hex32(inspection.registers.eip))));
    } else if (!host.pc) {
        heading_->setText(tr("Between blocks: the next AArch64 step enters block %1 through its hit counter.").arg(block));
    } else if (highlighted_row_ >= 0) {
        const HostWord& w = host.words[static_cast<size_t>(highlighted_row_)];
        QString part;
        switch (w.role) {
        case HostWord::Role::Counter: part = tr("the block's hit counter (instrumentation, not counted as translated code)"); break;
        case HostWord::Role::Prologue: part = tr("the block's prologue: budget check and counters"); break;
        case HostWord::Role::Stub: part = tr("an exit stub: it hands the guest eip and the reason to the dispatcher"); break;
        case HostWord::Role::Band: part = tr("x86 instruction %1").arg(x86Of(w.guest_index)); break;
        }
        heading_->setText(tr("Next AArch64 instruction in block %1: %2  %3 -- part of %4.")
                              .arg(block, hex(w.address), w.text, part));
    }
}

void EmulationHostView::showRegisters(const HostStepView& host) {
    const emu::Arm64Registers& regs = host.registers;
    const emu::Arm64Registers& was = host.before;
    const QPalette pal = palette();
    QFont normal = registers_->font(), bold = normal;
    bold.setBold(true);
    changed_.clear();
    for (int r = 0; r < registers_->rowCount(); ++r) {
        const uint64_t value = r < 31 ? regs.x[r] : r == 31 ? regs.nzcv : regs.pc;
        const uint64_t before = r < 31 ? was.x[r] : r == 31 ? was.nzcv : was.pc;
        // pc changes with every step; marking it would hide the registers that did.
        const bool changed = value != before && r != 32;
        QTableWidgetItem* item = registers_->item(r, ValueColumn);
        item->setText(r == 31 ? nzcvText(value) + "  " + hex(value) : hex(value));
        for (int c = 0; c < registers_->columnCount(); ++c) {
            QTableWidgetItem* cell = registers_->item(r, c);
            cell->setFont(changed ? bold : normal);
            cell->setBackground(changed ? bandColour(1, pal) : QBrush());
            cell->setToolTip(changed ? tr("changed by the last step: was %1").arg(hex(before)) : QString());
        }
        if (changed) changed_ << registers_->item(r, NameColumn)->text();
    }
}

}  // namespace vl::gui
