#include "app/gui/blkif_ring_view.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "app/gui/listing_colours.h"
#include "trapsim/pv/blkback.h"

namespace vl::gui {

namespace {
constexpr int kSlots = static_cast<int>(vm::pv::blkif::kRingEntries);
}

BlkifRingView::BlkifRingView(QWidget* parent) : QWidget(parent) {
    setObjectName("blkifRing");
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
}

void BlkifRingView::setIndices(const Indices& indices) {
    indices_ = indices;
    update();
}

void BlkifRingView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    const QRectF area = QRectF(rect()).adjusted(8, 8, -8, -8);
    const double side = std::min(area.width(), area.height());
    const QPointF centre = area.center();
    const double outer = side / 2, inner = outer * 0.7;
    const QRectF outer_box(centre.x() - outer, centre.y() - outer, 2 * outer, 2 * outer);
    const QRectF inner_box(centre.x() - inner, centre.y() - inner, 2 * inner, 2 * inner);

    // Slot s waits to be served when it is among the req_prod - req_cons slots from req_cons;
    // it holds one of the latest responses when among the last min(rsp_prod, 32) before rsp_prod.
    const uint32_t waiting = indices_.req_prod - indices_.req_cons;
    const uint32_t answered = std::min<uint32_t>(indices_.rsp_prod, kSlots);
    for (int s = 0; s < kSlots; ++s) {
        const double start = 90.0 - s * 360.0 / kSlots, span = -360.0 / kSlots;
        QPainterPath slot;
        slot.arcMoveTo(outer_box, start);
        slot.arcTo(outer_box, start, span);
        slot.arcTo(inner_box, start + span, -span);
        slot.closeSubpath();
        const auto u = static_cast<uint32_t>(s);
        const bool is_waiting = (u - indices_.req_cons) % kSlots < waiting;
        const bool holds_response = (indices_.rsp_prod - 1 - u) % kSlots < answered;
        p.setPen(QPen(pal.color(QPalette::Mid), 1));
        p.setBrush(is_waiting ? bandColour(1, pal) : holds_response ? bandColour(2, pal) : pal.color(QPalette::Base));
        p.drawPath(slot);
    }
    // The slot the next request will be taken from (req_cons mod 32), outlined.
    {
        const int s = static_cast<int>(indices_.req_cons % kSlots);
        const double start = 90.0 - s * 360.0 / kSlots, span = -360.0 / kSlots;
        QPainterPath slot;
        slot.arcMoveTo(outer_box, start);
        slot.arcTo(outer_box, start, span);
        slot.arcTo(inner_box, start + span, -span);
        slot.closeSubpath();
        p.setPen(QPen(pal.color(QPalette::Highlight), 3));
        p.setBrush(Qt::NoBrush);
        p.drawPath(slot);
    }

    const QFontMetrics fm(font());
    const QStringList lines = {
        tr("req_prod = %1").arg(indices_.req_prod),
        tr("req_cons = %1").arg(indices_.req_cons),
        tr("rsp_prod = %1").arg(indices_.rsp_prod),
    };
    p.setPen(pal.color(QPalette::Text));
    const double top = centre.y() - lines.size() * fm.height() / 2.0;
    for (int i = 0; i < lines.size(); ++i)
        p.drawText(QRectF(centre.x() - inner, top + i * fm.height(), 2 * inner, fm.height()), Qt::AlignCenter, lines[i]);
}

}  // namespace vl::gui
