// Real containers: a process in new PID, mount, UTS, IPC and network namespaces, pivot_root'ed
// into a busybox root filesystem, fenced by cgroup limits -- on the host kernel.
#pragma once

#include "app/gui/world_pane.h"

class QLineEdit;
class QSpinBox;

namespace vl::gui {

class ContainersPane : public WorldPane {
    Q_OBJECT
public:
    explicit ContainersPane(QWidget* parent = nullptr);

    QLineEdit* commandEdit() const { return command_; }
    QLineEdit* hostnameEdit() const { return hostname_; }
    QSpinBox* memoryBox() const { return memory_mib_; }
    QSpinBox* pidsBox() const { return pids_; }

protected:
    EngineRunner::Factory engineFactory() override;
    QStringList leadingCounters() const override;
    QString listingTitle() const override;

private:
    QLineEdit* command_;
    QLineEdit* hostname_;
    QSpinBox* memory_mib_;
    QSpinBox* pids_;
};

}  // namespace vl::gui
