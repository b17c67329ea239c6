// The container's start-up as a horizontal timeline: one bar segment per phase (clone,
// mounts, pivot_root, cgroup attach, network, exec ...), its width proportional to the time the
// phase took, with the phase's name and milliseconds written beside it, in execution order.
// Phases the parent runs and phases the child runs get different colours (bubblewrap's split:
// the parent plans, the child executes).
#pragma once

#include <QString>
#include <QWidget>

#include <vector>

namespace vl::gui {

struct TimelinePhase {
    QString name;
    double ms = 0;
    bool in_container = false;  // run by the container's first process ("... ms in the container")
};

class PhaseTimeline : public QWidget {
    Q_OBJECT
public:
    explicit PhaseTimeline(QWidget* parent = nullptr);

    // Parses the engine's listing lines ("clone 0.412 ms", "mounts 0.301 ms in the container");
    // lines of another shape are skipped.
    static std::vector<TimelinePhase> parseListing(const std::vector<std::string>& listing);

    void setPhases(std::vector<TimelinePhase> phases);
    const std::vector<TimelinePhase>& phases() const { return phases_; }
    double totalMs() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    int rowHeight() const;
    std::vector<TimelinePhase> phases_;
};

}  // namespace vl::gui
