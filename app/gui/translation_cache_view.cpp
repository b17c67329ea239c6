#include "app/gui/translation_cache_view.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableWidget>
#include <QVBoxLayout>

#include <map>

#include "emulator/dbt/host_abi.h"
#include "emulator/disassembler.h"

namespace vl::gui {

namespace {

QString hex32(uint32_t value) { return QString::fromStdString(emu::hex32(value)); }
QString count(uint64_t value) { return QLocale::c().toString(static_cast<qulonglong>(value)); }

uint64_t counter(const Counters& counters, const char* name) {
    const auto it = counters.find(name);
    return it == counters.end() ? 0 : it->second;
}

}  // namespace

TranslationCacheView::TranslationCacheView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    summary_ = new QLabel;
    summary_->setObjectName("cacheSummary");
    summary_->setWordWrap(true);
    table_ = new QTableWidget(0, 7);
    table_->setObjectName("translationCache");
    table_->setHorizontalHeaderLabels(
        {tr("block"), tr("x86"), tr("AArch64"), tr("per x86"), tr("chained to"), tr("chained from"), tr("runs")});
    table_->horizontalHeaderItem(HitsColumn)->setToolTip(tr("Times the block ran: its counting preamble adds one at every entry"));
    table_->horizontalHeaderItem(ChainedToColumn)
        ->setToolTip(tr("Direct branches of this block patched to jump straight into these blocks' translations"));
    table_->horizontalHeaderItem(ChainedFromColumn)->setToolTip(tr("Blocks whose direct branches are chained into this one"));
    table_->verticalHeader()->setVisible(false);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    table_->setWordWrap(false);
    auto* header = table_->horizontalHeader();
    for (int c = BlockColumn; c <= ExpansionColumn; ++c) header->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(ChainedToColumn, QHeaderView::Stretch);
    header->setSectionResizeMode(ChainedFromColumn, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(HitsColumn, QHeaderView::ResizeToContents);
    layout->addWidget(summary_);
    layout->addWidget(table_, 1);
    connect(table_, &QTableWidget::cellClicked, this, [this](int row, int) {
        if (QTableWidgetItem* item = table_->item(row, BlockColumn)) emit blockChosen(item->data(Qt::UserRole).toUInt());
    });
    showNothing(tr("The translation cache fills as the translator runs."));
}

void TranslationCacheView::showNothing(const QString& why) {
    table_->setRowCount(0);
    summary_->setText(why);
}

int TranslationCacheView::rowOf(uint32_t guest) const {
    for (int r = 0; r < table_->rowCount(); ++r)
        if (table_->item(r, BlockColumn)->data(Qt::UserRole).toUInt() == guest) return r;
    return -1;
}

void TranslationCacheView::showCache(const DbtInspection& inspection, const Counters& counters) {
    // The code cache chains a direct branch as soon as both ends are translated (code_cache.h),
    // so an edge between two blocks in the cache is a chained one.
    std::map<uint32_t, int> chained_from;
    for (const auto& b : inspection.blocks)
        for (uint32_t target : b->branch_targets)
            if (inspection.blockAt(target)) ++chained_from[target];

    const uint32_t next = inspection.registers.eip;
    table_->setUpdatesEnabled(false);
    table_->setRowCount(static_cast<int>(inspection.blocks.size()));
    uint64_t words = 0;
    for (int r = 0; r < static_cast<int>(inspection.blocks.size()); ++r) {
        const BlockListing& b = *inspection.blocks[static_cast<size_t>(r)];
        words += b.body_words;
        QStringList to;
        for (uint32_t target : b.branch_targets)
            if (inspection.blockAt(target)) to << hex32(target);
        auto* block = new QTableWidgetItem(hex32(b.guest_start) + (b.guest_start == next ? tr("  next") : QString()));
        block->setData(Qt::UserRole, b.guest_start);
        block->setToolTip(tr("AArch64 code at 0x%1").arg(b.host_start, 8, 16, QLatin1Char('0')));
        if (b.guest_start == next) {
            QFont bold = table_->font();
            bold.setBold(true);
            block->setFont(bold);
        }
        table_->setItem(r, BlockColumn, block);
        table_->setItem(r, X86Column, new QTableWidgetItem(QString::number(b.pairs.size())));
        table_->setItem(r, Arm64Column, new QTableWidgetItem(QString::number(b.body_words)));
        table_->setItem(r, ExpansionColumn, new QTableWidgetItem(QString::number(b.expansion(), 'f', 2)));
        table_->setItem(r, ChainedToColumn, new QTableWidgetItem(to.join(", ")));
        const auto from = chained_from.find(b.guest_start);
        table_->setItem(r, ChainedFromColumn, new QTableWidgetItem(QString::number(from == chained_from.end() ? 0 : from->second)));
        const auto hits = inspection.hits.find(b.guest_start);
        table_->setItem(r, HitsColumn, new QTableWidgetItem(hits == inspection.hits.end() ? QString() : count(hits->second)));
        for (int c : {X86Column, Arm64Column, ExpansionColumn, ChainedFromColumn, HitsColumn})
            table_->item(r, c)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    table_->setUpdatesEnabled(true);

    summary_->setText(
        tr("%1 blocks, %2 AArch64 instructions in their bodies (the cache holds up to %3 MiB of code). The "
           "dispatcher found a translation ready %4 times (cache hits), patched %5 branches to chain blocks, "
           "flushed the cache %6 times; invalidations for self-modifying code: %7. Click a block to see its "
           "translation.")
            .arg(count(inspection.blocks.size()), count(words))
            .arg(emu::dbt::kCodeCacheSize >> 20)
            .arg(count(counter(counters, "cache_hits")), count(counter(counters, "chained_jumps")),
                 count(counter(counters, "cache_flushes")), count(counter(counters, "invalidations"))));
}

}  // namespace vl::gui
