// The lab's window: the worlds side by side, each pane driving its own engine.
#pragma once

#include <QMainWindow>

namespace vl::gui {

class EmulationPane;
class TrapPane;
class ContainersPane;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    EmulationPane* emulationPane() const { return emulation_; }
    TrapPane* trapPane() const { return trap_; }
    ContainersPane* containersPane() const { return containers_; }

private:
    void buildMenus();
    void showAbout();

    EmulationPane* emulation_;
    TrapPane* trap_;
    ContainersPane* containers_;
};

}  // namespace vl::gui
