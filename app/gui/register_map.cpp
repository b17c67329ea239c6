#include "app/gui/register_map.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableWidget>
#include <QVBoxLayout>

#include "app/gui/read_only_table.h"
#include "emulator/dbt/host_abi.h"
#include "emulator/disassembler.h"

namespace vl::gui {

namespace {

QString hex32(uint32_t value) { return QString::fromStdString(emu::hex32(value)); }
QString hex64(uint64_t value) { return QStringLiteral("0x%1").arg(value, 9, 16, QLatin1Char('0')); }
QString bit(uint32_t eflags, int n) { return (eflags >> n) & 1 ? QStringLiteral("1") : QStringLiteral("0"); }

struct Row {
    QString guest, value, host, how;
};

}  // namespace

RegisterMap::RegisterMap(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    note_ = new QLabel;
    note_->setWordWrap(true);
    table_ = makeReadOnlyTable({tr("x86"), tr("value"), tr("AArch64"), tr("how")}, "registerMap");
    auto* header = table_->horizontalHeader();
    for (int c : {GuestColumn, ValueColumn, HostColumn}) header->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(HowColumn, QHeaderView::Stretch);
    layout->addWidget(note_);
    layout->addWidget(table_, 1);
    showNothing(tr("Choose the translator as the CPU, then Run or Step."));
}

void RegisterMap::showNothing(const QString& why) {
    table_->setRowCount(0);
    note_->setText(why);
}

int RegisterMap::rowOf(const QString& name) const {
    for (int r = 0; r < table_->rowCount(); ++r)
        if (table_->item(r, GuestColumn)->text() == name) return r;
    return -1;
}

void RegisterMap::showState(const DbtInspection& inspection, const Counters& counters) {
    using namespace emu::dbt;
    const emu::X86Registers& x = inspection.registers;
    const uint32_t by_number[8] = {x.eax, x.ecx, x.edx, x.ebx, x.esp, x.ebp, x.esi, x.edi};
    const uint32_t f = x.eflags;
    auto counter = [&](const char* name) -> QString {
        const auto it = counters.find(name);
        return QLocale::c().toString(static_cast<qulonglong>(it == counters.end() ? 0 : it->second));
    };
    // A flag no later code reads before setting it is dead at eip: the translator may have
    // skipped computing it, so its bit is not shown as a value.
    auto flag = [&](uint8_t flag_bit, int eflags_bit) {
        return (inspection.live_flags & flag_bit) ? bit(f, eflags_bit) : tr("dead");
    };

    std::vector<Row> rows;
    for (unsigned i = 0; i < 8; ++i)
        rows.push_back({kX86RegNames[i], hex32(by_number[i]), QStringLiteral("w%1").arg(hostRegOf(i)),
                        tr("the low 32 bits of x%1; 8/16-bit parts through ubfx / bfi").arg(hostRegOf(i))});
    const BlockListing* next = inspection.blockAt(x.eip);
    rows.push_back({"eip", hex32(x.eip), "pc",
                    next ? tr("not held: pc runs the block's translation at %1").arg(hex64(next->host_start))
                         : tr("not held: the next block is not translated yet")});
    rows.push_back({tr("guest memory"), hex64(kGuestBase), QStringLiteral("x%1").arg(kMemBase),
                    tr("guest address a is host address x%1 + a").arg(kMemBase)});
    rows.push_back({"EFLAGS", hex32(f), "NZCV, w16, w17, w26", tr("rebuilt from the places below when read")});
    // NZCV = SF, ZF, !CF, OF (host_abi.h): AArch64's carry after a subtraction means "no borrow".
    const QString nzcv = QStringLiteral("N=%1 Z=%2 C=%3 V=%4").arg(bit(f, 7), bit(f, 6), (f & 1) ? "0" : "1", bit(f, 11));
    rows.push_back({"NZCV", nzcv, "NZCV",
                    tr("N = SF, Z = ZF, C = not CF, V = OF: every x86 condition but parity is one AArch64 condition")});
    rows.push_back({"CF", flag(kCF, 0), "NZCV.C", tr("inverted: C = 1 means CF = 0 (no borrow), so cmp is one subs")});
    rows.push_back({"ZF", flag(kZF, 6), "NZCV.Z", tr("exact")});
    rows.push_back({"SF", flag(kSF, 7), "NZCV.N", tr("exact")});
    rows.push_back({"OF", flag(kOF, 11), "NZCV.V", tr("exact")});
    rows.push_back({"PF", flag(kPF, 2), QStringLiteral("w%1").arg(kPfSource),
                    tr("lazy: the last result is kept; PF is the parity of its low byte, computed only when read")});
    rows.push_back({"AF", flag(kAF, 4), QStringLiteral("w%1").arg(kAfSource),
                    tr("lazy: a ^ b ^ result is kept; AF is its bit 4, computed only when read")});
    rows.push_back({"DF", bit(f, 10), QStringLiteral("w%1").arg(kDirection), tr("the string step: +1 (cld) or -1 (std)")});
    rows.push_back({tr("fs/gs base"), QString(), QStringLiteral("x%1").arg(kSegmentBases),
                    tr("%gs in the low half, %fs in the high half (TLS)")});
    rows.push_back({tr("lookup table"), hex64(kLookupAddress), QStringLiteral("x%1").arg(kLookupBase),
                    tr("indirect branches probe it without leaving Unicorn")});
    rows.push_back({tr("budget"), QString(), QStringLiteral("x%1").arg(kBudget), tr("guest instructions left in this run")});
    rows.push_back({tr("host instructions"), counter("host_instructions"), QStringLiteral("x%1").arg(kHostCount),
                    tr("AArch64 instructions executed, one add per block")});
    rows.push_back({tr("blocks executed"), counter("blocks"), QStringLiteral("x%1").arg(kBlockCount), tr("one add per block")});

    table_->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const Row& row = rows[static_cast<size_t>(r)];
        table_->setItem(r, GuestColumn, new QTableWidgetItem(row.guest));
        table_->setItem(r, ValueColumn, new QTableWidgetItem(row.value));
        table_->setItem(r, HostColumn, new QTableWidgetItem(row.host));
        table_->setItem(r, HowColumn, new QTableWidgetItem(row.how));
    }

    // What the liveness pass decided: the flags still pending at eip, and what the next
    // instruction computes and skips.
    QString lazy = tr(" Flags live here (read before they are set again): %1; the others are dead and may not have been computed.")
                       .arg(inspection.live_flags ? flagNames(inspection.live_flags) : tr("none"));
    if (next && !next->pairs.empty()) {
        const PairedInstruction& p = next->pairs.front();
        lazy += tr(" The next instruction, %1, computes %2 and skips %3.")
                    .arg(p.x86, p.flags_computed.isEmpty() ? tr("no flags") : p.flags_computed,
                         p.flags_skipped.isEmpty() ? tr("nothing") : p.flags_skipped);
    }
    note_->setText(tr("Registers as of the last stop, at eip %1.").arg(hex32(x.eip)) + lazy);
}

}  // namespace vl::gui
