#include "app/gui/containers_pane.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>

#include <QLocale>
#include <QRegularExpression>

#include <cmath>
#include <cstring>

#include "app/gui/cgroup_gauges.h"
#include "app/gui/container_probe.h"
#include "app/gui/container_terminal.h"
#include "app/gui/image_container_engine.h"
#include "app/gui/layer_stack_view.h"
#include "app/gui/namespace_table.h"
#include "app/gui/network_view.h"
#include "app/gui/phase_timeline.h"
#include "app/gui/rootfs_build_dialog.h"
#include "containers/container_engine.h"
#include "containers/image/image_store.h"
#include "containers/limits.h"
#include "core/error.h"

namespace vl::gui {

namespace {

// Four samples a second: enough to watch memory climb, cheap enough (a handful of small
// cgroup and /proc reads) to cost the event loop nothing.
constexpr int kLiveSampleMs = 250;

// A widget that may be taller than its tab: scroll rather than squeeze or clip it.
QScrollArea* scrolled(QWidget* widget) {
    auto* area = new QScrollArea;
    area->setWidget(widget);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

std::string registerValue(const Snapshot& snapshot, const std::string& name) {
    for (const auto& [key, value] : snapshot.registers)
        if (key == name) return value;
    return {};
}

// One word for `sh -c`, quoted only when the shell would otherwise split or expand it.
QString shellQuoted(const QString& word) {
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    if (plain.match(word).hasMatch()) return word;
    return '\'' + QString(word).replace('\'', QStringLiteral("'\\''")) + '\'';
}

QString mib(uint64_t bytes) { return QLocale::c().toString(double(bytes) / double(1 << 20), 'g', 6) + " MiB"; }

// A cgroup reading the runtime reported at the end ("oom_kills 1"), in words when it is a
// limit or a limit's consequence; nothing for the plain readings.
std::optional<QString> limitEvent(const std::string& detail) {
    const size_t space = detail.find(' ');
    if (space == std::string::npos) return std::nullopt;
    const std::string name = detail.substr(0, space);
    uint64_t value = 0;
    try {
        value = std::stoull(detail.substr(space + 1));
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const QString n = QLocale::c().toString(static_cast<qulonglong>(value));
    // Short: the Events view is a narrow pane's; the reading's name links the line to Counters.
    if (name == "memory_limit_bytes") return QObject::tr("limit: memory %1").arg(mib(value));
    if (name == "pids_max") return QObject::tr("limit: %1 processes").arg(n);
    if (value == 0) return std::nullopt;
    if (name == "oom_kills") return QObject::tr("OOM: %1 process(es) killed at the memory limit").arg(n);
    if (name == "memory_limit_hits") return QObject::tr("limit hit: memory, %1 times (memory_limit_hits)").arg(n);
    if (name == "pids_limit_hits") return QObject::tr("limit hit: %1 fork()s refused (pids_limit_hits)").arg(n);
    if (name == "cpu_throttled_periods") return QObject::tr("limit hit: CPU throttled in %1 periods").arg(n);
    return std::nullopt;
}

}  // namespace

ContainersPane::ContainersPane(QWidget* parent)
    : WorldPane(tr("Containers"),
                tr("A real Linux process in new PID, mount, UTS, IPC and network namespaces, "
                   "pivot_root'ed into a busybox root filesystem and limited by cgroups. It needs root."),
                false, parent) {
    command_ = new QLineEdit(QStringLiteral("echo \"my pid: $$\"; hostname; ps; cat /proc/self/cgroup"));
    command_->setObjectName("command");
    command_->setCursorPosition(0);  // a narrow pane shows the command's start, not its tail
    hostname_ = new QLineEdit(QStringLiteral("lab"));
    hostname_->setObjectName("hostname");
    memory_mib_ = new QSpinBox;
    memory_mib_->setObjectName("memory");
    memory_mib_->setRange(0, 1 << 20);
    memory_mib_->setValue(64);
    memory_mib_->setSuffix(tr(" MiB"));
    memory_mib_->setSpecialValueText(tr("no limit"));
    pids_ = new QSpinBox;
    pids_->setObjectName("pids");
    pids_->setRange(0, 1 << 22);
    pids_->setValue(32);
    pids_->setSpecialValueText(tr("no limit"));
    cpus_ = new QDoubleSpinBox;
    cpus_->setObjectName("cpus");
    cpus_->setRange(0, 256);
    cpus_->setDecimals(2);
    cpus_->setSingleStep(0.25);
    cpus_->setValue(0);
    cpus_->setSuffix(tr(" cores"));
    cpus_->setSpecialValueText(tr("no limit"));
    cpus_->setToolTip(tr("--cpus: a CFS quota of this many cores' time per 100 ms period"));
    network_ = new QComboBox;
    network_->setObjectName("network");
    network_->addItem(tr("none (loopback only)"), QStringLiteral("none"));
    network_->addItem(tr("bridge (veth into vlab0)"), QStringLiteral("bridge"));
    build_button_ = new QPushButton(tr("Build root file system / image…"));
    build_button_->setObjectName("buildButton");
    build_button_->setToolTip(tr("Build the busybox root file system, or an image from a Labfile, with progress and Cancel"));

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Shell command"), command_);
    form->addRow(tr("Hostname"), hostname_);
    auto* limits = new QHBoxLayout;
    limits->addWidget(memory_mib_);
    limits->addWidget(pids_);
    limits->addWidget(cpus_);
    // A pane a quarter of a 1900-pixel window wide has no room for this label on one line.
    auto* limits_label = new QLabel(tr("Memory · pids · CPU"));
    limits_label->setWordWrap(true);
    form->addRow(limits_label, limits);
    form->addRow(tr("Network"), network_);
    // A row of its own: beside the network choice both were cut off in a narrow pane.
    form->addRow(build_button_);
    controlsLayout()->addLayout(form);

    namespaces_ = new NamespaceTable;
    gauges_ = new CgroupGauges;
    layers_ = new LayerStackView;
    timeline_ = new PhaseTimeline;
    network_view_ = new NetworkView;
    terminal_ = new ContainerTerminal;
    // The container's own views first: they are what this world is about.
    // Each tab page's object name is what a lesson's showView() hint asks for.
    QTabWidget* tabs = viewTabs();
    int at = 0;
    auto addView = [&](QWidget* page, const char* name, const QString& label) {
        page->setObjectName(name);
        tabs->insertTab(at++, page, label);
    };
    addView(terminal_, "terminal", tr("Terminal"));
    addView(namespaces_, "namespaces", tr("Namespaces"));
    addView(scrolled(gauges_), "cgroup", tr("Cgroup"));
    addView(scrolled(timeline_), "startup", tr("Start-up"));
    addView(layers_, "layers", tr("Layers"));
    addView(scrolled(network_view_), "network", tr("Network"));
    tabs->setCurrentWidget(terminal_);
    tabs->setUsesScrollButtons(true);

    live_timer_.setInterval(kLiveSampleMs);
    connect(&live_timer_, &QTimer::timeout, this, &ContainersPane::sampleLive);
    connect(this, &WorldPane::runFinished, this, &ContainersPane::showFinished);
    connect(this, &WorldPane::eventsArrived, this, &ContainersPane::showLiveEvents);
    connect(build_button_, &QPushButton::clicked, this, [this] { buildDialog()->show(); });
    connect(resetButton(), &QPushButton::clicked, this, [this] {
        if (isRunning()) return;
        namespaces_->clear();
        gauges_->clear();
        timeline_->setPhases({});
        network_view_->clear();
        terminal_->clear();
        terminal_->setContainer({}, false);
    });
}

ContainersPane::~ContainersPane() = default;

RootfsBuildDialog* ContainersPane::buildDialog() {
    if (!build_dialog_) {
        build_dialog_ = new RootfsBuildDialog(this);
        // A new image appears in the layer view's choice as soon as it is built.
        connect(build_dialog_, &RootfsBuildDialog::buildFinished, layers_, &LayerStackView::refreshImages);
    }
    return build_dialog_;
}

QString ContainersPane::containerId() const {
    if (!handle_) return {};
    std::lock_guard lock(handle_->mutex);
    return QString::fromStdString(handle_->id);
}

EngineRunner::Factory ContainersPane::engineFactory() {
    const std::string command = command_->text().trimmed().toStdString();
    if (command.empty()) throwInput("the shell command is empty");
    ct::ContainerConfig config;
    config.argv = {"/bin/sh", "-c", command};
    config.hostname = hostname_->text().trimmed().toStdString();
    if (memory_mib_->value() > 0) config.memory_bytes = static_cast<uint64_t>(memory_mib_->value()) << 20;
    if (pids_->value() > 0) config.pids_max = static_cast<uint64_t>(pids_->value());
    if (cpus_->value() > 0) config.cpu_quota_us = static_cast<uint64_t>(std::llround(cpus_->value() * ct::kCpuPeriodUs));
    config.network = ct::net::parseNetworkMode(network_->currentData().toString().toStdString());
    config.capture_output = true;
    ct::validateConfig(config);  // bad input shows as "Cannot run: ..." before anything starts

    // An image is resolved here, on the GUI thread, so an unknown one is an input error in the
    // pane's status line; its layers are mounted on the worker with the engine.
    std::optional<ct::image::ResolvedImage> image;
    const QString image_name = layers_->selectedImage();
    if (!image_name.isEmpty()) image = ct::image::ImageStore().resolve(image_name.toStdString());
    image_run_ = image.has_value();

    startViews(command_->text().trimmed(), config.memory_bytes, config.pids_max, config.cpu_quota_us);
    if (image) layers_->showImageStack(*image);

    auto handle = std::make_shared<RunHandle>();
    handle_ = handle;
    run_clock_.start();
    live_timer_.start();
    return [config, image, handle]() -> std::unique_ptr<Engine> {
        std::unique_ptr<ct::ContainerEngine> engine;
        if (image) engine = std::make_unique<ImageContainerEngine>(*image, config);
        else engine = std::make_unique<ct::ContainerEngine>(config);
        std::lock_guard lock(handle->mutex);
        handle->id = engine->id();
        return engine;
    };
}

void ContainersPane::startViews(const QString& command, std::optional<uint64_t> memory_bytes,
                                std::optional<uint64_t> pids_max, std::optional<uint64_t> cpu_quota_us) {
    // A fresh run: the views start empty, the gauges know the limits asked for.
    namespaces_->clear();
    timeline_->setPhases({});
    network_view_->clear();
    gauges_->clear();
    gauges_->setRequestedLimits(memory_bytes, pids_max, cpu_quota_us);
    terminal_->setContainer({}, false);
    terminal_->showCommand(command);
    container_running_ = false;
    live_phases_.clear();
    stdout_decoder_.resetState();
    stderr_decoder_.resetState();
    live_stdout_bytes_ = 0;
}

bool ContainersPane::loadRunSettings(const lessons::WorldRun& run) {
    // lab.container's options as lessons/world_runs.cpp reads them (the lesson ran with them,
    // so they parse; a failure here only means the controls cannot take them).
    if (run.call != "lab.container") return false;
    const QVariantMap& o = run.options;
    auto text = [](const QVariant& v, int precision = 0) {
        if (v.typeId() == QMetaType::QString) return v.toString().toStdString();
        return (precision ? QString::number(v.toDouble(), 'g', precision) : QString::number(v.toULongLong())).toStdString();
    };
    std::optional<uint64_t> memory, pids, quota;
    try {
        if (o.contains("memory")) memory = ct::parseMemorySize(text(o.value("memory")), "lab.container: memory");
        if (o.contains("pids")) pids = ct::parsePidsLimit(text(o.value("pids")), "lab.container: pids");
        if (o.contains("cpus")) quota = ct::parseCpuQuota(text(o.value("cpus"), 10), "lab.container: cpus");
    } catch (const std::exception&) {
        return false;
    }
    QString command = o.value("command").toString();
    if (o.contains("argv")) {
        QStringList words;
        for (const QVariant& word : o.value("argv").toList()) words << shellQuoted(word.toString());
        command = words.join(' ');
    }

    // The views show the lesson's container, whatever the controls can take of its settings.
    startViews(command, memory, pids, quota);
    handle_ = std::make_shared<RunHandle>();
    handle_->id = registerValue(run.snapshot, "id");
    image_run_ = o.contains("image");

    // What the run box cannot say: a host program bound in, an image of the scenario's own
    // store (gone with the scenario), a rootless container; and limits finer than its steps.
    const bool memory_fits = !memory || (*memory % (1ull << 20) == 0 && (*memory >> 20) <= uint64_t(memory_mib_->maximum()));
    const double cores = quota ? double(*quota) / ct::kCpuPeriodUs : 0;
    const bool cpus_fit = std::abs(cores * 100 - std::round(cores * 100)) < 1e-6;  // the spin box's two decimals
    const bool pids_fit = !pids || *pids <= uint64_t(pids_->maximum());
    if (command.isEmpty() || o.contains("program") || o.contains("image") ||
        o.value("rootless").toBool() || !memory_fits || !cpus_fit || !pids_fit)
        return false;
    command_->setText(command);
    command_->setCursorPosition(0);
    hostname_->setText(o.value("hostname").toString());
    memory_mib_->setValue(memory ? static_cast<int>(*memory >> 20) : 0);
    pids_->setValue(pids ? static_cast<int>(*pids) : 0);
    cpus_->setValue(cores);
    network_->setCurrentIndex(std::max(0, network_->findData(o.value("net", "none").toString())));
    layers_->imageBox()->setCurrentIndex(0);  // the busybox root, as lab.container without image
    return true;
}

void ContainersPane::sampleLive() {
    const QString id = containerId();
    if (id.isEmpty()) return;  // the engine is still being built
    const auto live = probeContainer(id.toStdString());
    if (!live) return;  // no state record yet
    const bool running = live->status == "running" && live->host_pid > 0;
    if (!live->namespaces.empty()) namespaces_->setNamespaces(live->namespaces);
    if (live->host_pid > 0) namespaces_->setPidMapping(live->host_pid, true);
    gauges_->addSample(static_cast<double>(run_clock_.elapsed()) / 1000.0, live->readings);
    if (live->network.attached()) network_view_->setNetwork(live->network);
    if (running != container_running_) {
        container_running_ = running;
        terminal_->setContainer(id, running);
        if (running) emit containerStarted(id);
    }
}

void ContainersPane::showLiveEvents(const std::vector<vl::Event>& batch) {
    QString out;
    bool phases_changed = false;
    for (const auto& e : batch) {
        if (e.kind == "stdout") {
            out += QString(stdout_decoder_.decode(QByteArrayView(e.detail.data(), static_cast<qsizetype>(e.detail.size()))));
            live_stdout_bytes_ += e.detail.size();
        } else if (e.kind == "stderr") {
            out += QString(stderr_decoder_.decode(QByteArrayView(e.detail.data(), static_cast<qsizetype>(e.detail.size()))));
        } else if (e.kind == "phase") {
            for (auto& phase : PhaseTimeline::parseListing({e.detail})) live_phases_.push_back(std::move(phase));
            phases_changed = true;
        }
    }
    if (phases_changed) timeline_->setPhases(live_phases_);
    if (out.isEmpty()) return;
    terminal_->showLiveOutput(out);
    QPlainTextEdit* view = outputView();
    view->moveCursor(QTextCursor::End);
    view->insertPlainText(out);
}

void ContainersPane::showFinished(const RunOutcome& outcome) {
    live_timer_.stop();
    container_running_ = false;
    const Snapshot& s = outcome.snapshot;
    terminal_->setContainer(containerId(), false);
    // Shown live already; only what the bounded event batches dropped comes now (the Output
    // view has all of it: the pane redraws it from the snapshot).
    if (live_stdout_bytes_ < s.console.size())
        terminal_->showLiveOutput(QString::fromUtf8(s.console.data() + live_stdout_bytes_,
                                                    static_cast<qsizetype>(s.console.size() - live_stdout_bytes_)));
    terminal_->endLiveOutput();
    if (outcome.state == RunState::Failed) terminal_->showOutput({}, tr("[the container did not start: %1]").arg(outcome.failure));
    else if (outcome.state == RunState::Finished) terminal_->showOutput({}, tr("[exit code %1]").arg(outcome.exit_code));

    // What the engine recorded is the whole story; the live samples were the preview.
    const auto rows = NamespaceTable::fromSnapshot(s.registers);
    if (!rows.empty()) namespaces_->setNamespaces(rows);
    const std::string host_pid = registerValue(s, "pid (host)");
    namespaces_->setPidMapping(host_pid.empty() || host_pid == "-" ? -1 : std::stoi(host_pid), false);
    timeline_->setPhases(PhaseTimeline::parseListing(s.listing));
    network_view_->setNetwork(NetworkView::fromSnapshot(s.registers));

    ct::CgroupReadings final_readings;
    for (const auto& [name, value] : outcome.counters)
        if (name.starts_with("cgroup.")) final_readings[name.substr(7)] = value;
    if (!final_readings.empty()) gauges_->showFinal(final_readings);
    const std::string rootfs = registerValue(s, "rootfs");
    if (!image_run_ && !rootfs.empty()) layers_->showBusyboxStack(rootfs, registerValue(s, "rootfs mount"));
}

bool ContainersPane::listsEvent(const vl::Event& e) const {
    return e.kind != "stdout" && e.kind != "stderr";  // the Terminal and Output views have those
}

QString ContainersPane::describeEvent(const vl::Event& e) const {
    const QString detail = QString::fromStdString(e.detail);
    if (e.kind == "cgroup")
        if (auto line = limitEvent(e.detail)) return *line;
    if (e.kind == "exit") {
        // 128 + N: the shell's way of saying signal N ended the command (137: SIGKILL, the OOM killer's).
        const int code = detail.section(' ', -1).toInt();
        if (code > 128 && code < 128 + 65)
            return tr("exit: %1 = 128 + signal %2 (%3)").arg(detail).arg(code - 128).arg(QString::fromLocal8Bit(strsignal(code - 128)));
    }
    return QString::fromStdString(e.kind) + ": " + detail;
}

QStringList ContainersPane::leadingCounters() const { return {"exit_code", "run_us"}; }

QString ContainersPane::listingTitle() const { return tr("start-up phases"); }

}  // namespace vl::gui
