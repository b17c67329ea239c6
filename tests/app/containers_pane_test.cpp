// The Containers pane driven as a student would: run a real container from it and check that
// what the views show is what the kernel says -- the namespace table's inodes against
// /proc/<pid>/ns, the timeline against the run's phases, the gauges against the limit that was
// set, the network view against the veth the run had -- and that exec into the running
// container answers in the terminal. The build dialog's Cancel leaves nothing half-built.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <QApplication>
#include <QComboBox>
#include <QImage>
#include <QSet>
#include <QTabWidget>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include <filesystem>
#include <fstream>

#include "app/gui/cgroup_gauges.h"
#include "app/gui/container_probe.h"
#include "app/gui/container_terminal.h"
#include "app/gui/containers_pane.h"
#include "app/gui/layer_stack_view.h"
#include "app/gui/namespace_table.h"
#include "app/gui/network_view.h"
#include "app/gui/phase_timeline.h"
#include "app/gui/rootfs_build_dialog.h"
#include "app/gui/theme.h"
#include "containers/container_state.h"
#include "containers/image/image_store.h"
#include "containers/rootfs.h"
#include "core/temp_dir.h"
#include "tests/containers/residue.h"
#include "tests/app/pane_test_support.h"

namespace {

// Removes a test's image from the store on every path out of the test.
struct RemoveImageAtEnd {
    std::string name;
    ~RemoveImageAtEnd() {
        try {
            vl::ct::image::ImageStore().remove(name);
        } catch (...) {
        }
    }
};

namespace fs = std::filesystem;
using vl::gui::ContainersPane;

bool isRoot() { return ::geteuid() == 0; }

using vl::test::tableValue;

uint64_t inodeOf(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_ino) : 0;
}

// Clicks Run and waits for the container's command to be running.
QString runUntilStarted(ContainersPane& pane) {
    QSignalSpy started(&pane, &ContainersPane::containerStarted);
    QTest::mouseClick(pane.runButton(), Qt::LeftButton);
    if (!started.wait(30000)) return {};
    return started.first().first().toString();
}

TEST(ContainersPane, ShowsTheNamespacesPidMappingTimelineGaugesAndExecOfARealContainer) {
    if (!isRoot()) GTEST_SKIP() << "containers need root";
    ContainersPane pane;
    pane.resize(900, 800);
    pane.show();
    pane.commandEdit()->setText("sleep 30");
    pane.hostnameEdit()->setText("panetest");
    pane.memoryBox()->setValue(48);
    pane.pidsBox()->setValue(20);
    pane.cpusBox()->setValue(0.5);
    pane.terminal()->setVirtlabExecutable(VIRTLAB_EXE);

    const QString id = runUntilStarted(pane);
    ASSERT_FALSE(id.isEmpty()) << "the container never reported running: " << pane.statusLabel()->text().toStdString();
    EXPECT_EQ(id, pane.containerId());

    // Wait for a live sample that has the namespaces, then compare with what the kernel says.
    auto* table = pane.namespaceTable()->table();
    for (int i = 0; i < 100 && table->rowCount() == 0; ++i) QTest::qWait(50);
    const auto live = vl::gui::probeContainer(id.toStdString());
    ASSERT_TRUE(live && live->host_pid > 0);
    ASSERT_EQ(table->rowCount(), 6);
    for (int r = 0; r < table->rowCount(); ++r) {
        const std::string name = table->item(r, 0)->text().toStdString();
        const uint64_t host = inodeOf("/proc/self/ns/" + name);
        const uint64_t inside = inodeOf("/proc/" + std::to_string(live->host_pid) + "/ns/" + name);
        ASSERT_NE(inside, 0u) << name;
        EXPECT_EQ(table->item(r, 1)->text().toULongLong(), host) << name;
        EXPECT_EQ(table->item(r, 2)->text().toULongLong(), inside) << name;
        EXPECT_NE(host, inside) << name << ": every namespace of the container is its own";
    }
    EXPECT_TRUE(pane.namespaceTable()->pidLabel()->text().contains(QString::number(live->host_pid)))
        << pane.namespaceTable()->pidLabel()->text().toStdString();

    // The gauges show the limit that was set, read back from the live cgroup.
    for (int i = 0; i < 100 && pane.gauges()->sampleCount() == 0; ++i) QTest::qWait(50);
    EXPECT_GT(pane.gauges()->sampleCount(), 0);
    EXPECT_TRUE(pane.gauges()->memoryLabel()->text().contains("limit 48.0 MiB")) << pane.gauges()->memoryLabel()->text().toStdString();
    EXPECT_EQ(pane.gauges()->memoryBar()->maximum(), 48 * 1024);
    EXPECT_GT(pane.gauges()->memoryBar()->value(), 0) << "a running shell uses some memory";
    EXPECT_TRUE(pane.gauges()->pidsLabel()->text().contains("limit 20")) << pane.gauges()->pidsLabel()->text().toStdString();
    EXPECT_TRUE(pane.gauges()->cpuLabel()->text().contains("quota 50% of a core")) << pane.gauges()->cpuLabel()->text().toStdString();

    // exec into the running container: the answer comes from inside (its hostname, and the
    // shell is not pid 1 there: the sleep is).
    auto* terminal = pane.terminal();
    ASSERT_TRUE(terminal->input()->isEnabled());
    QSignalSpy exec_done(terminal, &vl::gui::ContainerTerminal::execFinished);
    QTest::keyClicks(terminal->input(), "hostname; cat /proc/1/comm");
    QTest::keyClick(terminal->input(), Qt::Key_Return);
    ASSERT_TRUE(exec_done.wait(20000));
    EXPECT_EQ(exec_done.first().first().toInt(), 0) << terminal->screen()->toPlainText().toStdString();
    const QString screen = terminal->screen()->toPlainText();
    EXPECT_TRUE(screen.contains("panetest\nsleep")) << screen.toStdString();

    // Stop: the container is killed, the run ends, the views hold the engine's record.
    QSignalSpy finished(&pane, &vl::gui::WorldPane::runFinished);
    QTest::mouseClick(pane.pauseButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(30000));
    EXPECT_TRUE(pane.statusLabel()->text().contains("exit code 137")) << pane.statusLabel()->text().toStdString();
    EXPECT_FALSE(terminal->input()->isEnabled()) << "no exec into a container that is gone";

    // The timeline lists the run's phases, in order, with the engine's own timings.
    const auto& phases = pane.timeline()->phases();
    QStringList names;
    for (const auto& p : phases) names << p.name;
    for (const char* expected : {"clone", "cgroup-attach", "mounts", "pivot_root", "exec"})
        EXPECT_TRUE(names.contains(expected)) << expected << " missing from " << names.join(' ').toStdString();
    EXPECT_LT(names.indexOf("clone"), names.indexOf("pivot_root"));
    EXPECT_LT(names.indexOf("pivot_root"), names.indexOf("exec"));
    for (const auto& p : phases) {
        const QString us = tableValue(pane.countersTable(), "phase." + p.name + "_us").remove(',');
        ASSERT_FALSE(us.isEmpty()) << p.name.toStdString();
        EXPECT_NEAR(p.ms * 1000, us.toDouble(), 1.0) << p.name.toStdString();
    }
    EXPECT_TRUE(pane.namespaceTable()->pidLabel()->text().contains(QString::number(live->host_pid)));
    EXPECT_TRUE(pane.gauges()->memoryLabel()->text().contains("limit 48.0 MiB"));

    EXPECT_EQ(vl::test::residueOf(id.toStdString()), std::vector<std::string>{});
}

TEST(ContainersPane, TheNetworkViewShowsTheBridgeAndVethOfABridgedContainer) {
    if (!isRoot()) GTEST_SKIP() << "containers need root";
    ContainersPane pane;
    pane.show();
    pane.commandEdit()->setText("ip -4 addr show eth0; sleep 1.5");
    pane.networkBox()->setCurrentIndex(pane.networkBox()->findData("bridge"));
    QSignalSpy finished(&pane, &vl::gui::WorldPane::runFinished);
    QTest::mouseClick(pane.runButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(30000));
    const auto net = pane.networkView()->network();
    EXPECT_EQ(net.mode, "bridge");
    EXPECT_EQ(net.bridge, "vlab0");
    EXPECT_EQ(net.host_veth, "vl" + pane.containerId().toStdString());
    EXPECT_TRUE(net.address.starts_with("10.88.")) << net.address;
    EXPECT_EQ(net.prefix, 16);
    // The address the view shows is the one the container's own `ip` printed.
    const QString out = pane.outputView()->toPlainText();
    EXPECT_TRUE(out.contains(QString::fromStdString("inet " + net.address + "/16"))) << out.toStdString();
    EXPECT_EQ(vl::test::residueOf(pane.containerId().toStdString()), std::vector<std::string>{});

    // Every view of the pane draws in light, dark and presentation mode (large font, high
    // contrast). VIRTLAB_PANE_SHOTS=DIR keeps the pictures, for a person to look at.
    const QString shots = qEnvironmentVariable("VIRTLAB_PANE_SHOTS");
    const QFont normal_font = QApplication::font();
    struct Look {
        const char* name;
        vl::gui::ThemeChoice theme;
        bool presentation;
    };
    for (const Look look : {Look{"light", vl::gui::ThemeChoice::Light, false}, Look{"dark", vl::gui::ThemeChoice::Dark, false},
                            Look{"presentation", vl::gui::ThemeChoice::Dark, true}}) {
        QApplication::setPalette(vl::gui::themePalette(look.theme, look.presentation));
        QFont font = normal_font;
        if (look.presentation) font.setPointSizeF(normal_font.pointSizeF() * 1.5);
        QApplication::setFont(font);
        pane.resize(look.presentation ? 900 : 620, 900);
        QTabWidget* tabs = pane.viewTabs();
        for (int t = 0; t < 6; ++t) {
            tabs->setCurrentIndex(t);
            QApplication::processEvents();
            const QImage image = pane.grab().toImage();
            ASSERT_FALSE(image.isNull());
            QSet<QRgb> colours;
            for (int y = 0; y < image.height(); y += 7)
                for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
            EXPECT_GT(colours.size(), 4) << look.name << " " << tabs->tabText(t).toStdString() << " looks blank";
            if (!shots.isEmpty())
                image.save(QStringLiteral("%1/%2-%3.png").arg(shots, look.name, tabs->tabText(t).toLower()));
        }
    }
    QApplication::setFont(normal_font);
    QApplication::setPalette(vl::gui::themePalette(vl::gui::ThemeChoice::Light, false));
}

// A long-running command's output appears line by line, and the start-up timeline is complete,
// while the container still runs (not when it exits); Pause then stops it, leaving nothing.
TEST(ContainersPane, ShowsOutputAndTheWholeTimelineWhileTheContainerRuns) {
    if (!isRoot()) GTEST_SKIP() << "containers need root";
    ContainersPane pane;
    pane.show();
    pane.commandEdit()->setText("echo first-line; echo to-stderr >&2; sleep 30");
    QSignalSpy finished(&pane, &vl::gui::WorldPane::runFinished);
    QTest::mouseClick(pane.runButton(), Qt::LeftButton);

    EXPECT_TRUE(QTest::qWaitFor([&] { return pane.outputView()->toPlainText().contains("first-line"); }, 30000))
        << pane.statusLabel()->text().toStdString();
    EXPECT_TRUE(QTest::qWaitFor([&] { return pane.terminal()->screen()->toPlainText().contains("to-stderr"); }, 10000))
        << pane.terminal()->screen()->toPlainText().toStdString();
    EXPECT_TRUE(pane.terminal()->screen()->toPlainText().contains("first-line"));
    const std::vector<vl::gui::TimelinePhase> phases = pane.timeline()->phases();
    ASSERT_FALSE(phases.empty());
    EXPECT_EQ(phases.front().name, "rootfs-check");
    EXPECT_EQ(phases.back().name, "exec") << "the container's own phases are drawn once its command runs";
    EXPECT_TRUE(pane.isRunning());
    EXPECT_EQ(finished.count(), 0) << "the output came only at the end";

    const std::string id = pane.containerId().toStdString();
    QTest::mouseClick(pane.pauseButton(), Qt::LeftButton);  // a container's Pause stops it
    ASSERT_TRUE(finished.wait(15000));
    const QString screen = pane.terminal()->screen()->toPlainText();
    // The echoed command line contains the word too; the output line itself comes once.
    EXPECT_EQ(screen.split('\n').count("first-line"), 1) << "shown live, not again at the end: " << screen.toStdString();
    EXPECT_EQ(pane.timeline()->phases().size(), phases.size());
    EXPECT_EQ(vl::test::residueOf(id), std::vector<std::string>{});
}

TEST(ContainersPane, TheTimelineReadsTheEnginesPhaseListing) {
    const auto phases =
        vl::gui::PhaseTimeline::parseListing({"clone 0.412 ms", "pivot_root 0.051 ms in the container", "not a phase"});
    ASSERT_EQ(phases.size(), 2u);
    EXPECT_EQ(phases[0].name, "clone");
    EXPECT_DOUBLE_EQ(phases[0].ms, 0.412);
    EXPECT_FALSE(phases[0].in_container);
    EXPECT_EQ(phases[1].name, "pivot_root");
    EXPECT_TRUE(phases[1].in_container);
}

// A "busybox" that stalls when asked for its applet list holds the build half-way, with its
// staging directory on disk, so Cancel is tested where it matters.
TEST(RootfsBuildDialog, CancelMidBuildLeavesNoHalfBuiltRootfsAndARealBuildThenSucceeds) {
    vl::TempDir dir("virtlab-rootfs-cancel");
    const std::string target = dir.path() + "/busybox";
    const std::string stalling = dir.path() + "/stalling-busybox";
    {
        std::ofstream script(stalling);
        script << "#!/bin/sh\nexec sleep 60\n";
    }
    fs::permissions(stalling, fs::perms::owner_all);

    vl::gui::RootfsBuildDialog dialog;
    dialog.rootfsDirEdit()->setText(QString::fromStdString(target));
    dialog.busyboxEdit()->setText(QString::fromStdString(stalling));
    QSignalSpy finished(&dialog, &vl::gui::RootfsBuildDialog::buildFinished);
    QTest::mouseClick(dialog.rootfsButton(), Qt::LeftButton);
    ASSERT_TRUE(dialog.isBuilding());
    EXPECT_TRUE(dialog.cancelButton()->isEnabled());
    for (int i = 0; i < 200 && vl::gui::RootfsBuildDialog::countStagedEntries(target) == 0; ++i) QTest::qWait(25);
    ASSERT_GT(vl::gui::RootfsBuildDialog::countStagedEntries(target), 0) << "the build never started staging";

    QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_TRUE(finished.first().at(2).toBool()) << "reported as cancelled";
    EXPECT_FALSE(dialog.isBuilding());
    EXPECT_FALSE(fs::exists(target)) << "no half-built tree under the real name";
    for (const auto& entry : fs::directory_iterator(dir.path()))
        EXPECT_FALSE(entry.path().filename().string().starts_with(".busybox.build-")) << entry.path() << " left behind";
    EXPECT_TRUE(dialog.statusLabel()->text().contains("Cancelled")) << dialog.statusLabel()->text().toStdString();

    // The same dialog then builds for real; the tree is complete and current.
    dialog.busyboxEdit()->setText("/bin/busybox");
    finished.clear();
    QTest::mouseClick(dialog.rootfsButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(60000));
    EXPECT_TRUE(finished.first().at(0).toBool()) << finished.first().at(1).toString().toStdString();
    EXPECT_TRUE(vl::ct::BusyboxRootfs(target, "/bin/busybox").isCurrent());
}

namespace {

// A process holding the builders' lock on `rootfs_dir` for `hold_ms`, then exiting; returns its pid.
pid_t holdBuildLock(const std::string& rootfs_dir, int hold_ms) {
    const fs::path target(rootfs_dir);
    const std::string lock = (target.parent_path() / ("." + target.filename().string() + ".lock")).string();
    int ready[2];
    if (::pipe(ready) != 0) return -1;
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0600);
        ::flock(fd, LOCK_EX);
        (void)!::write(ready[1], "x", 1);
        ::usleep(static_cast<useconds_t>(hold_ms) * 1000);
        ::_exit(0);
    }
    char byte;
    (void)!::read(ready[0], &byte, 1);
    ::close(ready[0]);
    ::close(ready[1]);
    return pid;
}

}  // namespace

// The cleanup never removes the staging of a build that holds the builders' lock.
TEST(RootfsBuildDialog, CleanupLeavesALiveBuildersStaging) {
    vl::TempDir dir("virtlab-rootfs-lock");
    const std::string target = dir.path() + "/busybox";
    const fs::path staging = dir.path() + "/.busybox.build-AbCdEf";
    fs::create_directories(staging / "bin");

    const pid_t live = holdBuildLock(target, 4000);
    ASSERT_GT(live, 0);
    EXPECT_EQ(vl::gui::RootfsBuildDialog::removeAbandonedRootfsStaging(target), std::nullopt);
    EXPECT_TRUE(fs::exists(staging / "bin")) << "a build under way keeps its staging";
    ::kill(live, SIGKILL);
    ::waitpid(live, nullptr, 0);
    EXPECT_EQ(vl::gui::RootfsBuildDialog::removeAbandonedRootfsStaging(target), 1);
    EXPECT_FALSE(fs::exists(staging));
}

// After a cancel the builder is reaped while the rest of its killed process group may still hold
// the lock for a moment (a posix_spawn child between clone and exec). Here a process holds it for
// 400 ms after the cancel: the dialog tries again on its timer, with the window live meanwhile,
// and then removes the dead build's staging.
TEST(RootfsBuildDialog, TheCleanupWaitsForTheLockWithoutFreezingTheWindow) {
    vl::TempDir dir("virtlab-rootfs-dying");
    const std::string target = dir.path() + "/busybox";
    const fs::path staging = dir.path() + "/.busybox.build-AbCdEf";
    fs::create_directories(staging / "bin");
    const pid_t holder = holdBuildLock(target, 400);
    ASSERT_GT(holder, 0);

    vl::gui::RootfsBuildDialog dialog;
    dialog.rootfsDirEdit()->setText(QString::fromStdString(target));
    QSignalSpy finished(&dialog, &vl::gui::RootfsBuildDialog::buildFinished);
    QTest::mouseClick(dialog.rootfsButton(), Qt::LeftButton);  // its builder waits for the lock
    QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
    int ticks = 0;
    QTimer ticker;
    QObject::connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
    ticker.start(20);
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_TRUE(finished.first().at(2).toBool()) << "reported as cancelled";
    EXPECT_FALSE(fs::exists(staging)) << "removed once the lock was free";
    EXPECT_GE(ticks, 5) << "the event loop ran while the cleanup waited";
    EXPECT_TRUE(dialog.logView()->toPlainText().contains("removed 1 half-built staging directory"))
        << dialog.logView()->toPlainText().toStdString();
    ::waitpid(holder, nullptr, 0);
}

TEST(RootfsBuildDialog, AMissingBusyboxIsAReadableErrorNotACrash) {
    vl::TempDir dir("virtlab-rootfs-error");
    vl::gui::RootfsBuildDialog dialog;
    dialog.rootfsDirEdit()->setText(QString::fromStdString(dir.path() + "/busybox"));
    dialog.busyboxEdit()->setText(QString::fromStdString(dir.path() + "/no-such-busybox"));
    QSignalSpy finished(&dialog, &vl::gui::RootfsBuildDialog::buildFinished);
    QTest::mouseClick(dialog.rootfsButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_FALSE(finished.first().at(0).toBool());
    const QString status = dialog.statusLabel()->text();
    EXPECT_TRUE(status.contains("no-such-busybox")) << status.toStdString();
    EXPECT_FALSE(fs::exists(dir.path() + "/busybox"));
}

// An image built in the dialog (progress per step), then run from the pane: its layer stack
// is shown and its file is there.
TEST(ContainersPane, BuildsAnImageWithProgressThenRunsItAndShowsItsLayers) {
    if (!isRoot()) GTEST_SKIP() << "image builds run containers: root";
    vl::TempDir dir("virtlab-pane-image");
    const std::string labfile = dir.path() + "/Labfile";
    {
        std::ofstream out(labfile);
        out << "FROM busybox\nRUN echo from-the-layer > /hello && rm /etc/hostname\nCMD cat /hello\n";
    }
    const std::string name = "guitest/pane-" + std::to_string(::getpid());
    const RemoveImageAtEnd remove_image{name};

    ContainersPane pane;
    pane.show();
    auto* dialog = pane.buildDialog();
    dialog->labfileEdit()->setText(QString::fromStdString(labfile));
    dialog->imageNameEdit()->setText(QString::fromStdString(name));
    QSignalSpy built(dialog, &vl::gui::RootfsBuildDialog::buildFinished);
    QTest::mouseClick(dialog->imageButton(), Qt::LeftButton);
    ASSERT_TRUE(built.wait(120000));
    ASSERT_TRUE(built.first().at(0).toBool()) << built.first().at(1).toString().toStdString();
    const QString log = dialog->logView()->toPlainText();
    EXPECT_TRUE(log.contains("Step 1/3") && log.contains("Step 3/3")) << log.toStdString();
    EXPECT_EQ(dialog->progressBar()->value(), dialog->progressBar()->maximum());

    auto* box = pane.layerStack()->imageBox();
    const int index = box->findData(QString::fromStdString(name));
    ASSERT_GE(index, 0) << "the new image is offered in the layer view";
    box->setCurrentIndex(index);
    auto* tree = pane.layerStack()->tree();
    ASSERT_EQ(tree->topLevelItemCount(), 3) << "upper + the RUN layer + the busybox layer";
    EXPECT_TRUE(tree->topLevelItem(0)->text(0).contains("upper"));
    bool whiteout_shown = false;
    for (int c = 0; c < tree->topLevelItem(1)->childCount(); ++c)
        whiteout_shown = whiteout_shown || tree->topLevelItem(1)->child(c)->text(1) == "deletes etc/hostname";
    EXPECT_TRUE(whiteout_shown) << "the RUN layer's rm is a whiteout";

    pane.commandEdit()->setText("cat /hello; test -e /etc/hostname || echo hostname-deleted");
    QSignalSpy finished(&pane, &vl::gui::WorldPane::runFinished);
    QTest::mouseClick(pane.runButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(30000));
    const QString out = pane.outputView()->toPlainText();
    EXPECT_TRUE(out.contains("from-the-layer")) << out.toStdString() << pane.statusLabel()->text().toStdString();
    EXPECT_TRUE(out.contains("hostname-deleted")) << out.toStdString();
    EXPECT_EQ(vl::test::residueOf(pane.containerId().toStdString()), std::vector<std::string>{});
}

// Cancel while an image build's RUN step runs in its container: the build child is killed,
// and then nothing of it may remain -- no staging in the store, no image, no container, no
// layer mount -- and the window goes on working (another run, another build).
TEST(RootfsBuildDialog, CancellingAnImageBuildMidRunLeavesNoDebrisAndTheWindowWorks) {
    if (!isRoot()) GTEST_SKIP() << "image builds run containers: root";
    vl::TempDir dir("virtlab-pane-cancel");
    const std::string marker = "cancel-marker-" + std::to_string(::getpid());
    const std::string labfile = dir.path() + "/Labfile";
    {
        std::ofstream out(labfile);
        out << "FROM busybox\nRUN echo " << marker << " && sleep 60\n";
    }
    const std::string name = "guitest/cancel-" + std::to_string(::getpid());
    const RemoveImageAtEnd remove_image{name};
    const vl::ct::image::ImageStore store;
    auto staging = [&] {
        std::vector<std::string> out;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(store.root() + "/tmp", ec)) out.push_back(e.path().string());
        return out;
    };
    auto runStepRunning = [&] {
        for (const auto& state : vl::ct::listStateDirs()) {
            const auto record = vl::ct::readRecord(state);
            if (!record || record->status != "running") continue;
            for (const auto& arg : record->argv)
                if (arg.find(marker) != std::string::npos) return true;
        }
        return false;
    };

    ContainersPane pane;
    pane.show();
    auto* dialog = pane.buildDialog();
    dialog->show();
    dialog->labfileEdit()->setText(QString::fromStdString(labfile));
    dialog->imageNameEdit()->setText(QString::fromStdString(name));
    QSignalSpy built(dialog, &vl::gui::RootfsBuildDialog::buildFinished);
    QTest::mouseClick(dialog->imageButton(), Qt::LeftButton);
    ASSERT_TRUE(dialog->isBuilding());
    ASSERT_TRUE(QTest::qWaitFor(runStepRunning, 60000)) << "the RUN step's container never started: "
                                                          << dialog->logView()->toPlainText().toStdString();
    const std::vector<std::string> during = staging();
    EXPECT_FALSE(during.empty()) << "the RUN step stages its layer in the store";

    QTest::mouseClick(dialog->cancelButton(), Qt::LeftButton);
    ASSERT_TRUE(built.wait(30000));
    EXPECT_TRUE(built.first().at(2).toBool()) << "reported as cancelled";
    EXPECT_FALSE(dialog->isBuilding());
    EXPECT_TRUE(dialog->statusLabel()->text().contains("Cancelled")) << dialog->statusLabel()->text().toStdString();
    EXPECT_FALSE(store.find(name).has_value()) << "no image from a cancelled build";
    for (const auto& path : during) EXPECT_FALSE(fs::exists(path)) << path << ": staging left in the store";
    EXPECT_FALSE(runStepRunning());
    EXPECT_EQ(vl::test::residueOf(""), std::vector<std::string>{});

    // The window still works: the buttons are back, a container runs, a build completes.
    EXPECT_TRUE(dialog->imageButton()->isEnabled());
    EXPECT_FALSE(dialog->cancelButton()->isEnabled());
    pane.commandEdit()->setText("echo still-usable");
    QSignalSpy finished(&pane, &vl::gui::WorldPane::runFinished);
    QTest::mouseClick(pane.runButton(), Qt::LeftButton);
    ASSERT_TRUE(finished.wait(30000));
    EXPECT_TRUE(pane.outputView()->toPlainText().contains("still-usable")) << pane.statusLabel()->text().toStdString();
    {
        std::ofstream out(labfile);
        out << "FROM busybox\nCMD [\"echo\", \"done\"]\n";
    }
    built.clear();
    QTest::mouseClick(dialog->imageButton(), Qt::LeftButton);
    ASSERT_TRUE(built.wait(60000));
    EXPECT_TRUE(built.first().at(0).toBool()) << built.first().at(1).toString().toStdString();
    EXPECT_TRUE(store.find(name).has_value());
}

}  // namespace
