#include "app/gui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QJsonDocument>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>

#include "app/gui/containers_pane.h"
#include "app/gui/emulation_pane.h"
#include "app/gui/tour_view.h"
#include "app/gui/trap_pane.h"

namespace vl::gui {

namespace {

constexpr double kPresentationScale = 1.6;  // readable from the back of a lecture room

struct Shortcut {
    const char* keys;
    const char* what;
};
// The debugger convention (Visual Studio, Qt Creator): F5 run/continue, Shift+F5 stop, F10 step.
constexpr Shortcut kShortcuts[] = {
    {"F5", "Run, or continue a paused run, in the active pane"},
    {"F10", "Step one guest instruction in the active pane"},
    {"Shift+F5", "Pause the active pane (stop a container)"},
    {"Ctrl+Shift+R", "Reset the active pane"},
    {"Ctrl+T", "Run the tour in every world"},
    {"F11", "Presentation mode: large fonts, high contrast"},
    {"Ctrl+Q", "Quit"},
};

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), normal_font_(QApplication::font()) {
    setWindowTitle(tr("VirtLab - what is under the hood of virtual machines and containers"));
    splitter_ = new QSplitter(Qt::Horizontal);
    splitter_->setObjectName("worlds");
    emulation_ = new EmulationPane;
    trap_ = new TrapPane;
    containers_ = new ContainersPane;
    for (WorldPane* pane : panes()) splitter_->addWidget(pane);
    splitter_->setChildrenCollapsible(false);
    setCentralWidget(splitter_);

    tour_ = new TourView;
    auto* tour_dock = new QDockWidget(tr("Tour: one program, every world"));
    tour_dock->setObjectName("tourDock");
    tour_dock->setWidget(tour_);
    tour_dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                           QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::BottomDockWidgetArea, tour_dock);
    resize(1500, 1000);
    resizeDocks({tour_dock}, {330}, Qt::Vertical);

    buildMenus(tour_dock);
    setActivePane(emulation_);
    connect(qApp, &QApplication::focusChanged, this, [this](QWidget*, QWidget* now) {
        for (QWidget* w = now; w; w = w->parentWidget())
            if (auto* pane = qobject_cast<WorldPane*>(w)) return setActivePane(pane);
    });
    restoreLayout();
}

std::vector<WorldPane*> MainWindow::panes() const { return {emulation_, trap_, containers_}; }

void MainWindow::setActivePane(WorldPane* pane) {
    if (pane == active_) return;
    active_ = pane;
    statusBar()->showMessage(tr("Active pane: %1 (F5 run, F10 step, Shift+F5 pause)").arg(pane->title()));
}

void MainWindow::buildMenus(QDockWidget* tour_dock) {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("Save a screenshot of the &window..."), this, [this] { saveScreenshot(this, tr("window")); });
    file->addAction(tr("Save a screenshot of the active &pane..."), this,
                    [this] { saveScreenshot(active_, active_->title()); });
    file->addAction(tr("&Export the active pane's run trace as JSON..."), this, &MainWindow::exportTrace);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(tr("&Run / continue"), QKeySequence(Qt::Key_F5), this, [this] { active_->run(); });
    run->addAction(tr("&Step"), QKeySequence(Qt::Key_F10), this, [this] { active_->step(); });
    run->addAction(tr("&Pause"), QKeySequence(Qt::SHIFT | Qt::Key_F5), this, [this] { active_->pause(); });
    run->addAction(tr("R&eset"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), this, [this] { active_->reset(); });
    run->addSeparator();
    run->addAction(tr("Run the &tour"), QKeySequence(Qt::CTRL | Qt::Key_T), tour_, &TourView::runTour);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tour_dock->toggleViewAction());
    presentation_action_ = view->addAction(tr("&Presentation mode"), QKeySequence(Qt::Key_F11), this,
                                           [this](bool on) { setPresentationMode(on); });
    presentation_action_->setCheckable(true);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), this, &MainWindow::showShortcuts);
    help->addAction(tr("&About VirtLab"), this, &MainWindow::showAbout);
}

void MainWindow::setPresentationMode(bool on) {
    presentation_ = on;
    presentation_action_->setChecked(on);
    QFont font = normal_font_;
    if (on) font.setPointSizeF(normal_font_.pointSizeF() * kPresentationScale);
    QApplication::setFont(font);
    // High contrast: black on white with a strong highlight, whatever the desktop theme.
    QPalette palette = QApplication::style()->standardPalette();
    if (on) {
        palette.setColor(QPalette::Window, Qt::white);
        palette.setColor(QPalette::Base, Qt::white);
        palette.setColor(QPalette::WindowText, Qt::black);
        palette.setColor(QPalette::Text, Qt::black);
        palette.setColor(QPalette::ButtonText, Qt::black);
        palette.setColor(QPalette::Highlight, QColor(0, 0, 160));
        palette.setColor(QPalette::HighlightedText, Qt::white);
    }
    QApplication::setPalette(on ? palette : QPalette());
    statusBar()->showMessage(on ? tr("Presentation mode (F11 to leave)") : tr("Presentation mode off"));
}

void MainWindow::showShortcuts() {
    QString rows;
    for (const auto& s : kShortcuts)
        rows += QStringLiteral("<tr><td><b>%1</b>&nbsp;&nbsp;</td><td>%2</td></tr>").arg(s.keys, tr(s.what));
    QMessageBox::information(this, tr("Keyboard shortcuts"), QStringLiteral("<table>%1</table>").arg(rows));
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About VirtLab"),
                       tr("<p><b>VirtLab %1</b></p><p>One workload, several worlds: full emulation on "
                          "Unicorn's CPUs, trap-and-emulate under a VirtLab monitor, and a real Linux "
                          "container on this machine's kernel.</p>")
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
    splitter_->restoreState(settings.value("window/worlds").toByteArray());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    settings.setValue("window/worlds", splitter_->saveState());
    QMainWindow::closeEvent(event);
}

}  // namespace vl::gui
