#include "app/gui/network_view.h"

#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cstdlib>

#include "app/gui/theme.h"

namespace vl::gui {

namespace {

constexpr int kMargin = 8;

}  // namespace

NetworkView::NetworkView(QWidget* parent) : QWidget(parent) {
    setObjectName("networkView");
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void NetworkView::setNetwork(const ct::net::NetworkInfo& info) {
    info_ = info;
    known_ = true;
    update();
}

void NetworkView::clear() {
    info_ = {};
    known_ = false;
    update();
}

ct::net::NetworkInfo NetworkView::fromSnapshot(const std::vector<std::pair<std::string, std::string>>& registers) {
    ct::net::NetworkInfo info;
    for (const auto& [name, value] : registers) {
        if (name == "network") info.mode = value;
        else if (name == "address") {
            const auto slash = value.find('/');
            info.address = value.substr(0, slash);
            if (slash != std::string::npos) info.prefix = std::atoi(value.c_str() + slash + 1);
        } else if (name == "gateway") info.gateway = value;
        else if (name == "veth (host)") {  // "vl3f2a9c0d1b7e in vlab0"
            const auto in = value.find(" in ");
            info.host_veth = value.substr(0, in);
            if (in != std::string::npos) info.bridge = value.substr(in + 4);
        } else if (name == "veth (container)") info.container_veth = value;
    }
    return info;
}

QSize NetworkView::sizeHint() const { return {420, fontMetrics().height() * 9 + 2 * kMargin}; }
QSize NetworkView::minimumSizeHint() const { return {260, fontMetrics().height() * 9 + 2 * kMargin}; }

void NetworkView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = palette();
    const QFontMetrics fm = fontMetrics();
    const int line = fm.height();
    const QColor text = pal.color(QPalette::WindowText);
    const QColor host_fill = isDark(pal) ? QColor(0x23, 0x3a, 0x55) : QColor(0xe3, 0xee, 0xfb);
    const QColor container_fill = isDark(pal) ? QColor(0x4a, 0x36, 0x1c) : QColor(0xfd, 0xee, 0xdc);
    const QColor wire = isDark(pal) ? QColor(0x8f, 0xd1, 0x8f) : QColor(0x1d, 0x7a, 0x1d);

    if (!known_) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(kMargin, kMargin, -kMargin, -kMargin), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                   tr("Run a container to see its network. Choose \"bridge\" to give it a veth pair into vlab0."));
        return;
    }

    // Two boxes side by side: the host's namespace on the left, the container's on the right.
    const int box_w = std::max(120, (width() - 3 * kMargin) / 2 - kMargin);
    const int box_h = std::max(line * 8 + 12, height() - 2 * kMargin);
    const QRect host(kMargin, kMargin, box_w, box_h);
    const QRect inside(width() - kMargin - box_w, kMargin, box_w, box_h);
    auto drawBox = [&](const QRect& r, const QColor& fill, const QString& title) {
        p.setPen(QPen(pal.color(QPalette::Mid), 1));
        p.setBrush(fill);
        p.drawRoundedRect(r, 6, 6);
        p.setPen(text);
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.drawText(r.adjusted(6, 4, -6, 0), Qt::AlignLeft | Qt::AlignTop, title);
        p.setFont(font());
    };
    drawBox(host, host_fill, tr("host network namespace"));
    drawBox(inside, container_fill, tr("container network namespace"));

    // An interface: a small rounded tag with its name and address lines.
    auto drawInterface = [&](const QRect& box, int row, const QStringList& lines) -> QRect {
        int w = 0;
        for (const auto& l : lines) w = std::max(w, fm.horizontalAdvance(l));
        w = std::min(w + 12, box.width() - 12);
        const QRect tag(box.left() + 6, box.top() + line * row + 6, w, line * static_cast<int>(lines.size()) + 6);
        p.setPen(QPen(text, 1));
        p.setBrush(pal.color(QPalette::Base));
        p.drawRoundedRect(tag, 4, 4);
        p.setPen(pal.color(QPalette::Text));
        for (int i = 0; i < lines.size(); ++i)
            p.drawText(QRect(tag.left() + 6, tag.top() + 3 + i * line, tag.width() - 8, line), Qt::AlignLeft | Qt::AlignVCenter,
                       fm.elidedText(lines[i], Qt::ElideRight, tag.width() - 8));
        return tag;
    };

    drawInterface(inside, 1, {QStringLiteral("lo  127.0.0.1/8"), tr("loopback, up")});
    if (info_.mode != "bridge" || !info_.attached()) {
        p.setPen(text);
        p.drawText(host.adjusted(6, line * 2, -6, -6), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                   tr("--net none: nothing connects the two. The container has only its own loopback; "
                      "the host's interfaces are not in its namespace."));
        return;
    }
    const QString bridge = QString::fromStdString(info_.bridge.empty() ? ct::net::kBridgeName : info_.bridge);
    const QRect bridge_tag = drawInterface(host, 1, {QStringLiteral("%1  (bridge)").arg(bridge),
                                                     QStringLiteral("%1/%2").arg(QString::fromStdString(info_.gateway)).arg(info_.prefix)});
    const QRect host_veth = drawInterface(host, 4, {QString::fromStdString(info_.host_veth), tr("veth, master %1").arg(bridge)});
    const QRect eth0 = drawInterface(inside, 4, {QString::fromStdString(info_.container_veth.empty() ? "eth0" : info_.container_veth),
                                                 QStringLiteral("%1/%2").arg(QString::fromStdString(info_.address)).arg(info_.prefix),
                                                 tr("default via %1").arg(QString::fromStdString(info_.gateway))});
    // The veth pair is one cable with an end in each namespace; the host end is a bridge port.
    p.setPen(QPen(wire, 3));
    p.drawLine(host_veth.right(), host_veth.center().y(), eth0.left(), host_veth.center().y());
    p.setPen(QPen(wire, 2, Qt::DashLine));
    p.drawLine(bridge_tag.left() + 12, bridge_tag.bottom(), host_veth.left() + 12, host_veth.top());
    p.setPen(text);
    const QString pair = tr("veth pair");
    p.drawText(QRect(host_veth.right(), host_veth.center().y() - line - 2, eth0.left() - host_veth.right(), line),
               Qt::AlignHCenter | Qt::AlignBottom, fm.elidedText(pair, Qt::ElideRight, std::max(0, eth0.left() - host_veth.right())));
}

}  // namespace vl::gui
