// Help > Keyboard shortcuts: a table built from the window's own menu actions, so it lists
// exactly the keys that work (no second list to fall out of date).
#pragma once

#include <QDialog>

class QMenuBar;
class QTableWidget;

namespace vl::gui {

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    explicit ShortcutsDialog(const QMenuBar* menus, QWidget* parent = nullptr);
    QTableWidget* table() const { return table_; }

private:
    QTableWidget* table_;
};

}  // namespace vl::gui
