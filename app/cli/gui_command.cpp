// `virtlab gui`: the desktop lab.
#include <QApplication>
#include <QTimer>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/gui/main_window.h"
#include "app/gui/window_capture.h"
#include "core/error.h"

namespace vl::cli {
namespace {

int guiCommand(const Args& args) {
    ArgParser parser("virtlab gui [--presentation] [--screenshot FILE [--run]]",
                     "Open the desktop lab: the worlds side by side, each with its own Run button.");
    parser.flag("--presentation", "start in presentation mode: large fonts, high contrast (F11 toggles)");
    parser.option("--screenshot", "FILE", "save a PNG of the window to FILE and exit (for docs and tests)");
    parser.flag("--run", "with --screenshot: press Run in every pane first and wait for the results");
    if (!parser.parse(args)) return 0;
    if (parser.has("--run") && !parser.has("--screenshot")) throwInput("--run goes with --screenshot");

    auto args_of_process = processArguments();
    QApplication app(*args_of_process.argc, args_of_process.argv);
    gui::MainWindow window;
    if (parser.has("--presentation")) window.setPresentationMode(true);
    window.show();
    if (!parser.has("--screenshot")) return QApplication::exec();

    const QString file = QString::fromStdString(parser.value("--screenshot"));
    int status = 0;
    gui::captureWhenSettled(&window, file, parser.has("--run"), [&](bool ok) {
        status = ok ? 0 : 1;
        QApplication::quit();
    });
    QApplication::exec();
    return status;
}

}  // namespace

VIRTLAB_COMMAND(gui, "gui", "gui [--presentation] [--screenshot FILE [--run]]  open the desktop lab", 10,
                &guiCommand, true);

}  // namespace vl::cli
