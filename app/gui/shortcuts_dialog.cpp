#include "app/gui/shortcuts_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QVBoxLayout>

namespace vl::gui {

namespace {

void collect(const QMenu* menu, std::vector<std::pair<QString, QString>>& rows) {
    for (QAction* action : menu->actions()) {
        if (action->menu()) collect(action->menu(), rows);
        else if (!action->shortcut().isEmpty())
            rows.emplace_back(action->shortcut().toString(QKeySequence::NativeText),
                              QString(action->text()).remove('&').remove("..."));
    }
}

}  // namespace

ShortcutsDialog::ShortcutsDialog(const QMenuBar* menus, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Keyboard shortcuts"));
    setObjectName("shortcutsDialog");
    std::vector<std::pair<QString, QString>> rows;
    for (QAction* action : menus->actions())
        if (action->menu()) collect(action->menu(), rows);

    table_ = new QTableWidget(static_cast<int>(rows.size()), 2);
    table_->setObjectName("shortcutsTable");
    table_->setHorizontalHeaderLabels({tr("Keys"), tr("What it does")});
    table_->verticalHeader()->setVisible(false);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->horizontalHeader()->setStretchLastSection(true);
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        auto* keys = new QTableWidgetItem(rows[static_cast<size_t>(r)].first);
        QFont bold = keys->font();
        bold.setBold(true);
        keys->setFont(bold);
        table_->setItem(r, 0, keys);
        table_->setItem(r, 1, new QTableWidgetItem(rows[static_cast<size_t>(r)].second));
    }
    table_->resizeColumnToContents(0);

    auto* note = new QLabel(tr("Run, Step, Pause and Reset act on the active pane: the one you last clicked into; "
                               "the x86 and AArch64 instruction steps act on the Emulation pane's translator. "
                               "The keys follow the debuggers' convention (Visual Studio, Qt Creator)."));
    note->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(note);
    layout->addWidget(table_, 1);
    layout->addWidget(buttons);
    resize(560, 420);
}

}  // namespace vl::gui
