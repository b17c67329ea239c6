// One translated block as Compiler Explorer shows a compilation: each x86 instruction beside
// the AArch64 instructions it became, the pair in one colour band, with how many host
// instructions it took and which flags it computed or skipped as dead. The instruction the
// translated code will run next is highlighted in both columns.
#pragma once

#include <QWidget>

#include <memory>
#include <optional>

#include "app/gui/dbt_inspection.h"

class QLabel;
class QTableWidget;

namespace vl::gui {

class TranslationListing : public QWidget {
    Q_OBJECT
public:
    enum Column { X86Column, Arm64Column, CountColumn, FlagsColumn };

    explicit TranslationListing(QWidget* parent = nullptr);

    // Shows `block`; the pair at guest address `current` (the next to run) is highlighted.
    void showBlock(std::shared_ptr<const BlockListing> block, std::optional<uint32_t> current);
    // Nothing to show, and why ("choose the translator and run or step").
    void showNothing(const QString& why);

    QTableWidget* table() const { return table_; }
    QLabel* heading() const { return heading_; }
    const BlockListing* block() const { return block_.get(); }
    // The table's first row for the x86 instruction at `address` (-1 when it is not shown).
    int rowOf(uint32_t address) const;
    // The first row of the highlighted pair (-1 when none is).
    int highlightedRow() const { return highlighted_row_; }
    // A lesson pointing at the pair for guest address `address` in the shown block: drawn as
    // the next-to-run pair is, made current and scrolled to. False when it is not shown.
    bool markInstruction(uint32_t address);
    int markedRow() const { return marked_row_; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void render();

    QLabel* heading_;
    QTableWidget* table_;
    std::shared_ptr<const BlockListing> block_;
    std::optional<uint32_t> current_;
    std::optional<uint32_t> marked_;
    int highlighted_row_ = -1;
    int marked_row_ = -1;
};

}  // namespace vl::gui
