#include "app/gui/cost_model_editor.h"

#include <QHeaderView>
#include <QLocale>

namespace vl::gui {

namespace {
constexpr int kValueColumn = 1;
}  // namespace

CostModelEditor::CostModelEditor(QWidget* parent) : QTableWidget(parent) {
    setObjectName("costModel");
    setColumnCount(3);
    setHorizontalHeaderLabels({tr("Cost parameter"), tr("Cycles"), tr("Source")});
    verticalHeader()->setVisible(false);
    horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    horizontalHeader()->setStretchLastSection(true);
    setWordWrap(false);
    setToolTip(tr("Double-click a number to change it; the modeled cycles are recomputed from the run's counts."));
    fill();
    connect(this, &QTableWidget::itemChanged, this, &CostModelEditor::edited);
}

void CostModelEditor::fill() {
    filling_ = true;
    const auto parameters = model_.parameters();
    setRowCount(static_cast<int>(parameters.size()));
    for (int r = 0; r < rowCount(); ++r) {
        const auto& p = parameters[static_cast<size_t>(r)];
        const QString name = QString::fromStdString(p.name), source = QString::fromStdString(p.source);
        auto* label = new QTableWidgetItem(name);
        label->setFlags(Qt::ItemIsEnabled);
        label->setToolTip(source);
        auto* value = new QTableWidgetItem(QString::number(p.value));
        value->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        value->setFlags(Qt::ItemIsEnabled | Qt::ItemIsEditable | Qt::ItemIsSelectable);
        value->setToolTip(source);
        auto* from = new QTableWidgetItem(source);
        from->setFlags(Qt::ItemIsEnabled);
        from->setToolTip(source);
        setItem(r, 0, label);
        setItem(r, kValueColumn, value);
        setItem(r, 2, from);
    }
    filling_ = false;
}

int CostModelEditor::rowOf(const QString& name) const {
    for (int r = 0; r < rowCount(); ++r)
        if (item(r, 0)->text() == name) return r;
    return -1;
}

void CostModelEditor::showValue(const QString& name, uint64_t value) {
    // Changes the cell's text in place: this runs inside the cell's own itemChanged signal,
    // where replacing the item would delete it under the caller.
    filling_ = true;
    item(rowOf(name), kValueColumn)->setText(QString::number(value));
    filling_ = false;
}

bool CostModelEditor::setParameter(const QString& name, uint64_t value) {
    if (!model_.set(name.toStdString(), value)) return false;
    showValue(name, value);
    emit costModelChanged(model_);
    return true;
}

void CostModelEditor::edited(QTableWidgetItem* changed) {
    if (filling_ || changed->column() != kValueColumn) return;
    const QString name = item(changed->row(), 0)->text();
    bool ok = false;
    const qulonglong value = QLocale::c().toULongLong(changed->text().trimmed().remove(','), &ok);
    if (!ok) {
        const QString message = tr("%1 must be a whole number of cycles, not '%2'").arg(name, changed->text());
        showValue(name, model_.get(name.toStdString()).value_or(0));  // back to the value in force
        emit rejected(message);
        return;
    }
    setParameter(name, value);
}

}  // namespace vl::gui
