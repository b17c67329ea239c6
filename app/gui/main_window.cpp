#include "app/gui/main_window.h"

#include <QApplication>
#include <QDockWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>

#include "app/gui/containers_pane.h"
#include "app/gui/emulation_pane.h"
#include "app/gui/tour_view.h"
#include "app/gui/trap_pane.h"

namespace vl::gui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("VirtLab - what is under the hood of virtual machines and containers"));
    auto* splitter = new QSplitter(Qt::Horizontal);
    emulation_ = new EmulationPane;
    trap_ = new TrapPane;
    containers_ = new ContainersPane;
    for (QWidget* pane : {static_cast<QWidget*>(emulation_), static_cast<QWidget*>(trap_),
                          static_cast<QWidget*>(containers_)})
        splitter->addWidget(pane);
    splitter->setChildrenCollapsible(false);
    setCentralWidget(splitter);

    tour_ = new TourView;
    auto* tour_dock = new QDockWidget(tr("Tour: one program, every world"));
    tour_dock->setObjectName("tourDock");
    tour_dock->setWidget(tour_);
    tour_dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                           QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::BottomDockWidgetArea, tour_dock);
    resizeDocks({tour_dock}, {330}, Qt::Vertical);

    buildMenus(tour_dock);
    statusBar()->showMessage(tr("Press Run in a pane: each world runs on its own worker thread."));
    resize(1500, 1000);
}

void MainWindow::buildMenus(QDockWidget* tour_dock) {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tour_dock->toggleViewAction());
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About VirtLab"), this, &MainWindow::showAbout);
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About VirtLab"),
                       tr("<p><b>VirtLab %1</b></p><p>One workload, several worlds: full emulation on "
                          "Unicorn's CPUs, trap-and-emulate under a VirtLab monitor, and a real Linux "
                          "container on this machine's kernel.</p>")
                           .arg(QApplication::applicationVersion()));
}

}  // namespace vl::gui
