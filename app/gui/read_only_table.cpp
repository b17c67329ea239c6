#include "app/gui/read_only_table.h"

#include <QFontDatabase>
#include <QHeaderView>

namespace vl::gui {

QTableWidget* makeReadOnlyTable(const QStringList& headers, const QString& object_name) {
    auto* table = new QTableWidget(0, static_cast<int>(headers.size()));
    if (!object_name.isEmpty()) table->setObjectName(object_name);
    table->setHorizontalHeaderLabels(headers);
    table->horizontalHeader()->setStretchLastSection(true);
    table->verticalHeader()->setVisible(false);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    table->setWordWrap(false);
    return table;
}

}  // namespace vl::gui
