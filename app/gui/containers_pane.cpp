#include "app/gui/containers_pane.h"

#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

#include "containers/container_engine.h"
#include "core/error.h"

namespace vl::gui {

ContainersPane::ContainersPane(QWidget* parent)
    : WorldPane(tr("Containers"),
                tr("A real Linux process in new PID, mount, UTS, IPC and network namespaces, "
                   "pivot_root'ed into a busybox root filesystem and limited by cgroups. It needs root."),
                false, parent) {
    command_ = new QLineEdit(QStringLiteral("echo \"my pid: $$\"; hostname; ps; cat /proc/self/cgroup"));
    command_->setObjectName("command");
    hostname_ = new QLineEdit(QStringLiteral("lab"));
    hostname_->setObjectName("hostname");
    memory_mib_ = new QSpinBox;
    memory_mib_->setObjectName("memory");
    memory_mib_->setRange(0, 1 << 20);
    memory_mib_->setValue(64);
    memory_mib_->setSuffix(tr(" MiB"));
    memory_mib_->setSpecialValueText(tr("no limit"));
    pids_ = new QSpinBox;
    pids_->setObjectName("pids");
    pids_->setRange(0, 1 << 22);
    pids_->setValue(32);
    pids_->setSpecialValueText(tr("no limit"));

    auto* form = new QFormLayout;
    form->addRow(tr("Shell command"), command_);
    form->addRow(tr("Hostname"), hostname_);
    form->addRow(tr("Memory limit"), memory_mib_);
    form->addRow(tr("Process limit"), pids_);
    controlsLayout()->addLayout(form);
}

EngineRunner::Factory ContainersPane::engineFactory() {
    const std::string command = command_->text().trimmed().toStdString();
    if (command.empty()) throwInput("the shell command is empty");
    ct::ContainerConfig config;
    config.argv = {"/bin/sh", "-c", command};
    config.hostname = hostname_->text().trimmed().toStdString();
    if (memory_mib_->value() > 0) config.memory_bytes = static_cast<uint64_t>(memory_mib_->value()) << 20;
    if (pids_->value() > 0) config.pids_max = static_cast<uint64_t>(pids_->value());
    config.capture_output = true;
    return [config]() -> std::unique_ptr<Engine> { return std::make_unique<ct::ContainerEngine>(config); };
}

QStringList ContainersPane::leadingCounters() const { return {}; }

QString ContainersPane::listingTitle() const { return tr("start-up phases"); }

}  // namespace vl::gui
