#include "app/gui/guest_picker.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>

#include "core/assets.h"

namespace vl::gui {

void fillWithBuiltAssets(QComboBox* box, const QString& subdir, const QStringList& suffixes, const QString& preferred) {
    QString dir;
    try {
        dir = QString::fromStdString(vl::builtAsset(subdir.toStdString()));
    } catch (const std::exception&) {
        return;  // nothing built there: the box stays empty and "Open..." still works
    }
    const auto entries = QDir(dir).entryInfoList(QDir::Files, QDir::Name);
    for (const QFileInfo& info : entries) {
        const bool wanted = std::any_of(suffixes.begin(), suffixes.end(),
                                        [&](const QString& s) { return info.fileName().endsWith(s); });
        if (wanted) box->addItem(subdir + '/' + info.fileName(), info.absoluteFilePath());
    }
    if (const int i = box->findText(preferred); i >= 0) box->setCurrentIndex(i);
}

void addChosenFile(QComboBox* box, QWidget* parent, const QString& title, const QString& filter) {
    const QString path = QFileDialog::getOpenFileName(parent, title, QString(), filter);
    if (path.isEmpty()) return;
    box->addItem(QFileInfo(path).fileName(), path);
    box->setCurrentIndex(box->count() - 1);
}

QString selectedPath(const QComboBox* box) { return box->currentData().toString(); }

}  // namespace vl::gui
