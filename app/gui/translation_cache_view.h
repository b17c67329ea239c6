// The translator's code cache as a table: every translated block (guest address, size on each
// side, expansion), the direct branches chained block to block inside Unicorn, and the cache's
// totals -- lookups that hit, chains patched, flushes, invalidations. Choosing a block shows
// its translation.
#pragma once

#include <QWidget>

#include <cstdint>

#include "app/gui/dbt_inspection.h"
#include "core/engine.h"

class QLabel;
class QTableWidget;

namespace vl::gui {

class TranslationCacheView : public QWidget {
    Q_OBJECT
public:
    enum Column { BlockColumn, X86Column, Arm64Column, ExpansionColumn, ChainedToColumn, ChainedFromColumn, HitsColumn };

    explicit TranslationCacheView(QWidget* parent = nullptr);

    void showCache(const DbtInspection& inspection, const Counters& counters);
    void showNothing(const QString& why);

    QTableWidget* table() const { return table_; }
    QLabel* summary() const { return summary_; }
    // The row of the block at `guest` (-1 when it is not in the cache).
    int rowOf(uint32_t guest) const;

signals:
    void blockChosen(uint32_t guest_start);

private:
    QLabel* summary_;
    QTableWidget* table_;
};

}  // namespace vl::gui
