// The container's cgroup, live: gauges for memory (current against the limit, and the peak),
// processes (current against pids.max) and CPU (time used, periods throttled by the quota),
// and a chart of memory and processes over the run. Fed with cgroup readings
// (containers/cgroup.h names: memory_current_bytes, pids_current, cpu_usage_us ...), sampled
// by the pane while the container runs and once more from the engine after it exits.
#pragma once

#include <QWidget>

#include <cstdint>
#include <optional>

#include "containers/cgroup.h"

class QChartView;
class QLabel;
class QLineSeries;
class QProgressBar;
class QValueAxis;

namespace vl::gui {

class CgroupGauges : public QWidget {
    Q_OBJECT
public:
    explicit CgroupGauges(QWidget* parent = nullptr);

    // What the run asked for; a reading of the limit from the cgroup itself wins over it.
    void setRequestedLimits(std::optional<uint64_t> memory_bytes, std::optional<uint64_t> pids_max,
                            std::optional<uint64_t> cpu_quota_us);
    // One live sample, `seconds` after the run started.
    void addSample(double seconds, const ct::CgroupReadings& readings);
    // The readings the engine took after the container exited.
    void showFinal(const ct::CgroupReadings& readings);
    void clear();

    QProgressBar* memoryBar() const { return memory_bar_; }
    QProgressBar* pidsBar() const { return pids_bar_; }
    QLabel* memoryLabel() const { return memory_label_; }
    QLabel* pidsLabel() const { return pids_label_; }
    QLabel* cpuLabel() const { return cpu_label_; }
    int sampleCount() const { return samples_; }

    static QString formatBytes(uint64_t bytes);

protected:
    void changeEvent(QEvent* event) override;  // palette change: the chart follows the theme

private:
    void showReadings(const ct::CgroupReadings& readings, bool live);
    void styleChart();

    std::optional<uint64_t> memory_limit_, pids_limit_, cpu_quota_us_;
    QProgressBar* memory_bar_;
    QProgressBar* pids_bar_;
    QLabel* memory_label_;
    QLabel* pids_label_;
    QLabel* cpu_label_;
    QChartView* chart_view_;
    QLineSeries* memory_series_;
    QLineSeries* pids_series_;
    QValueAxis* time_axis_;
    QValueAxis* memory_axis_;
    QValueAxis* pids_axis_;
    double top_mib_ = 1;
    double top_pids_ = 1;
    int samples_ = 0;
};

}  // namespace vl::gui
