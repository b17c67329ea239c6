#include "app/gui/translation_listing.h"

#include <QEvent>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include "app/gui/listing_colours.h"
#include "app/gui/read_only_table.h"
#include "emulator/disassembler.h"

namespace vl::gui {

namespace {

QString hex(uint64_t value) { return QStringLiteral("0x%1").arg(value, 8, 16, QLatin1Char('0')); }

}  // namespace

TranslationListing::TranslationListing(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    heading_ = new QLabel;
    heading_->setObjectName("translationHeading");
    heading_->setWordWrap(true);
    table_ = makeReadOnlyTable({tr("x86 (guest)"), tr("AArch64 (host)"), tr("host / guest"), tr("flags")},
                               "translationListing");
    table_->horizontalHeaderItem(CountColumn)->setToolTip(tr("AArch64 instructions this x86 instruction became"));
    table_->horizontalHeaderItem(FlagsColumn)
        ->setToolTip(tr("EFLAGS bits it computes, and those it could set but no later instruction reads (skipped)"));
    auto* header = table_->horizontalHeader();
    for (int c : {X86Column, Arm64Column, CountColumn}) header->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(FlagsColumn, QHeaderView::Stretch);
    layout->addWidget(heading_);
    layout->addWidget(table_, 1);
    showNothing(tr("Choose the translator as the CPU, then Run or Step: each block it translates appears here."));
}

void TranslationListing::showNothing(const QString& why) {
    block_.reset();
    current_.reset();
    marked_.reset();
    highlighted_row_ = -1;
    marked_row_ = -1;
    table_->clearSpans();
    table_->setRowCount(0);
    heading_->setText(why);
}

void TranslationListing::showBlock(std::shared_ptr<const BlockListing> block, std::optional<uint32_t> current) {
    block_ = std::move(block);
    current_ = current;
    marked_.reset();
    render();
}

bool TranslationListing::markInstruction(uint32_t address) {
    if (!block_) return false;
    marked_ = address;
    render();
    if (marked_row_ < 0) return false;
    table_->setCurrentCell(marked_row_, X86Column, QItemSelectionModel::NoUpdate);
    table_->scrollToItem(table_->item(marked_row_, X86Column), QAbstractItemView::PositionAtCenter);
    return true;
}

int TranslationListing::rowOf(uint32_t address) const {
    for (int r = 0; r < table_->rowCount(); ++r)
        if (const QTableWidgetItem* item = table_->item(r, X86Column); item && item->data(Qt::UserRole).toUInt() == address &&
                                                                       item->data(Qt::UserRole + 1).toBool())
            return r;
    return -1;
}

void TranslationListing::changeEvent(QEvent* event) {
    // A theme or presentation-mode switch: the bands are drawn from the palette.
    if (event->type() == QEvent::PaletteChange && block_) render();
    QWidget::changeEvent(event);
}

void TranslationListing::render() {
    const BlockListing& b = *block_;
    table_->setUpdatesEnabled(false);
    table_->clearSpans();
    int rows = b.prologue.size() + (b.stop_message.isEmpty() ? 0 : 1);
    for (const auto& p : b.pairs) rows += std::max<int>(1, static_cast<int>(p.arm64.size()));
    table_->setRowCount(rows);
    highlighted_row_ = -1;
    marked_row_ = -1;

    const QPalette pal = palette();
    QFont bold = table_->font();
    bold.setBold(true);
    auto put = [&](int row, int col, const QString& text, const QColor& background, int span) {
        auto* item = new QTableWidgetItem(text);
        item->setBackground(background);
        item->setTextAlignment(Qt::AlignLeft | Qt::AlignTop);
        table_->setItem(row, col, item);
        if (span > 1) table_->setSpan(row, col, span, 1);
        return item;
    };

    int row = 0;
    if (!b.prologue.isEmpty()) {
        const QColor grey = neutralBand(pal);
        const int span = static_cast<int>(b.prologue.size());
        put(row, X86Column, tr("(block entry: budget check, counters)"), grey, span);
        put(row, CountColumn, QString::number(span), grey, span);
        put(row, FlagsColumn, QString(), grey, span);
        for (const QString& line : b.prologue) put(row++, Arm64Column, line, grey, 1);
    }
    for (size_t i = 0; i < b.pairs.size(); ++i) {
        const PairedInstruction& p = b.pairs[i];
        const bool next = current_ && *current_ == p.address;
        const bool marked = marked_ && *marked_ == p.address;
        const bool current = next || marked;
        const QColor band = current ? pal.color(QPalette::Highlight) : bandColour(static_cast<int>(i), pal);
        const int span = std::max<int>(1, static_cast<int>(p.arm64.size()));
        QTableWidgetItem* x86 = put(row, X86Column, QString::fromStdString(emu::hex32(p.address)) + "  " + p.x86, band, span);
        x86->setData(Qt::UserRole, p.address);
        x86->setData(Qt::UserRole + 1, true);
        put(row, CountColumn, QString::number(p.arm64.size()), band, span);
        QStringList flags;
        if (!p.flags_computed.isEmpty()) flags << tr("computes %1").arg(p.flags_computed);
        if (!p.flags_skipped.isEmpty()) flags << tr("skips %1 (dead)").arg(p.flags_skipped);
        put(row, FlagsColumn, flags.join("; "), band, span);
        if (p.arm64.isEmpty()) put(row, Arm64Column, tr("(no code: nothing to do)"), band, 1);
        for (int k = 0; k < p.arm64.size(); ++k) put(row + k, Arm64Column, p.arm64[k], band, 1);
        if (next) highlighted_row_ = row;
        if (marked) marked_row_ = row;
        if (current) {
            for (int k = 0; k < span; ++k)
                for (int c = 0; c < table_->columnCount(); ++c)
                    if (QTableWidgetItem* item = table_->item(row + k, c)) {
                        item->setForeground(pal.color(QPalette::HighlightedText));
                        item->setFont(bold);
                    }
        }
        row += span;
    }
    if (!b.stop_message.isEmpty()) {
        put(row, X86Column, tr("stops the run: %1").arg(b.stop_message), neutralBand(pal), 1);
        table_->setSpan(row, X86Column, 1, table_->columnCount());
    }
    table_->setUpdatesEnabled(true);
    if (highlighted_row_ >= 0) table_->scrollToItem(table_->item(highlighted_row_, X86Column), QAbstractItemView::EnsureVisible);

    heading_->setText(tr("Block %1 -> AArch64 at %2: %3 x86 -> %4 AArch64 instructions (%5 per x86)%6")
                          .arg(QString::fromStdString(emu::hex32(b.guest_start)), hex(b.host_start))
                          .arg(b.pairs.size())
                          .arg(b.body_words)
                          .arg(b.expansion(), 0, 'f', 2)
                          .arg(current_ && *current_ == b.guest_start ? tr(", the next to run") : QString()));
}

}  // namespace vl::gui
