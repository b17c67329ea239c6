// Real containers: a process in new PID, mount, UTS, IPC and network namespaces, pivot_root'ed
// into a busybox root file system (or a stored image's layers), fenced by cgroup limits -- on
// the host kernel. Beside the common pane views it shows every fence being built: the
// namespace table with the PID mapping, live cgroup gauges and a chart, the layer stack, the
// start-up timeline, the network, and a terminal that can exec into the running container.
#pragma once

#include <QElapsedTimer>
#include <QStringDecoder>
#include <QTimer>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "app/gui/phase_timeline.h"
#include "app/gui/world_pane.h"

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace vl::gui {

class CgroupGauges;
class ContainerTerminal;
class LayerStackView;
class NamespaceTable;
class NetworkView;
class RootfsBuildDialog;

class ContainersPane : public WorldPane {
    Q_OBJECT
public:
    explicit ContainersPane(QWidget* parent = nullptr);
    ~ContainersPane() override;

    QLineEdit* commandEdit() const { return command_; }
    QLineEdit* hostnameEdit() const { return hostname_; }
    QSpinBox* memoryBox() const { return memory_mib_; }
    QSpinBox* pidsBox() const { return pids_; }
    QDoubleSpinBox* cpusBox() const { return cpus_; }
    QComboBox* networkBox() const { return network_; }
    QPushButton* buildButton() const { return build_button_; }

    NamespaceTable* namespaceTable() const { return namespaces_; }
    CgroupGauges* gauges() const { return gauges_; }
    LayerStackView* layerStack() const { return layers_; }
    PhaseTimeline* timeline() const { return timeline_; }
    NetworkView* networkView() const { return network_view_; }
    ContainerTerminal* terminal() const { return terminal_; }
    RootfsBuildDialog* buildDialog();

    // The id of the container of the current (or last) run; "" before the first.
    QString containerId() const;
    // True while the current run's container has exec'd its command and not exited.
    bool containerRunning() const { return container_running_; }

signals:
    // The container's command runs (its state record says "running"): exec is possible now.
    void containerStarted(const QString& id);

protected:
    EngineRunner::Factory engineFactory() override;
    QStringList leadingCounters() const override;
    QString listingTitle() const override;
    bool loadRunSettings(const lessons::WorldRun& run) override;
    // Output is the Terminal's and the Output view's; the Events view lists the runtime's own
    // events (phases, the command running, namespaces, limits, OOM kills, exit) in words.
    bool listsEvent(const vl::Event& event) const override;
    QString describeEvent(const vl::Event& event) const override;

private:
    // The container id, written by the engine factory on the worker thread.
    struct RunHandle {
        std::mutex mutex;
        std::string id;
    };

    // Empties the views for a new run (the pane's own or a lesson's) of `command`, limited so.
    void startViews(const QString& command, std::optional<uint64_t> memory_bytes, std::optional<uint64_t> pids_max,
                    std::optional<uint64_t> cpu_quota_us);
    void sampleLive();
    // The engine's events while it runs: each start-up phase as it ends grows the timeline,
    // each piece of output is appended to the terminal and the Output view.
    void showLiveEvents(const std::vector<vl::Event>& batch);
    void showFinished(const RunOutcome& outcome);

    QLineEdit* command_;
    QLineEdit* hostname_;
    QSpinBox* memory_mib_;
    QSpinBox* pids_;
    QDoubleSpinBox* cpus_;
    QComboBox* network_;
    QPushButton* build_button_;
    NamespaceTable* namespaces_;
    CgroupGauges* gauges_;
    LayerStackView* layers_;
    PhaseTimeline* timeline_;
    NetworkView* network_view_;
    ContainerTerminal* terminal_;
    RootfsBuildDialog* build_dialog_ = nullptr;

    std::shared_ptr<RunHandle> handle_;
    QTimer live_timer_;
    QElapsedTimer run_clock_;
    bool container_running_ = false;
    bool image_run_ = false;
    std::vector<TimelinePhase> live_phases_;
    // A pipe read may end inside a UTF-8 sequence: one stateful decoder per stream.
    QStringDecoder stdout_decoder_{QStringDecoder::Utf8};
    QStringDecoder stderr_decoder_{QStringDecoder::Utf8};
    size_t live_stdout_bytes_ = 0;  // stdout shown live; the rest (if events were dropped) at the end
};

}  // namespace vl::gui
