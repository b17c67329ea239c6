// The lab's window: the worlds side by side, each pane driving its own engine; the tour dock;
// debugger-style shortcuts that act on the pane in use; presentation mode for projectors;
// export of screenshots and run traces. Its layout is remembered between sessions.
#pragma once

#include <QMainWindow>

class QDockWidget;
class QSplitter;

namespace vl::gui {

class EmulationPane;
class TrapPane;
class ContainersPane;
class TourView;
class WorldPane;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    EmulationPane* emulationPane() const { return emulation_; }
    TrapPane* trapPane() const { return trap_; }
    ContainersPane* containersPane() const { return containers_; }
    TourView* tourView() const { return tour_; }
    std::vector<WorldPane*> panes() const;

    // The pane that Run/Step/Pause/Reset and the export actions act on: the one that last
    // had the keyboard focus (the emulation pane at first).
    WorldPane* activePane() const { return active_; }
    void setActivePane(WorldPane* pane);

    bool presentationMode() const { return presentation_; }
    void setPresentationMode(bool on);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus(QDockWidget* tour_dock);
    void showAbout();
    void showShortcuts();
    void saveScreenshot(QWidget* what, const QString& title);
    void exportTrace();
    void restoreLayout();

    EmulationPane* emulation_;
    TrapPane* trap_;
    ContainersPane* containers_;
    TourView* tour_;
    QSplitter* splitter_;
    WorldPane* active_ = nullptr;
    bool presentation_ = false;
    QFont normal_font_;
    QAction* presentation_action_ = nullptr;
};

}  // namespace vl::gui
