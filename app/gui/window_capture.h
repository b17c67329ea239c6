// Screenshots of the lab window for the README and the tests: optionally press Run in every
// pane and run the tour, wait until all runs have finished, then save the window as a PNG.
#pragma once

#include <QString>

#include <functional>

namespace vl::gui {

class MainWindow;

// Calls done(true) after `file` is written, done(false) if it could not be (message on stderr).
void captureWhenSettled(MainWindow* window, const QString& file, bool run_all, std::function<void(bool)> done);

}  // namespace vl::gui
