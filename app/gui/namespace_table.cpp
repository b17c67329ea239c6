#include "app/gui/namespace_table.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <regex>

#include "app/gui/read_only_table.h"

namespace vl::gui {

namespace {

enum Column { kName, kHost, kContainer, kVerdict, kColumns };

// What each namespace fences off (namespaces(7)), for the tooltip of its row.
QString whatItIsolates(const QString& name) {
    if (name == "pid") return QObject::tr("process ids: the command is pid 1 and sees only its own processes");
    if (name == "mnt") return QObject::tr("the mount table: the container's root, /proc and /dev are its own");
    if (name == "uts") return QObject::tr("hostname and domain name");
    if (name == "ipc") return QObject::tr("System V IPC objects and POSIX message queues");
    if (name == "net") return QObject::tr("network devices, addresses, routes, ports");
    if (name == "cgroup") return QObject::tr("the cgroup root shown in /proc/self/cgroup");
    if (name == "user") return QObject::tr("user and group ids, and capabilities over them");
    return {};
}

}  // namespace

NamespaceTable::NamespaceTable(QWidget* parent) : QWidget(parent) {
    setObjectName("namespaceTable");
    pid_label_ = new QLabel;
    pid_label_->setObjectName("pidMapping");
    pid_label_->setWordWrap(true);
    pid_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    table_ = makeReadOnlyTable({tr("Namespace"), tr("Host inode"), tr("Container inode"), tr("")}, "namespaces");
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(pid_label_);
    layout->addWidget(table_, 1);
    clear();
}

void NamespaceTable::clear() {
    table_->setRowCount(0);
    setPidMapping(-1, false);
}

void NamespaceTable::setPidMapping(pid_t host_pid, bool running) {
    if (host_pid <= 0) {
        pid_label_->setText(tr("PID mapping: no container process yet."));
        return;
    }
    pid_label_->setText(running ? tr("PID 1 inside the container = host PID %1 (an ordinary process: "
                                     "see /proc/%1 on the host)").arg(host_pid)
                                : tr("PID 1 inside the container was host PID %1 (it has exited).").arg(host_pid));
}

void NamespaceTable::setNamespaces(const std::vector<NamespaceRow>& rows) {
    table_->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const auto& ns = rows[static_cast<size_t>(r)];
        const QString name = QString::fromStdString(ns.name);
        const bool own = ns.host_inode != ns.container_inode;
        auto* name_item = new QTableWidgetItem(name);
        name_item->setToolTip(whatItIsolates(name));
        table_->setItem(r, kName, name_item);
        for (auto [column, value] : {std::pair{kHost, ns.host_inode}, std::pair{kContainer, ns.container_inode}}) {
            auto* item = new QTableWidgetItem(QString::number(value));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            table_->setItem(r, column, item);
        }
        table_->setItem(r, kVerdict, new QTableWidgetItem(own ? tr("own namespace") : tr("shared with host")));
    }
}

std::vector<NamespaceRow> NamespaceTable::fromSnapshot(const std::vector<std::pair<std::string, std::string>>& registers) {
    static const std::regex value(R"(^host (\d+) / container (\d+)$)");
    std::vector<NamespaceRow> rows;
    for (const auto& [name, text] : registers) {
        if (!name.starts_with("ns ")) continue;
        std::smatch m;
        if (!std::regex_match(text, m, value)) continue;
        rows.push_back({name.substr(3), std::stoull(m[1]), std::stoull(m[2])});
    }
    return rows;
}

}  // namespace vl::gui
