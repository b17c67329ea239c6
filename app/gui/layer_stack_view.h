// The union file system under a container's root, layer by layer, top first, the way overlayfs
// stacks it (Documentation/filesystems/overlayfs.rst): the writable upper directory (the
// container's own tmpfs, thrown away with it), then each read-only lower directory with what
// it adds -- its files, directories and links -- and what it deletes (whiteouts) or hides
// (opaque directories). The stack of the busybox root file system a plain Run uses, or of any
// image in the store (virtlab image ls).
#pragma once

#include <QWidget>

#include <string>
#include <vector>

#include "containers/image/image_store.h"

class QComboBox;
class QLabel;
class QTreeWidget;

namespace vl::gui {

// What one layer directory holds (symlinks are counted, never followed).
struct LayerContents {
    uint64_t files = 0, directories = 0, links = 0, others = 0, bytes = 0;
    std::vector<std::string> top_level;  // sorted names of the entries at the layer's root
    bool truncated = false;              // stopped counting at kMaxEntries
    static constexpr uint64_t kMaxEntries = 50000;
};
LayerContents summarizeLayer(const std::string& dir);

class LayerStackView : public QWidget {
    Q_OBJECT
public:
    explicit LayerStackView(QWidget* parent = nullptr);

    // The choice a Run uses: "" for the busybox root file system, else an image name.
    QString selectedImage() const;
    QComboBox* imageBox() const { return image_box_; }
    QTreeWidget* tree() const { return tree_; }

    // Re-reads the image store's list (keeps the selection when it still exists).
    void refreshImages();
    // Shows the busybox root file system `rootfs_dir` under the container's tmpfs upper.
    void showBusyboxStack(const std::string& rootfs_dir, const std::string& mount_mode);
    // Shows a stored image's layers under the container's tmpfs upper.
    void showImageStack(const ct::image::ResolvedImage& image);

signals:
    void imageChosen(const QString& image);

private:
    void showSelected();
    void fitColumns();
    void addUpper(const QString& how);
    void addLower(int position, const QString& title, const std::string& dir,
                  const std::vector<ct::image::WhiteoutEntry>& whiteouts);

    QComboBox* image_box_;
    QLabel* summary_;
    QTreeWidget* tree_;
};

}  // namespace vl::gui
