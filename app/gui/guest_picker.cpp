#include "app/gui/guest_picker.h"

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
    auto* open = new QPushButton(tr("Open..."));
    connect(open, &QPushButton::clicked, this, &GuestPicker::chooseFile);
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(box_, 1);
    row->addWidget(open);
    addBuiltAssets(subdir, suffixes);
    if (const int i = box_->findText(preferred); i >= 0) box_->setCurrentIndex(i);
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

void GuestPicker::chooseFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Choose a guest"), QString(), file_filter_);
    if (path.isEmpty()) return;
    box_->addItem(QFileInfo(path).fileName(), path);
    box_->setCurrentIndex(box_->count() - 1);
}

}  // namespace vl::gui
