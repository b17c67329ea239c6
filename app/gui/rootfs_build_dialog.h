// Building what containers run on, with progress and Cancel (issue 7's "long work"): the
// busybox root file system (containers/rootfs.h) or an image from a Labfile
// (containers/image/image_build.h, step by step with Docker's cache rule). Each build runs in
// a ChildJob, so Cancel stops it at once, wherever it is; then the half-made parts are removed
// -- the root file system's staging directory, the image store's staging, a RUN step's
// container (container gc) -- and nothing half-built is ever visible: both builders publish
// only by rename(2) of a finished tree.
#pragma once

#include <QDialog>
#include <QElapsedTimer>

#include <optional>
#include <string>

#include "app/gui/child_job.h"

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTimer;

namespace vl::gui {

class RootfsBuildDialog : public QDialog {
    Q_OBJECT
public:
    explicit RootfsBuildDialog(QWidget* parent = nullptr);

    QLineEdit* rootfsDirEdit() const { return rootfs_dir_; }
    QLineEdit* busyboxEdit() const { return busybox_; }
    QLineEdit* labfileEdit() const { return labfile_; }
    QLineEdit* imageNameEdit() const { return image_name_; }
    QPushButton* rootfsButton() const { return build_rootfs_; }
    QPushButton* imageButton() const { return build_image_; }
    QPushButton* cancelButton() const { return cancel_; }
    QProgressBar* progressBar() const { return bar_; }
    QLabel* statusLabel() const { return status_; }
    QPlainTextEdit* logView() const { return log_; }
    bool isBuilding() const { return job_.isRunning(); }

    // Removes what a killed builder of `rootfs_dir` left: its ".NAME.build-*" staging
    // directories, under the builder's own lock (so never a live build's). Returns how many,
    // or nullopt while a builder holds the lock.
    static std::optional<int> removeAbandonedRootfsStaging(const std::string& rootfs_dir);
    // The entries written so far into `rootfs_dir`'s staging directories (a build's progress).
    static qint64 countStagedEntries(const std::string& rootfs_dir);

public slots:
    void buildRootfs();
    void buildImage();
    void cancel();

signals:
    // After every build, successful or not; `error` is empty on success.
    void buildFinished(bool ok, const QString& error, bool cancelled);

protected:
    void reject() override;  // closing the dialog cancels a build

private:
    enum class Kind { None, Rootfs, Image };
    void begin(Kind kind, const QString& what);
    void onFinished(int exit_status, const QString& error, bool cancelled);
    void cleanUpRootfsStagingThenFinish();
    void finish(int exit_status, const QString& error, bool cancelled);
    void pollStaging();
    void log(const QString& line);

    ChildJob job_;
    Kind kind_ = Kind::None;
    std::string rootfs_target_;
    struct Ending {
        int exit_status = 0;
        QString error;
        bool cancelled = false;
    } ending_;                    // a failed rootfs build's, kept while its staging is cleaned up
    QElapsedTimer cleanup_clock_;  // since that cleanup began
    QTimer* staging_poll_;
    QLineEdit* rootfs_dir_;
    QLineEdit* busybox_;
    QLineEdit* labfile_;
    QLineEdit* context_;
    QLineEdit* image_name_;
    QPushButton* build_rootfs_;
    QPushButton* build_image_;
    QPushButton* cancel_;
    QProgressBar* bar_;
    QLabel* status_;
    QPlainTextEdit* log_;
};

}  // namespace vl::gui
