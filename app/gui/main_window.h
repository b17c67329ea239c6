// The lab's window: the worlds side by side (or as tabs when the window is narrow), each pane
// driving its own engine; the tour dock and the Lessons dock; debugger-style shortcuts that
// act on the pane in use; light and dark themes and presentation mode for projectors; export
// of screenshots and run traces. Its layout, theme and open lesson are remembered.
#pragma once

#include <QMainWindow>

#include <vector>

#include "app/gui/theme.h"
#include "lessons/scenario_result.h"

class QDockWidget;
class QSplitter;
class QStackedWidget;
class QTabWidget;

namespace vl::gui {

class EmulationPane;
class TrapPane;
class ParavirtPane;
class ContainersPane;
class TourView;
class LessonsPanel;
class ShortcutsDialog;
class FuzzDialog;
class WorldPane;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // How the world panes share the central area. Auto: side by side while each pane gets at
    // least kMinPaneWidth pixels, tabs below that.
    enum class PaneLayout { Auto, SideBySide, Tabs };
    static constexpr int kMinPaneWidth = 330;

    // Empty arguments: the default course and progress file (see LessonsPanel).
    explicit MainWindow(const QString& course_dir = {}, const QString& progress_path = {}, QWidget* parent = nullptr);

    EmulationPane* emulationPane() const { return emulation_; }
    TrapPane* trapPane() const { return trap_; }
    ParavirtPane* paravirtPane() const { return paravirt_; }
    ContainersPane* containersPane() const { return containers_; }
    TourView* tourView() const { return tour_; }
    LessonsPanel* lessonsPanel() const { return lessons_; }
    QDockWidget* tourDock() const { return tour_dock_; }
    QDockWidget* lessonsDock() const { return lessons_dock_; }
    QTabWidget* paneTabs() const { return tabs_; }
    std::vector<WorldPane*> panes() const;

    // The pane that Run/Step/Pause/Reset and the export actions act on: the one that last
    // had the keyboard focus (the emulation pane at first).
    WorldPane* activePane() const { return active_; }
    void setActivePane(WorldPane* pane);
    // Makes a pane the active one and gives it the room: its tab, or the larger share.
    void bringForward(WorldPane* pane);

    PaneLayout paneLayout() const { return pane_layout_; }
    void setPaneLayout(PaneLayout layout);  // remembered in QSettings
    bool panesTabbed() const { return tabbed_; }

    ThemeChoice theme() const { return theme_; }
    void setTheme(ThemeChoice theme);  // remembered in QSettings

    bool presentationMode() const { return presentation_; }
    void setPresentationMode(bool on);

    // Help > Keyboard shortcuts (opened without blocking; the same dialog each time).
    ShortcutsDialog* showShortcuts();
    FuzzDialog* showFuzzDialog();

    // The world runs a lesson step's scenario made, each shown in its world's pane (the last
    // one per pane): lab.vm in the Trap pane (trap, bt, hw) or the Paravirtual pane (pv),
    // lab.emulate and lab.translate in the Emulation pane, lab.container in the Containers pane.
    void showLessonRuns(const lessons::ScenarioResult& result);
    // The pane a world run belongs in; nullptr when none shows it (lab.vm's "emulate" mode).
    WorldPane* paneForRun(const lessons::WorldRun& run) const;
    // A lesson scenario's show()/highlight() hints: bring a pane forward (the one the
    // scenario's last run is shown in, unless a hint names another; running it once if it has
    // nothing to show yet), switch its view, mark a counter or register.
    void applyLessonHints(const std::vector<lessons::Hint>& hints);

protected:
    void closeEvent(QCloseEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildMenus();
    // Ctrl+F10 / Ctrl+F11: one of the Emulation pane's translator steps, or why not.
    void stepTranslator(void (EmulationPane::*step)());
    void showAbout();
    void saveScreenshot(QWidget* what, const QString& title);
    void exportTrace();
    void restoreLayout();
    void arrangePanes();
    void applyPalette();

    EmulationPane* emulation_;
    TrapPane* trap_;
    ParavirtPane* paravirt_;
    ContainersPane* containers_;
    TourView* tour_;
    LessonsPanel* lessons_;
    QDockWidget* tour_dock_;
    QDockWidget* lessons_dock_;
    QStackedWidget* stack_;
    QSplitter* splitter_;
    QTabWidget* tabs_;
    QByteArray splitter_state_;  // the side-by-side sizes, kept while the panes are tabs
    PaneLayout pane_layout_ = PaneLayout::Auto;
    bool tabbed_ = false;
    ThemeChoice theme_ = ThemeChoice::FollowDesktop;
    WorldPane* active_ = nullptr;
    WorldPane* lesson_pane_ = nullptr;  // where the last scenario's last run is shown, for its hints
    bool presentation_ = false;
    QFont normal_font_;
    QAction* presentation_action_ = nullptr;
    std::vector<QAction*> layout_actions_, theme_actions_;
    ShortcutsDialog* shortcuts_ = nullptr;
    FuzzDialog* fuzz_ = nullptr;
};

}  // namespace vl::gui
