// The lab's window: the worlds side by side, each pane driving its own engine.
#pragma once

#include <QMainWindow>

class QDockWidget;

namespace vl::gui {

class EmulationPane;
class TrapPane;
class ContainersPane;
class TourView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    EmulationPane* emulationPane() const { return emulation_; }
    TrapPane* trapPane() const { return trap_; }
    ContainersPane* containersPane() const { return containers_; }
    TourView* tourView() const { return tour_; }

private:
    void buildMenus(QDockWidget* tour_dock);
    void showAbout();

    EmulationPane* emulation_;
    TrapPane* trap_;
    ContainersPane* containers_;
    TourView* tour_;
};

}  // namespace vl::gui
