// The fences a container is built from, namespace by namespace: the inode of VirtLab's own
// namespace (the host's) beside the container's. Different inodes mean a different namespace
// -- the kernel's identity for it, what `readlink /proc/PID/ns/NAME` prints (namespaces(7)).
// Above the table, the PID mapping: the container's pid 1 is an ordinary host process.
#pragma once

#include <QWidget>

#include <sys/types.h>

#include <vector>

#include "app/gui/container_probe.h"

class QLabel;
class QTableWidget;

namespace vl::gui {

class NamespaceTable : public QWidget {
    Q_OBJECT
public:
    explicit NamespaceTable(QWidget* parent = nullptr);

    void setNamespaces(const std::vector<NamespaceRow>& rows);
    // host_pid <= 0: no container process (yet, or any more).
    void setPidMapping(pid_t host_pid, bool running);
    void clear();

    QTableWidget* table() const { return table_; }
    QLabel* pidLabel() const { return pid_label_; }

    // Parses the engine's snapshot rows "ns pid" = "host 4026531836 / container 4026532571".
    static std::vector<NamespaceRow> fromSnapshot(const std::vector<std::pair<std::string, std::string>>& registers);

private:
    QLabel* pid_label_;
    QTableWidget* table_;
};

}  // namespace vl::gui
