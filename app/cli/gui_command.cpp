// `virtlab gui`: the desktop lab.
#include <QApplication>
#include <QTimer>
#include <QWindow>
#include <QDockWidget>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/gui/lessons_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/window_capture.h"
#include "core/error.h"

namespace vl::cli {
namespace {

// Quits the application once the window has been exposed: Qt paints a widget window while it
// handles the expose event, so the quit, queued from here, runs after the first paint.
class QuitWhenExposed : public QObject {
public:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::Expose) QTimer::singleShot(0, qApp, [] { QApplication::quit(); });
        return QObject::eventFilter(watched, event);
    }
};

int guiCommand(const Args& args) {
    ArgParser parser("virtlab gui [--presentation] [--lesson ID] [--screenshot FILE [--run] [--tour]] [--quit-when-shown]",
                     "Open the desktop lab: the worlds side by side, each with its own Run button, the tour and the lessons.");
    parser.flag("--presentation", "start in presentation mode: large fonts, high contrast (F11 toggles)");
    parser.option("--lesson", "ID", "open this lesson in the Lessons panel (see virtlab lesson list)");
    parser.option("--screenshot", "FILE", "save a PNG of the window to FILE and exit (for docs and tests)");
    parser.flag("--run", "with --screenshot: press Run in every pane and run the tour (and the lesson step) first");
    parser.flag("--tour", "with --screenshot: run the tour and show its comparison large");
    parser.flag("--quit-when-shown", "exit as soon as the window has been drawn (to time start-up)");
    if (!parser.parse(args)) return 0;
    const bool shot = parser.has("--screenshot");
    if (parser.has("--run") && !shot) throwInput("--run goes with --screenshot");
    if (parser.has("--tour") && !shot) throwInput("--tour goes with --screenshot");

    auto args_of_process = processArguments();
    QApplication app(*args_of_process.argc, args_of_process.argv);
    gui::MainWindow window;
    if (parser.has("--lesson")) {
        const QString id = QString::fromStdString(parser.value("--lesson"));
        if (!window.lessonsPanel()->openLesson(id))
            throwInput("no lesson '" + id.toStdString() + "' (see virtlab lesson list)");
        window.lessonsDock()->show();
    }
    if (parser.has("--presentation")) window.setPresentationMode(true);
    QuitWhenExposed quit_when_exposed;
    if (parser.has("--quit-when-shown")) {
        window.winId();  // creates the native window, so its expose events can be watched
        window.windowHandle()->installEventFilter(&quit_when_exposed);
    }
    window.show();
    if (parser.has("--quit-when-shown")) return QApplication::exec();
    if (!shot) return QApplication::exec();

    const QString file = QString::fromStdString(parser.value("--screenshot"));
    gui::CaptureOptions options;
    options.run_panes = parser.has("--run");
    options.run_tour = parser.has("--run") || parser.has("--tour");
    options.run_lesson = parser.has("--run") && parser.has("--lesson");
    int status = 0;
    gui::captureWhenSettled(&window, file, options, [&](bool ok) {
        status = ok ? 0 : 1;
        QApplication::quit();
    });
    QApplication::exec();
    return status;
}

}  // namespace

VIRTLAB_COMMAND(gui, "gui", "gui [--lesson ID] [--presentation]  open the desktop lab",
                10, &guiCommand, true);

}  // namespace vl::cli
