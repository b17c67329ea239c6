#include "app/gui/guest_picker.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QPushButton>

#include <algorithm>

#include "core/assets.h"

namespace vl::gui {

GuestPicker::GuestPicker(const QString& subdir, const QStringList& suffixes, const QString& preferred,
                         const QString& file_filter, QWidget* parent)
    : QWidget(parent), box_(new QComboBox), file_filter_(file_filter) {
    // Sized by the longest name listed, the box would push the form's label out of a narrow
    // pane: it shows what fits, names the whole choice in its tooltip, and its list opens wide.
    box_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    box_->setMinimumContentsLength(12);
    connect(box_, &QComboBox::currentIndexChanged, this, [this] { box_->setToolTip(box_->currentText()); });
    auto* open = new QPushButton(tr("Open..."));
    connect(open, &QPushButton::clicked, this, &GuestPicker::chooseFile);
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(box_, 1);
    row->addWidget(open);
    addBuiltAssets(subdir, suffixes);
    if (const int i = box_->findText(preferred); i >= 0) box_->setCurrentIndex(i);
}

void GuestPicker::showEvent(QShowEvent* event) {
    box_->view()->setMinimumWidth(box_->view()->sizeHintForColumn(0) + 24);  // the entries as they are now
    QWidget::showEvent(event);
}

void GuestPicker::addBuiltAssets(const QString& subdir, const QStringList& suffixes) {
    QString dir;
    try {
        dir = QString::fromStdString(vl::builtAsset(subdir.toStdString()));
    } catch (const std::exception&) {
        return;  // nothing built there: the list stays shorter and "Open..." still works
    }
    for (const QFileInfo& info : QDir(dir).entryInfoList(QDir::Files, QDir::Name)) {
        const bool wanted = std::any_of(suffixes.begin(), suffixes.end(),
                                        [&](const QString& s) { return info.fileName().endsWith(s); });
        if (wanted) box_->addItem(subdir + '/' + info.fileName(), info.absoluteFilePath());
    }
}

QString GuestPicker::selectedPath() const { return box_->currentData().toString(); }

bool GuestPicker::selectBuilt(const QString& name) {
    const int i = box_->findText(name);
    if (i >= 0) box_->setCurrentIndex(i);
    return i >= 0;
}

void GuestPicker::selectFile(const QString& path, const QString& label) {
    int i = box_->findData(path);
    if (i < 0) {
        box_->addItem(label, path);
        i = box_->count() - 1;
    }
    box_->setCurrentIndex(i);
}

void GuestPicker::chooseFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Choose a guest"), QString(), file_filter_);
    if (!path.isEmpty()) selectFile(path, QFileInfo(path).fileName());
}

}  // namespace vl::gui
