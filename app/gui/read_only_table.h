// The tables of figures every pane shows: read, never edited or selected, in a fixed-width font
// so that numbers and instructions line up. Callers choose how the columns share the width.
#pragma once

#include <QStringList>
#include <QTableWidget>

namespace vl::gui {

QTableWidget* makeReadOnlyTable(const QStringList& headers, const QString& object_name = {});

}  // namespace vl::gui
