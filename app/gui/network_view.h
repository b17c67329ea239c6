// The container's network as a diagram: with --net bridge, the host's vlab0 bridge (the
// gateway), the veth pair's host end plugged into it and its other end, eth0, inside the
// container's network namespace with the container's address; with --net none, the
// container's lonely loopback. What `ip link`/`ip addr` would show on each side.
#pragma once

#include <QWidget>

#include <string>
#include <utility>
#include <vector>

#include "containers/net/network_info.h"

namespace vl::gui {

class NetworkView : public QWidget {
    Q_OBJECT
public:
    explicit NetworkView(QWidget* parent = nullptr);

    void setNetwork(const ct::net::NetworkInfo& info);
    const ct::net::NetworkInfo& network() const { return info_; }
    void clear();

    // The engine's snapshot rows ("network", "address", "gateway", "veth (host)" ...).
    static ct::net::NetworkInfo fromSnapshot(const std::vector<std::pair<std::string, std::string>>& registers);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    ct::net::NetworkInfo info_;
    bool known_ = false;
};

}  // namespace vl::gui
