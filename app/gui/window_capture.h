// Screenshots of the lab window for the README and the tests: optionally press Run in every
// pane, run the tour, run the open lesson step's scenario; wait until all of it has finished,
// then save the window as a PNG.
#pragma once

#include <QString>

#include <functional>

namespace vl::gui {

class MainWindow;

struct CaptureOptions {
    bool run_panes = false;      // press Run in every world's pane
    bool run_tour = false;       // run the tour, and give its dock the room to show the results
    bool run_lesson = false;     // run the open lesson step's scenario
};

// Calls done(true) after `file` is written, done(false) if it could not be (message on stderr).
void captureWhenSettled(MainWindow* window, const QString& file, const CaptureOptions& options,
                        std::function<void(bool)> done);

}  // namespace vl::gui
