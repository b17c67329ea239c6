// A combo box of the guest programs the build produced, plus "Open..." for a file of one's own.
#pragma once

#include <QComboBox>

namespace vl::gui {

// Fills `box` with the built assets in `subdir` whose names end in one of `suffixes`
// (display name -> absolute path in the item data); `preferred` is selected when present.
void fillWithBuiltAssets(QComboBox* box, const QString& subdir, const QStringList& suffixes,
                         const QString& preferred = {});
// Asks for a file and, when one is chosen, adds and selects it.
void addChosenFile(QComboBox* box, QWidget* parent, const QString& title, const QString& filter);
// The absolute path of the selected entry ("" when the box is empty).
QString selectedPath(const QComboBox* box);

}  // namespace vl::gui
