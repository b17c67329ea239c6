#include "app/gui/cgroup_gauges.h"

#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QLineSeries>
#include <QProgressBar>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdint>

#include "app/gui/theme.h"

namespace vl::gui {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::optional<uint64_t> reading(const ct::CgroupReadings& readings, const char* name) {
    const auto it = readings.find(name);
    if (it == readings.end()) return std::nullopt;
    return it->second;
}

// A progress bar is an int; memory in KiB keeps a 64 GiB limit inside it.
int toBarUnits(uint64_t bytes) { return static_cast<int>(std::min<uint64_t>(bytes / 1024, INT32_MAX)); }

}  // namespace

QString CgroupGauges::formatBytes(uint64_t bytes) {
    if (bytes >= (1ull << 30)) return tr("%1 GiB").arg(static_cast<double>(bytes) / (1ull << 30), 0, 'f', 2);
    if (bytes >= (1ull << 20)) return tr("%1 MiB").arg(static_cast<double>(bytes) / kMiB, 0, 'f', 1);
    if (bytes >= 1024) return tr("%1 KiB").arg(static_cast<double>(bytes) / 1024, 0, 'f', 0);
    return tr("%1 B").arg(bytes);
}

CgroupGauges::CgroupGauges(QWidget* parent) : QWidget(parent) {
    setObjectName("cgroupGauges");
    memory_bar_ = new QProgressBar;
    memory_bar_->setObjectName("memoryGauge");
    memory_bar_->setTextVisible(false);
    pids_bar_ = new QProgressBar;
    pids_bar_->setObjectName("pidsGauge");
    pids_bar_->setTextVisible(false);
    memory_label_ = new QLabel;
    memory_label_->setObjectName("memoryText");
    pids_label_ = new QLabel;
    pids_label_->setObjectName("pidsText");
    cpu_label_ = new QLabel;
    cpu_label_->setObjectName("cpuText");
    cpu_label_->setWordWrap(true);
    for (QLabel* label : {memory_label_, pids_label_}) label->setWordWrap(true);

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto* memory_box = new QVBoxLayout;
    memory_box->setSpacing(1);
    memory_box->addWidget(memory_bar_);
    memory_box->addWidget(memory_label_);
    auto* pids_box = new QVBoxLayout;
    pids_box->setSpacing(1);
    pids_box->addWidget(pids_bar_);
    pids_box->addWidget(pids_label_);
    form->addRow(tr("Memory"), memory_box);
    form->addRow(tr("Processes"), pids_box);
    form->addRow(tr("CPU"), cpu_label_);

    memory_series_ = new QLineSeries;
    memory_series_->setName(tr("memory (MiB)"));
    pids_series_ = new QLineSeries;
    pids_series_->setName(tr("processes"));
    auto* chart = new QChart;
    chart->addSeries(memory_series_);
    chart->addSeries(pids_series_);
    time_axis_ = new QValueAxis;
    time_axis_->setTitleText(tr("seconds"));
    time_axis_->setLabelFormat("%.1f");
    memory_axis_ = new QValueAxis;
    memory_axis_->setLabelFormat("%.0f");
    memory_axis_->setTitleText(tr("MiB"));
    pids_axis_ = new QValueAxis;
    pids_axis_->setLabelFormat("%.0f");
    pids_axis_->setTitleText(tr("pids"));
    chart->addAxis(time_axis_, Qt::AlignBottom);
    chart->addAxis(memory_axis_, Qt::AlignLeft);
    chart->addAxis(pids_axis_, Qt::AlignRight);
    memory_series_->attachAxis(time_axis_);
    memory_series_->attachAxis(memory_axis_);
    pids_series_->attachAxis(time_axis_);
    pids_series_->attachAxis(pids_axis_);
    chart->legend()->setAlignment(Qt::AlignTop);
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart_view_ = new QChartView(chart);
    chart_view_->setObjectName("cgroupChart");
    chart_view_->setRenderHint(QPainter::Antialiasing);
    chart_view_->setMinimumHeight(160);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    layout->addWidget(chart_view_, 1);
    styleChart();
    clear();
}

void CgroupGauges::styleChart() {
    chart_view_->chart()->setTheme(isDark(palette()) ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart_view_->chart()->setBackgroundRoundness(0);
}

void CgroupGauges::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) styleChart();
}

void CgroupGauges::setRequestedLimits(std::optional<uint64_t> memory_bytes, std::optional<uint64_t> pids_max,
                                      std::optional<uint64_t> cpu_quota_us) {
    memory_limit_ = memory_bytes;
    pids_limit_ = pids_max;
    cpu_quota_us_ = cpu_quota_us;
    showReadings({}, false);
}

void CgroupGauges::clear() {
    memory_series_->clear();
    pids_series_->clear();
    samples_ = 0;
    top_mib_ = 1;
    top_pids_ = 1;
    time_axis_->setRange(0, 1);
    memory_axis_->setRange(0, 1);
    pids_axis_->setRange(0, 1);
    showReadings({}, false);
}

void CgroupGauges::addSample(double seconds, const ct::CgroupReadings& readings) {
    const auto memory = reading(readings, "memory_current_bytes");
    const auto pids = reading(readings, "pids_current");
    if (!memory && !pids) return;  // the cgroup is gone: nothing to plot
    ++samples_;
    if (memory) {
        const double mib = static_cast<double>(*memory) / kMiB;
        memory_series_->append(seconds, mib);
        top_mib_ = std::max(top_mib_, mib);
    }
    if (pids) {
        pids_series_->append(seconds, static_cast<double>(*pids));
        top_pids_ = std::max(top_pids_, static_cast<double>(*pids));
    }
    time_axis_->setRange(0, std::max(1.0, seconds));
    memory_axis_->setRange(0, top_mib_ * 1.15);
    // A shell uses well under a MiB: whole-MiB labels would read "0, 1, 1, 2".
    memory_axis_->setLabelFormat(top_mib_ < 10 ? "%.1f" : "%.0f");
    pids_axis_->setRange(0, std::max(4.0, top_pids_ * 1.15));
    memory_axis_->applyNiceNumbers();
    pids_axis_->applyNiceNumbers();
    showReadings(readings, true);
}

void CgroupGauges::showFinal(const ct::CgroupReadings& readings) { showReadings(readings, false); }

void CgroupGauges::showReadings(const ct::CgroupReadings& readings, bool live) {
    // The cgroup's own limit is what the kernel enforces; fall back to what was asked for.
    const auto memory_limit = reading(readings, "memory_limit_bytes").has_value() ? reading(readings, "memory_limit_bytes") : memory_limit_;
    const auto memory_now = reading(readings, "memory_current_bytes");
    const auto memory_peak = reading(readings, "memory_peak_bytes");
    const auto pids_limit = reading(readings, "pids_max").has_value() ? reading(readings, "pids_max") : pids_limit_;
    const auto pids_now = reading(readings, "pids_current");
    const auto pids_peak = reading(readings, "pids_peak");

    // The bar shows the current use while the container runs, the peak once it has exited.
    const auto memory_shown = live ? memory_now : memory_peak;
    memory_bar_->setRange(0, memory_limit ? std::max(1, toBarUnits(*memory_limit)) : 1);
    memory_bar_->setValue(memory_shown && memory_limit ? std::min(toBarUnits(*memory_shown), memory_bar_->maximum()) : 0);
    QStringList memory_text;
    if (memory_now && live) memory_text << tr("now %1").arg(formatBytes(*memory_now));
    if (memory_peak) memory_text << tr("peak %1").arg(formatBytes(*memory_peak));
    memory_text << (memory_limit ? tr("limit %1").arg(formatBytes(*memory_limit)) : tr("no limit"));
    if (const auto oom = reading(readings, "oom_kills"); oom && *oom > 0) memory_text << tr("OOM kills %1").arg(*oom);
    memory_label_->setText(memory_text.join(QStringLiteral(" · ")));

    const auto pids_shown = live ? pids_now : pids_peak;
    pids_bar_->setRange(0, pids_limit ? static_cast<int>(std::min<uint64_t>(*pids_limit, INT32_MAX)) : 1);
    pids_bar_->setValue(pids_shown && pids_limit ? static_cast<int>(std::min<uint64_t>(*pids_shown, *pids_limit)) : 0);
    QStringList pids_text;
    if (pids_now && live) pids_text << tr("now %1").arg(*pids_now);
    if (pids_peak) pids_text << tr("peak %1").arg(*pids_peak);
    pids_text << (pids_limit ? tr("limit %1").arg(*pids_limit) : tr("no limit"));
    if (const auto hits = reading(readings, "pids_limit_hits"); hits && *hits > 0) pids_text << tr("fork refused %1×").arg(*hits);
    pids_label_->setText(pids_text.join(QStringLiteral(" · ")));

    QStringList cpu_text;
    if (const auto used = reading(readings, "cpu_usage_us")) cpu_text << tr("used %1 ms").arg(static_cast<double>(*used) / 1000, 0, 'f', 1);
    cpu_text << (cpu_quota_us_ ? tr("quota %1% of a core").arg(static_cast<double>(*cpu_quota_us_) * 100 / ct::kCpuPeriodUs, 0, 'f', 0)
                               : tr("no quota"));
    const auto throttled = reading(readings, "cpu_throttled_periods");
    const auto throttled_us = reading(readings, "cpu_throttled_us");
    if (throttled) cpu_text << tr("throttled %1 periods (%2 ms)").arg(*throttled).arg(static_cast<double>(throttled_us.value_or(0)) / 1000, 0, 'f', 1);
    cpu_label_->setText(cpu_text.join(QStringLiteral(" · ")));
}

}  // namespace vl::gui
