#include "app/gui/rootfs_build_dialog.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

#include <filesystem>
#include <utility>

#include "containers/container_lifecycle.h"
#include "containers/image/image_build.h"
#include "containers/image/image_store.h"
#include "containers/rootfs.h"
#include "core/remove_tree.h"

namespace vl::gui {

namespace fs = std::filesystem;

namespace {

constexpr int kStagingPollMs = 100;

// A cancelled builder is reaped before all of its process group has gone: a posix_spawn child
// killed between clone and exec still holds a copy of the lock's descriptor for a moment
// (measured: 151 of 2000 kills in a spawn loop found the lock still taken right after waitpid).
// The cleanup tries again for this long, on the event loop's timer: a builder elsewhere (another
// VirtLab) may hold the lock for minutes, and the window must not freeze meanwhile.
constexpr int kDyingBuilderGraceMs = 2000;
constexpr int kLockRetryMs = 10;

// BusyboxRootfs (containers/rootfs.cpp) stages a build in "<parent>/.<name>.build-XXXXXX",
// moves a stale tree aside as ".<name>.stale-XXXXXX", and serialises builders with an flock
// on "<parent>/.<name>.lock".
std::string stagingPrefix(const fs::path& target, const char* what) {
    return "." + target.filename().string() + "." + what + "-";
}

}  // namespace

std::optional<int> RootfsBuildDialog::removeAbandonedRootfsStaging(const std::string& rootfs_dir) {
    const fs::path target(rootfs_dir);
    const fs::path lock_path = target.parent_path() / ("." + target.filename().string() + ".lock");
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return 0;  // no builder ever ran here
    std::optional<int> removed;
    // Holding the builders' lock, no build is under way: every staging directory is a dead one's.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        removed = 0;
        std::error_code ec;
        for (fs::directory_iterator it(target.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (!name.starts_with(stagingPrefix(target, "build")) && !name.starts_with(stagingPrefix(target, "stale"))) continue;
            if (removeTreeOnOneFileSystem(it->path().string()).empty()) ++*removed;
        }
    }
    ::close(fd);  // releases the lock
    return removed;
}

qint64 RootfsBuildDialog::countStagedEntries(const std::string& rootfs_dir) {
    const fs::path target(rootfs_dir);
    qint64 count = 0;
    std::error_code ec;
    for (fs::directory_iterator it(target.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->path().filename().string().starts_with(stagingPrefix(target, "build"))) continue;
        std::error_code walk;
        for (fs::recursive_directory_iterator entry(it->path(), walk), stop; !walk && entry != stop; entry.increment(walk)) ++count;
    }
    return count;
}

RootfsBuildDialog::RootfsBuildDialog(QWidget* parent) : QDialog(parent) {
    setObjectName("rootfsBuildDialog");
    setWindowTitle(tr("Build a root file system or an image"));

    rootfs_dir_ = new QLineEdit(QString::fromStdString(ct::defaultRootfsCacheDir()));
    rootfs_dir_->setObjectName("rootfsDir");
    busybox_ = new QLineEdit(QStringLiteral("/bin/busybox"));
    busybox_->setObjectName("busybox");
    busybox_->setToolTip(tr("The static busybox binary the tree is made of (Debian: busybox-static)"));
    build_rootfs_ = new QPushButton(tr("Build root file system"));
    build_rootfs_->setObjectName("buildRootfs");
    auto* rootfs_form = new QFormLayout;
    rootfs_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    rootfs_form->addRow(tr("Directory"), rootfs_dir_);
    rootfs_form->addRow(tr("busybox"), busybox_);
    rootfs_form->addRow(QString(), build_rootfs_);
    auto* rootfs_box = new QGroupBox(tr("busybox root file system (what a plain Run uses)"));
    rootfs_box->setLayout(rootfs_form);

    labfile_ = new QLineEdit;
    labfile_->setObjectName("labfile");
    labfile_->setPlaceholderText(tr("path of a Labfile (FROM, RUN, COPY, ENV, WORKDIR, CMD)"));
    auto* browse = new QPushButton(tr("Browse…"));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Labfile"));
        if (!path.isEmpty()) labfile_->setText(path);
    });
    auto* labfile_row = new QHBoxLayout;
    labfile_row->addWidget(labfile_, 1);
    labfile_row->addWidget(browse);
    context_ = new QLineEdit;
    context_->setObjectName("context");
    context_->setPlaceholderText(tr("COPY sources' directory (default: the Labfile's)"));
    image_name_ = new QLineEdit(QStringLiteral("lab/hello"));
    image_name_->setObjectName("imageName");
    build_image_ = new QPushButton(tr("Build image"));
    build_image_->setObjectName("buildImage");
    auto* image_form = new QFormLayout;
    image_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    image_form->addRow(tr("Labfile"), labfile_row);
    image_form->addRow(tr("Context"), context_);
    image_form->addRow(tr("Image name"), image_name_);
    image_form->addRow(QString(), build_image_);
    auto* image_box = new QGroupBox(tr("Image from a Labfile (virtlab image build)"));
    image_box->setLayout(image_form);

    bar_ = new QProgressBar;
    bar_->setObjectName("progress");
    bar_->setRange(0, 1);
    bar_->setValue(0);
    status_ = new QLabel(tr("Nothing is being built."));
    status_->setObjectName("status");
    status_->setWordWrap(true);
    log_ = new QPlainTextEdit;
    log_->setObjectName("log");
    log_->setReadOnly(true);
    log_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    log_->setMinimumHeight(120);
    cancel_ = new QPushButton(tr("Cancel build"));
    cancel_->setObjectName("cancel");
    cancel_->setEnabled(false);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    close->addButton(cancel_, QDialogButtonBox::ActionRole);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(rootfs_box);
    layout->addWidget(image_box);
    layout->addWidget(bar_);
    layout->addWidget(status_);
    layout->addWidget(log_, 1);
    layout->addWidget(close);
    resize(560, 520);

    staging_poll_ = new QTimer(this);
    staging_poll_->setInterval(kStagingPollMs);
    connect(staging_poll_, &QTimer::timeout, this, &RootfsBuildDialog::pollStaging);
    connect(build_rootfs_, &QPushButton::clicked, this, &RootfsBuildDialog::buildRootfs);
    connect(build_image_, &QPushButton::clicked, this, &RootfsBuildDialog::buildImage);
    connect(cancel_, &QPushButton::clicked, this, &RootfsBuildDialog::cancel);
    connect(&job_, &ChildJob::message, this, &RootfsBuildDialog::log);
    connect(&job_, &ChildJob::progress, this, [this](qint64 done, qint64 total) {
        bar_->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
        bar_->setValue(static_cast<int>(done));
        status_->setText(tr("Step %1 of %2 done…").arg(done).arg(total));
    });
    connect(&job_, &ChildJob::finished, this, &RootfsBuildDialog::onFinished);
}

void RootfsBuildDialog::log(const QString& line) { log_->appendPlainText(line); }

void RootfsBuildDialog::begin(Kind kind, const QString& what) {
    kind_ = kind;
    build_rootfs_->setEnabled(false);
    build_image_->setEnabled(false);
    cancel_->setEnabled(true);
    bar_->setRange(0, 0);  // busy until the first progress report
    status_->setText(what);
    log(what);
}

void RootfsBuildDialog::buildRootfs() {
    if (job_.isRunning()) return;
    const std::string dir = rootfs_dir_->text().trimmed().toStdString();
    const std::string busybox = busybox_->text().trimmed().toStdString();
    if (dir.empty() || dir.front() != '/') {
        status_->setText(tr("The directory must be an absolute path."));
        return;
    }
    rootfs_target_ = dir;
    const bool started = job_.start([dir, busybox](const auto& report) {
        const bool built = ct::BusyboxRootfs(dir, busybox).ensure();
        report(built ? "message built " + dir : "message " + dir + " is already current: nothing to build");
        return 0;
    });
    if (!started) {
        status_->setText(tr("Cannot start the build: %1").arg(job_.lastError()));
        return;
    }
    begin(Kind::Rootfs, tr("Building the busybox root file system in %1…").arg(QString::fromStdString(dir)));
    staging_poll_->start();
}

void RootfsBuildDialog::buildImage() {
    if (job_.isRunning()) return;
    ct::image::BuildRequest request;
    request.labfile = labfile_->text().trimmed().toStdString();
    request.name = image_name_->text().trimmed().toStdString();
    request.context = context_->text().trimmed().toStdString();
    if (request.labfile.empty() || !QFileInfo(labfile_->text().trimmed()).isFile()) {
        status_->setText(tr("Choose a Labfile first (%1 is not a file).").arg(labfile_->text().trimmed()));
        return;
    }
    try {
        ct::image::validateImageName(request.name);
    } catch (const std::exception& e) {
        status_->setText(QString::fromStdString(e.what()));
        return;
    }
    const bool started = job_.start([request](const auto& report) {
        // The child is single-threaded, so it can have a mount namespace of its own: the
        // layer mounts of RUN steps then vanish with it, even when Cancel kills it.
        ct::enterPrivateMountNamespace();
        const auto result = ct::image::buildImage(ct::image::ImageStore(), request, [&](const ct::image::BuildStepReport& step) {
            std::string line = "message Step " + std::to_string(step.index) + "/" + std::to_string(step.total) + " : " + step.text;
            line += step.cache_hit ? " (cache hit)" : step.layer.empty() ? " (no layer)" : " (new layer " + step.layer.substr(0, 12) + ")";
            report(line);
            report("progress " + std::to_string(step.index) + " " + std::to_string(step.total));
        });
        report("message built image " + result.image.name + " with " + std::to_string(result.image.layers.size()) + " layers");
        return 0;
    });
    if (!started) {
        status_->setText(tr("Cannot start the build: %1").arg(job_.lastError()));
        return;
    }
    begin(Kind::Image, tr("Building image %1 from %2…").arg(image_name_->text().trimmed(), labfile_->text().trimmed()));
}

void RootfsBuildDialog::cancel() {
    if (!job_.isRunning()) return;
    status_->setText(tr("Cancelling…"));
    job_.cancel();
}

void RootfsBuildDialog::pollStaging() {
    const qint64 staged = countStagedEntries(rootfs_target_);
    if (staged > 0) status_->setText(tr("Building: %1 files and links written…").arg(staged));
}

void RootfsBuildDialog::onFinished(int exit_status, const QString& error, bool cancelled) {
    staging_poll_->stop();
    const Kind kind = std::exchange(kind_, Kind::None);
    if (cancelled || exit_status != 0) {
        // Remove what the dead builder was making. The published tree or image is untouched:
        // both builders make it visible only by one rename of a finished directory.
        if (kind == Kind::Rootfs) {
            ending_ = {exit_status, error, cancelled};
            cleanup_clock_.start();
            cleanUpRootfsStagingThenFinish();
            return;
        }
        if (kind == Kind::Image) {
            try {
                ct::image::ImageStore store;
                { ct::image::ImageStore::WriteLock lock(store); }  // clears staging left by killed writers
                const auto gc = ct::collectGarbage();               // a RUN step's container, if one ran
                for (const auto& line : gc.removed) log(tr("removed %1").arg(QString::fromStdString(line)));
            } catch (const std::exception& e) {
                log(tr("cleaning up after the build: %1").arg(QString::fromStdString(e.what())));
            }
        }
    }
    finish(exit_status, error, cancelled);
}

void RootfsBuildDialog::cleanUpRootfsStagingThenFinish() {
    const std::optional<int> removed = removeAbandonedRootfsStaging(rootfs_target_);
    if (!removed && cleanup_clock_.elapsed() < kDyingBuilderGraceMs) {
        QTimer::singleShot(kLockRetryMs, this, &RootfsBuildDialog::cleanUpRootfsStagingThenFinish);
        return;
    }
    if (!removed) log(tr("another build holds the lock of %1: its staging is its own").arg(QString::fromStdString(rootfs_target_)));
    else if (*removed > 0) log(tr("removed %1 half-built staging director%2").arg(*removed).arg(*removed == 1 ? "y" : "ies"));
    finish(ending_.exit_status, ending_.error, ending_.cancelled);
}

void RootfsBuildDialog::finish(int exit_status, const QString& error, bool cancelled) {
    bar_->setRange(0, 1);
    bar_->setValue(cancelled || exit_status != 0 ? 0 : 1);
    build_rootfs_->setEnabled(true);
    build_image_->setEnabled(true);
    cancel_->setEnabled(false);
    QString text;
    if (cancelled) text = tr("Cancelled. Nothing half-built was left behind.");
    else if (exit_status != 0) text = tr("The build failed: %1").arg(error);
    else text = tr("Done.");
    status_->setText(text);
    log(text);
    emit buildFinished(!cancelled && exit_status == 0, cancelled ? QString() : error, cancelled);
}

void RootfsBuildDialog::reject() {
    cancel();
    QDialog::reject();
}

}  // namespace vl::gui
