#include "app/gui/phase_timeline.h"

#include <QFontMetrics>
#include <QPainter>
#include <QPalette>

#include <algorithm>
#include <regex>

#include "app/gui/theme.h"

namespace vl::gui {

namespace {

constexpr int kMargin = 6;
constexpr double kMinSegmentPx = 2;  // a 5 us phase is still a visible tick

}  // namespace

PhaseTimeline::PhaseTimeline(QWidget* parent) : QWidget(parent) {
    setObjectName("phaseTimeline");
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

std::vector<TimelinePhase> PhaseTimeline::parseListing(const std::vector<std::string>& listing) {
    static const std::regex line(R"(^\s*(\S+)\s+([0-9.]+)\s*ms( in the container)?\s*$)");
    std::vector<TimelinePhase> out;
    for (const auto& text : listing) {
        std::smatch m;
        if (std::regex_match(text, m, line)) out.push_back({QString::fromStdString(m[1]), std::stod(m[2]), m[3].matched});
    }
    return out;
}

void PhaseTimeline::setPhases(std::vector<TimelinePhase> phases) {
    phases_ = std::move(phases);
    updateGeometry();
    update();
}

double PhaseTimeline::totalMs() const {
    double total = 0;
    for (const auto& p : phases_) total += p.ms;
    return total;
}

int PhaseTimeline::rowHeight() const { return fontMetrics().height() + 4; }

QSize PhaseTimeline::sizeHint() const {
    // The bar, then one labelled row per phase (a label under a 0.01 ms sliver has no room
    // beside it, so each phase gets its own row, Gantt-style).
    const int rows = static_cast<int>(std::max<size_t>(phases_.size(), 1)) + 2;
    return {420, kMargin * 2 + rows * rowHeight()};
}

QSize PhaseTimeline::minimumSizeHint() const { return {220, sizeHint().height()}; }

void PhaseTimeline::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = palette();
    const QFontMetrics fm = fontMetrics();
    const int row = rowHeight();
    if (phases_.empty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(kMargin, kMargin, -kMargin, -kMargin), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                   tr("Run a container to see its start-up, phase by phase."));
        return;
    }
    const bool dark = isDark(pal);
    const QColor parent_colour = dark ? QColor(0x5d, 0x9c, 0xec) : QColor(0x1f, 0x5f, 0xbf);
    const QColor child_colour = dark ? QColor(0xf0, 0xa0, 0x4b) : QColor(0xc0, 0x5a, 0x00);

    // Name column as wide as the longest name; the rest is the time axis.
    int name_width = fm.horizontalAdvance(QStringLiteral("cgroup-attach"));
    for (const auto& ph : phases_) name_width = std::max(name_width, fm.horizontalAdvance(ph.name));
    const QString widest_ms = QStringLiteral("00.000 ms");
    const int ms_width = fm.horizontalAdvance(widest_ms);
    const int axis_left = kMargin + name_width + kMargin;
    const int axis_right = width() - kMargin - ms_width - kMargin;
    const double axis_px = std::max(40, axis_right - axis_left);
    const double total = std::max(totalMs(), 1e-6);

    // Header: the total and the colour key.
    p.setPen(pal.color(QPalette::WindowText));
    int y = kMargin;
    const QString header = tr("start-up %1 ms").arg(total, 0, 'f', 3);
    p.drawText(QRect(kMargin, y, width() - 2 * kMargin, row), Qt::AlignLeft | Qt::AlignVCenter, header);
    int key_x = kMargin + fm.horizontalAdvance(header) + 3 * kMargin;
    for (const auto& [label, colour] : {std::pair{tr("VirtLab (parent)"), parent_colour}, std::pair{tr("container (child)"), child_colour}}) {
        p.fillRect(QRect(key_x, y + row / 4, row / 2, row / 2), colour);
        key_x += row / 2 + 3;
        p.drawText(QRect(key_x, y, fm.horizontalAdvance(label) + 2, row), Qt::AlignLeft | Qt::AlignVCenter, label);
        key_x += fm.horizontalAdvance(label) + 3 * kMargin;
    }
    y += row;

    // One row per phase: name, its segment at its place on the shared time axis, milliseconds.
    double start = 0;
    for (const auto& ph : phases_) {
        const QColor colour = ph.in_container ? child_colour : parent_colour;
        p.setPen(pal.color(QPalette::WindowText));
        p.drawText(QRect(kMargin, y, name_width, row), Qt::AlignRight | Qt::AlignVCenter, ph.name);
        const double x0 = axis_left + start / total * axis_px;
        const double w = std::max(kMinSegmentPx, ph.ms / total * axis_px);
        p.fillRect(QRectF(x0, y + 3, w, row - 6), colour);
        p.drawText(QRect(axis_right + kMargin, y, ms_width, row), Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("%1 ms").arg(ph.ms, 0, 'f', 3));
        start += ph.ms;
        y += row;
    }
    // The time axis under the rows: 0 and the total.
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(axis_left, y + 1, static_cast<int>(axis_left + axis_px), y + 1);
    p.setPen(pal.color(QPalette::WindowText));
    p.drawText(QRect(axis_left, y + 2, 60, row), Qt::AlignLeft | Qt::AlignTop, QStringLiteral("0"));
    const QString end = QStringLiteral("%1 ms").arg(total, 0, 'f', 1);
    p.drawText(QRect(static_cast<int>(axis_left + axis_px) - fm.horizontalAdvance(end), y + 2, fm.horizontalAdvance(end) + 2, row),
               Qt::AlignLeft | Qt::AlignTop, end);
}

}  // namespace vl::gui
