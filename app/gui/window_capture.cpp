#include "app/gui/window_capture.h"

#include <QDockWidget>
#include <QFileInfo>
#include <QPixmap>
#include <QTimer>

#include <algorithm>
#include <cstdio>

#include "app/gui/containers_pane.h"
#include "app/gui/emulation_pane.h"
#include "app/gui/lessons_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/tour_view.h"
#include "app/gui/trap_pane.h"

namespace vl::gui {

namespace {
constexpr int kPollMs = 100;
constexpr int kSettleMs = 300;       // let the last results paint before the grab
constexpr int kGiveUpMs = 120000;    // a pane that never finishes must not hang the caller
constexpr double kTourShare = 0.45;  // of the window's height, when the tour is the subject
}  // namespace

void captureWhenSettled(MainWindow* window, const QString& file, const CaptureOptions& options,
                        std::function<void(bool)> done) {
    const std::vector<WorldPane*> panes = window->panes();
    TourView* tour = window->tourView();
    LessonsPanel* lessons = window->lessonsPanel();
    if (options.run_panes)
        for (auto* pane : panes) pane->run();
    if (options.run_tour) {
        window->tourDock()->show();
        window->resizeDocks({window->tourDock()}, {static_cast<int>(window->height() * kTourShare)}, Qt::Vertical);
        tour->runTour();
    }
    if (options.run_lesson) lessons->runScenario();

    auto* poll = new QTimer(window);
    auto waited = std::make_shared<int>(0);
    QObject::connect(poll, &QTimer::timeout, window, [=] {
        *waited += kPollMs;
        const bool busy = tour->isRunning() || lessons->isRunning() ||
                          std::any_of(panes.begin(), panes.end(), [](WorldPane* p) { return p->isRunning(); });
        if (busy && *waited < kGiveUpMs) return;
        poll->stop();
        poll->deleteLater();
        QTimer::singleShot(kSettleMs, window, [=] {
            const bool ok = window->grab().save(file, "PNG");
            if (!ok) std::fprintf(stderr, "virtlab: cannot write screenshot %s\n", qPrintable(QFileInfo(file).absoluteFilePath()));
            done(ok);
        });
    });
    poll->start(kPollMs);
}

}  // namespace vl::gui
