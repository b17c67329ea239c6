#include "app/gui/layer_stack_view.h"

#include <sys/stat.h>

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <filesystem>

#include "app/gui/cgroup_gauges.h"
#include "containers/rootfs.h"

namespace vl::gui {

namespace fs = std::filesystem;

namespace {

enum Column { kLayer, kAdds, kDirectory, kColumns };
constexpr size_t kTopLevelShown = 12;
constexpr int kMaxAddsColumnPx = 360;

QString joinNames(const std::vector<std::string>& names) {
    QStringList out;
    for (size_t i = 0; i < names.size() && i < kTopLevelShown; ++i) out << QString::fromStdString(names[i]);
    if (names.size() > kTopLevelShown) out << QObject::tr("… %1 more").arg(names.size() - kTopLevelShown);
    return out.join(QStringLiteral(", "));
}

}  // namespace

LayerContents summarizeLayer(const std::string& dir) {
    LayerContents c;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) c.top_level.push_back(it->path().filename().string());
    std::sort(c.top_level.begin(), c.top_level.end());
    // recursive_directory_iterator does not follow directory symlinks unless asked to.
    uint64_t seen = 0;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (++seen > LayerContents::kMaxEntries) {
            c.truncated = true;
            break;
        }
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0) continue;
        if (S_ISREG(st.st_mode)) {
            ++c.files;
            c.bytes += static_cast<uint64_t>(st.st_size);
        } else if (S_ISDIR(st.st_mode)) ++c.directories;
        else if (S_ISLNK(st.st_mode)) ++c.links;
        else ++c.others;  // device nodes, fifos -- and whiteouts, listed on their own
    }
    return c;
}

LayerStackView::LayerStackView(QWidget* parent) : QWidget(parent) {
    setObjectName("layerStack");
    image_box_ = new QComboBox;
    image_box_->setObjectName("image");
    image_box_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    image_box_->setMinimumContentsLength(16);
    summary_ = new QLabel;
    summary_->setObjectName("layerSummary");
    summary_->setWordWrap(true);
    tree_ = new QTreeWidget;
    tree_->setObjectName("layers");
    tree_->setColumnCount(kColumns);
    tree_->setHeaderLabels({tr("Layer (top first)"), tr("What it adds or removes"), tr("Directory")});
    tree_->header()->setSectionResizeMode(kLayer, QHeaderView::ResizeToContents);
    tree_->header()->setSectionResizeMode(kAdds, QHeaderView::Interactive);
    tree_->header()->setStretchLastSection(true);
    tree_->setWordWrap(false);
    tree_->setUniformRowHeights(true);

    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Root file system")));
    row->addWidget(image_box_, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(row);
    layout->addWidget(summary_);
    layout->addWidget(tree_, 1);

    refreshImages();
    connect(image_box_, &QComboBox::currentIndexChanged, this, [this] {
        showSelected();
        emit imageChosen(selectedImage());
    });
    showSelected();
}

QString LayerStackView::selectedImage() const { return image_box_->currentData().toString(); }

void LayerStackView::refreshImages() {
    const QString keep = selectedImage();
    const QSignalBlocker quiet(image_box_);
    image_box_->clear();
    image_box_->addItem(tr("busybox (built in)"), QString());
    try {
        // Reading the list must not create the store (ImageStore's writers do that).
        if (fs::exists(ct::image::defaultImageStoreDir()))
            for (const auto& record : ct::image::ImageStore().list()) {
                const QString name = QString::fromStdString(record.name);
                image_box_->addItem(tr("image %1").arg(name), name);
            }
    } catch (const std::exception& e) {
        summary_->setText(tr("The image store cannot be read: %1").arg(QString::fromStdString(e.what())));
    }
    const int index = image_box_->findData(keep);
    image_box_->setCurrentIndex(index >= 0 ? index : 0);
}

void LayerStackView::showSelected() {
    const QString image = selectedImage();
    if (image.isEmpty()) {
        showBusyboxStack(ct::defaultRootfsCacheDir(), "overlay");
        return;
    }
    try {
        showImageStack(ct::image::ImageStore().resolve(image.toStdString()));
    } catch (const std::exception& e) {
        tree_->clear();
        summary_->setText(tr("Cannot show image %1: %2").arg(image, QString::fromStdString(e.what())));
    }
}

void LayerStackView::fitColumns() {
    // The list of a layer's top-level names can be long: it is elided (and whole in the
    // tooltip) rather than pushing the directory column out of sight.
    tree_->resizeColumnToContents(kAdds);
    tree_->setColumnWidth(kAdds, std::min(tree_->columnWidth(kAdds), kMaxAddsColumnPx));
}

void LayerStackView::addUpper(const QString& how) {
    auto* upper = new QTreeWidgetItem(tree_);
    upper->setText(kLayer, tr("upper (read-write)"));
    upper->setText(kAdds, how);
    upper->setText(kDirectory, tr("tmpfs, per container"));
    upper->setToolTip(kAdds, tr("Writes land here (copy-up: a changed file is first copied up whole); "
                                "a deletion becomes a whiteout here. It is thrown away with the container."));
}

void LayerStackView::addLower(int position, const QString& title, const std::string& dir,
                              const std::vector<ct::image::WhiteoutEntry>& whiteouts) {
    const LayerContents c = summarizeLayer(dir);
    auto* item = new QTreeWidgetItem(tree_);
    item->setText(kLayer, QStringLiteral("%1. %2").arg(position).arg(title));
    QString adds = tr("%1 files (%2), %3 dirs, %4 links%5")
                       .arg(c.files)
                       .arg(CgroupGauges::formatBytes(c.bytes))
                       .arg(c.directories)
                       .arg(c.links)
                       .arg(c.truncated ? tr(", counted up to %1 entries").arg(LayerContents::kMaxEntries) : QString());
    if (!whiteouts.empty()) adds += tr("; removes %1").arg(whiteouts.size());
    item->setText(kAdds, adds);
    item->setText(kDirectory, QString::fromStdString(dir));
    item->setToolTip(kDirectory, QString::fromStdString(dir));
    if (!c.top_level.empty()) {
        auto* top = new QTreeWidgetItem(item);
        top->setText(kLayer, tr("adds"));
        top->setText(kAdds, joinNames(c.top_level));
        top->setToolTip(kAdds, joinNames(c.top_level));
    }
    for (const auto& w : whiteouts) {
        auto* out = new QTreeWidgetItem(item);
        out->setText(kLayer, w.opaque ? tr("opaque dir") : tr("whiteout"));
        out->setText(kAdds, w.opaque ? tr("%1/ hides everything below it").arg(QString::fromStdString(w.path))
                                     : tr("deletes %1").arg(QString::fromStdString(w.path)));
    }
    item->setExpanded(true);
}

void LayerStackView::showBusyboxStack(const std::string& rootfs_dir, const std::string& mount_mode) {
    tree_->clear();
    const bool overlay = mount_mode == "overlay";
    if (overlay) addUpper(tr("this container's writes"));
    std::error_code ec;
    if (!fs::exists(rootfs_dir, ec)) {
        summary_->setText(tr("The busybox root file system is not built yet (%1). Run builds it, "
                             "or use Build root file system…").arg(QString::fromStdString(rootfs_dir)));
        return;
    }
    addLower(1, tr("busybox root file system"), rootfs_dir, {});
    summary_->setText(overlay ? tr("overlay: one read-only lower directory, the upper one on the container's tmpfs")
                              : tr("%1: no union, nothing can be written").arg(QString::fromStdString(mount_mode)));
    summary_->setToolTip(overlay ? QStringLiteral("lowerdir=") + QString::fromStdString(rootfs_dir) : QString::fromStdString(rootfs_dir));
    fitColumns();
}

void LayerStackView::showImageStack(const ct::image::ResolvedImage& image) {
    tree_->clear();
    addUpper(tr("this container's writes"));
    const int count = static_cast<int>(image.layers.size());
    // layers are bottom first; overlayfs lists (and the view shows) the top first.
    for (int i = count - 1; i >= 0; --i) {
        const auto& layer = image.layers[static_cast<size_t>(i)];
        addLower(count - i, tr("layer %1").arg(QString::fromStdString(layer.id.substr(0, 12))), layer.dir, layer.whiteouts);
    }
    QStringList lower;
    for (const auto& d : image.lower_dirs) lower << QString::fromStdString(d);
    // The lowerdir= option itself is long and unbreakable: in the tooltip, not the layout.
    summary_->setText(tr("image %1: %2 read-only layers under the container's upper directory").arg(QString::fromStdString(image.name)).arg(count));
    summary_->setToolTip(QStringLiteral("lowerdir=") + lower.join(':'));
    fitColumns();
}

}  // namespace vl::gui
