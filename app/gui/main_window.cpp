#include "app/gui/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QJsonDocument>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>

#include <map>

#include "app/gui/containers_pane.h"
#include "app/gui/emulation_pane.h"
#include "app/gui/fuzz_dialog.h"
#include "app/gui/lessons_panel.h"
#include "app/gui/paravirt_pane.h"
#include "app/gui/shortcuts_dialog.h"
#include "app/gui/tour_view.h"
#include "app/gui/trap_pane.h"

namespace vl::gui {

namespace {

constexpr double kPresentationScale = 1.6;  // readable from the back of a lecture room

QString layoutKey(MainWindow::PaneLayout layout) {
    switch (layout) {
    case MainWindow::PaneLayout::SideBySide: return "side-by-side";
    case MainWindow::PaneLayout::Tabs: return "tabs";
    case MainWindow::PaneLayout::Auto: break;
    }
    return "auto";
}

MainWindow::PaneLayout parseLayoutKey(const QString& key) {
    if (key == "side-by-side") return MainWindow::PaneLayout::SideBySide;
    if (key == "tabs") return MainWindow::PaneLayout::Tabs;
    return MainWindow::PaneLayout::Auto;
}

}  // namespace

MainWindow::MainWindow(const QString& course_dir, const QString& progress_path, QWidget* parent)
    : QMainWindow(parent), normal_font_(QApplication::font()) {
    desktopPalette();  // captured before this window ever sets a palette of its own
    setWindowTitle(tr("VirtLab - what is under the hood of virtual machines and containers"));
    emulation_ = new EmulationPane;
    trap_ = new TrapPane;
    paravirt_ = new ParavirtPane;
    containers_ = new ContainersPane;
    splitter_ = new QSplitter(Qt::Horizontal);
    splitter_->setObjectName("worlds");
    for (WorldPane* pane : panes()) splitter_->addWidget(pane);
    splitter_->setChildrenCollapsible(false);
    tabs_ = new QTabWidget;
    tabs_->setObjectName("worldTabs");
    stack_ = new QStackedWidget;
    stack_->addWidget(splitter_);
    stack_->addWidget(tabs_);
    stack_->installEventFilter(this);
    // Side by side, the splitter's minimum is the sum of the panes' minimums; held to that, the
    // window could never get narrow enough to switch to tabs. One pane's width is the floor.
    stack_->setMinimumWidth(kMinPaneWidth);
    setCentralWidget(stack_);
    connect(tabs_, &QTabWidget::currentChanged, this, [this](int index) {
        if (auto* pane = qobject_cast<WorldPane*>(tabs_->widget(index))) setActivePane(pane);
    });

    tour_ = new TourView;
    tour_dock_ = new QDockWidget(tr("Tour: one program, every world"));
    tour_dock_->setObjectName("tourDock");
    tour_dock_->setWidget(tour_);
    addDockWidget(Qt::BottomDockWidgetArea, tour_dock_);

    lessons_ = new LessonsPanel(course_dir, progress_path);
    lessons_dock_ = new QDockWidget(tr("Lessons"));
    lessons_dock_->setObjectName("lessonsDock");
    lessons_dock_->setWidget(lessons_);
    addDockWidget(Qt::RightDockWidgetArea, lessons_dock_);
    // scenarioFinished comes first, so the hints act on the panes that show the scenario's runs.
    connect(lessons_, &LessonsPanel::scenarioFinished, this, &MainWindow::showLessonRuns);
    connect(lessons_, &LessonsPanel::hintsReady, this, &MainWindow::applyLessonHints);

    for (QDockWidget* dock : {tour_dock_, lessons_dock_})
        dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                          QDockWidget::DockWidgetClosable);
    // Four panes of kMinPaneWidth beside the Lessons dock; a smaller screen reflows to tabs.
    resize(1900, 1000);
    resizeDocks({tour_dock_}, {330}, Qt::Vertical);
    resizeDocks({lessons_dock_}, {380}, Qt::Horizontal);

    buildMenus();
    setActivePane(emulation_);
    connect(qApp, &QApplication::focusChanged, this, [this](QWidget*, QWidget* now) {
        for (QWidget* w = now; w; w = w->parentWidget())
            if (auto* pane = qobject_cast<WorldPane*>(w)) return setActivePane(pane);
    });
    restoreLayout();
}

std::vector<WorldPane*> MainWindow::panes() const { return {emulation_, trap_, paravirt_, containers_}; }

void MainWindow::setActivePane(WorldPane* pane) {
    if (pane == active_) return;
    active_ = pane;
    statusBar()->showMessage(pane == emulation_
                                 ? tr("Active pane: %1 (F5 run, F10 step, Ctrl+F10 / Ctrl+F11 step an x86 / AArch64 "
                                      "instruction, Shift+F5 pause)").arg(pane->title())
                                 : tr("Active pane: %1 (F5 run, F10 step, Shift+F5 pause)").arg(pane->title()));
}

void MainWindow::bringForward(WorldPane* pane) {
    setActivePane(pane);
    if (tabbed_) return tabs_->setCurrentWidget(pane);
    // Side by side: the pane in question gets half of the width, the others share the rest.
    QList<int> sizes;
    const int total = splitter_->width();
    const int others = static_cast<int>(panes().size()) - 1;
    for (WorldPane* p : panes()) sizes << (p == pane ? total / 2 : total / 2 / std::max(1, others));
    splitter_->setSizes(sizes);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("Save a screenshot of the &window..."), this, [this] { saveScreenshot(this, tr("window")); });
    file->addAction(tr("Save a screenshot of the active &pane..."), this,
                    [this] { saveScreenshot(active_, active_->title()); });
    file->addAction(tr("&Export the active pane's run trace as JSON..."), this, &MainWindow::exportTrace);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(tr("&Run / continue the active pane"), QKeySequence(Qt::Key_F5), this, [this] { active_->run(); });
    run->addAction(tr("&Step one guest instruction"), QKeySequence(Qt::Key_F10), this, [this] { active_->step(); });
    // The translator's finer steps belong to the Emulation pane alone, whichever pane is active.
    // F11 is presentation mode, so Ctrl+ on the step key and on the debuggers' step-into key.
    run->addAction(tr("Step one &x86 instruction of the translated code (Emulation)"), QKeySequence(Qt::CTRL | Qt::Key_F10),
                   this, [this] { stepTranslator(&EmulationPane::stepGuestInstruction); });
    run->addAction(tr("Step one &AArch64 instruction of the translated code (Emulation)"),
                   QKeySequence(Qt::CTRL | Qt::Key_F11), this,
                   [this] { stepTranslator(&EmulationPane::stepHostInstruction); });
    run->addAction(tr("&Pause the active pane"), QKeySequence(Qt::SHIFT | Qt::Key_F5), this, [this] { active_->pause(); });
    run->addAction(tr("R&eset the active pane"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), this,
                   [this] { active_->reset(); });
    run->addSeparator();
    run->addAction(tr("Run the &tour in every world"), QKeySequence(Qt::CTRL | Qt::Key_T), tour_, &TourView::runTour);
    run->addAction(tr("Run the lesson step's s&cenario"), QKeySequence(Qt::CTRL | Qt::Key_R), lessons_,
                   &LessonsPanel::runScenario);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tour_dock_->toggleViewAction());
    view->addAction(lessons_dock_->toggleViewAction());
    QMenu* layout = view->addMenu(tr("Pane &layout"));
    auto* layout_group = new QActionGroup(this);
    for (auto [mode, label] : {std::pair{PaneLayout::Auto, tr("&Automatic: tabs when the window is narrow")},
                               std::pair{PaneLayout::SideBySide, tr("&Side by side")},
                               std::pair{PaneLayout::Tabs, tr("&Tabs")}}) {
        QAction* action = layout->addAction(label, this, [this, mode = mode] { setPaneLayout(mode); });
        action->setCheckable(true);
        action->setData(layoutKey(mode));
        layout_group->addAction(action);
        layout_actions_.push_back(action);
    }
    QMenu* theme = view->addMenu(tr("&Theme"));
    auto* theme_group = new QActionGroup(this);
    for (auto [choice, label] : {std::pair{ThemeChoice::FollowDesktop, tr("Follow the &desktop")},
                                 std::pair{ThemeChoice::Light, tr("&Light")}, std::pair{ThemeChoice::Dark, tr("Dar&k")}}) {
        QAction* action = theme->addAction(label, this, [this, choice = choice] { setTheme(choice); });
        action->setCheckable(true);
        action->setData(themeKey(choice));
        theme_group->addAction(action);
        theme_actions_.push_back(action);
    }
    presentation_action_ = view->addAction(tr("&Presentation mode: large fonts, high contrast"), QKeySequence(Qt::Key_F11),
                                           this, [this](bool on) { setPresentationMode(on); });
    presentation_action_->setCheckable(true);

    QMenu* tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(tr("&Fuzz the translator against Unicorn's x86 CPU..."), this, &MainWindow::showFuzzDialog);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), QKeySequence(Qt::Key_F1), this, &MainWindow::showShortcuts);
    help->addAction(tr("&About VirtLab"), this, &MainWindow::showAbout);
}

void MainWindow::stepTranslator(void (EmulationPane::*step)()) {
    if (tabbed_) tabs_->setCurrentWidget(emulation_);
    setActivePane(emulation_);
    if (!emulation_->stepGuestButton()->isEnabled()) {
        statusBar()->showMessage(emulation_->isRunning()
                                     ? tr("The Emulation pane is running: pause it (Shift+F5) to step")
                                     : tr("Choose the translator as the Emulation pane's CPU to step x86 or AArch64 instructions"));
        return;
    }
    (emulation_->*step)();
}

void MainWindow::setPaneLayout(PaneLayout layout) {
    pane_layout_ = layout;
    for (QAction* a : layout_actions_) a->setChecked(a->data().toString() == layoutKey(layout));
    QSettings().setValue("window/paneLayout", layoutKey(layout));
    arrangePanes();
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    if (watched == stack_ && event->type() == QEvent::Resize) arrangePanes();
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::arrangePanes() {
    const int needed = kMinPaneWidth * static_cast<int>(panes().size());
    const bool tabs = pane_layout_ == PaneLayout::Tabs || (pane_layout_ == PaneLayout::Auto && stack_->width() < needed);
    if (tabs == tabbed_) return;
    tabbed_ = tabs;
    WorldPane* keep = active_;
    if (tabs) {
        splitter_state_ = splitter_->saveState();
        for (WorldPane* pane : panes()) tabs_->addTab(pane, pane->title());
        tabs_->setCurrentWidget(keep);
        stack_->setCurrentWidget(tabs_);
    } else {
        for (WorldPane* pane : panes()) {
            splitter_->addWidget(pane);  // takes it out of the tab widget
            pane->show();                // the tabs had hidden every pane but the current one
        }
        splitter_->restoreState(splitter_state_);
        stack_->setCurrentWidget(splitter_);
    }
    setActivePane(keep);
}

void MainWindow::setTheme(ThemeChoice theme) {
    theme_ = theme;
    for (QAction* a : theme_actions_) a->setChecked(a->data().toString() == themeKey(theme));
    QSettings().setValue("window/theme", themeKey(theme));
    applyPalette();
}

void MainWindow::applyPalette() {
    const QPalette palette = themePalette(theme_, presentation_);
    QApplication::setPalette(palette);
    tour_->setDarkChart(isDark(palette));
}

void MainWindow::setPresentationMode(bool on) {
    presentation_ = on;
    presentation_action_->setChecked(on);
    QFont font = normal_font_;
    if (on) font.setPointSizeF(normal_font_.pointSizeF() * kPresentationScale);
    QApplication::setFont(font);
    applyPalette();
    if (on) bringForward(active_);  // one pane enlarged for the room to read
    statusBar()->showMessage(on ? tr("Presentation mode (F11 to leave)") : tr("Presentation mode off"));
}

ShortcutsDialog* MainWindow::showShortcuts() {
    if (!shortcuts_) shortcuts_ = new ShortcutsDialog(menuBar(), this);
    shortcuts_->show();
    shortcuts_->raise();
    return shortcuts_;
}

FuzzDialog* MainWindow::showFuzzDialog() {
    if (!fuzz_) fuzz_ = new FuzzDialog(this);
    fuzz_->show();
    fuzz_->raise();
    return fuzz_;
}

WorldPane* MainWindow::paneForRun(const lessons::WorldRun& run) const {
    if (run.call == "lab.emulate" || run.call == "lab.translate") return emulation_;
    if (run.call == "lab.container") return containers_;
    if (run.call != "lab.vm") return nullptr;
    const QString mode = run.options.value("mode", "trap").toString();
    if (mode == "pv") return paravirt_;
    if (mode == "trap" || mode == "bt" || mode == "hw") return trap_;
    return nullptr;
}

void MainWindow::showLessonRuns(const lessons::ScenarioResult& result) {
    lesson_pane_ = nullptr;
    std::map<WorldPane*, const lessons::WorldRun*> last;
    for (const auto& run : result.world_runs)
        if (WorldPane* pane = paneForRun(run)) {
            last[pane] = &run;
            lesson_pane_ = pane;
        }
    const QString origin = tr("Lesson %1, step %2").arg(lessons_->lessonId()).arg(lessons_->stepIndex() + 1);
    for (const auto& [pane, run] : last) pane->showLessonRun(*run, origin);
    // Without hints the scenario's last run is what to look at; with them, applyLessonHints decides.
    if (lesson_pane_ && result.hints.empty()) bringForward(lesson_pane_);
}

void MainWindow::applyLessonHints(const std::vector<lessons::Hint>& hints) {
    auto paneNamed = [this](const QString& name) -> WorldPane* {
        if (name == "emulation") return emulation_;
        if (name == "vm" || name == "trap") return trap_;
        if (name == "pv" || name == "paravirtual") return paravirt_;
        if (name == "containers") return containers_;
        return nullptr;
    };
    WorldPane* target = lesson_pane_ ? lesson_pane_ : active_;
    lesson_pane_ = nullptr;  // used once, by the hints of the scenario that made the runs
    QStringList views, marks;
    for (const auto& hint : hints) {
        if (hint.kind == "show" && paneNamed(hint.target)) target = paneNamed(hint.target);
        else if (hint.kind == "show") views << hint.target;
        else if (hint.kind == "highlight") marks << hint.target;
    }
    bringForward(target);
    auto arrange = [this, target, views, marks] {
        for (const QString& v : views) target->showView(v);
        QStringList missing;
        for (const QString& m : marks)
            if (!target->highlightRow(m)) missing << m;
        if (!missing.isEmpty()) statusBar()->showMessage(tr("The lesson points at %1").arg(missing.join(", ")));
    };
    // A pane with nothing on it yet runs once, so the student has a live run to look at.
    if (target->countersTable()->rowCount() == 0 && !target->isRunning()) {
        connect(target, &WorldPane::runFinished, this, arrange, Qt::SingleShotConnection);
        target->run();
    } else {
        arrange();
    }
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About VirtLab"),
                       tr("<p><b>VirtLab %1</b></p><p>One workload, several worlds: full emulation on "
                          "Unicorn's CPUs, trap-and-emulate under a VirtLab monitor, a paravirtual kernel on a "
                          "Xen-style hypervisor, and a real Linux container on this machine's kernel.</p>")
                           .arg(QApplication::applicationVersion()));
}

void MainWindow::saveScreenshot(QWidget* what, const QString& title) {
    const QString file = QFileDialog::getSaveFileName(this, tr("Save a screenshot of the %1").arg(title),
                                                      QStringLiteral("virtlab.png"), tr("PNG images (*.png)"));
    if (file.isEmpty()) return;
    if (what->grab().save(file, "PNG")) statusBar()->showMessage(tr("Saved %1").arg(file));
    else QMessageBox::warning(this, tr("Screenshot"), tr("Cannot write %1").arg(file));
}

void MainWindow::exportTrace() {
    const QString file = QFileDialog::getSaveFileName(this, tr("Export the run trace of %1").arg(active_->title()),
                                                      QStringLiteral("trace.json"), tr("JSON (*.json)"));
    if (file.isEmpty()) return;
    QSaveFile out(file);  // written in full or not at all
    if (out.open(QIODevice::WriteOnly) && out.write(QJsonDocument(active_->traceJson()).toJson()) >= 0 && out.commit())
        statusBar()->showMessage(tr("Exported %1").arg(file));
    else QMessageBox::warning(this, tr("Export"), tr("Cannot write %1: %2").arg(file, out.errorString()));
}

void MainWindow::restoreLayout() {
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    splitter_state_ = settings.value("window/worlds").toByteArray();
    splitter_->restoreState(splitter_state_);
    setTheme(parseThemeKey(settings.value("window/theme").toString()));
    setPaneLayout(parseLayoutKey(settings.value("window/paneLayout").toString()));
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    settings.setValue("window/worlds", tabbed_ ? splitter_state_ : splitter_->saveState());
    QMainWindow::closeEvent(event);
}

}  // namespace vl::gui
