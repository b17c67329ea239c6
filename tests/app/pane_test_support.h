// What the GUI tests read off a pane and do in the Lessons panel, the way a user would.
#pragma once

#include <QString>

#include "lessons/scenario_result.h"

class QTableWidget;

namespace vl::gui {
class MainWindow;
class WorldPane;
}  // namespace vl::gui

namespace vl::test {

// The value beside `name` in a two-column name/value table; empty when there is no such row.
QString tableValue(QTableWidget* table, const QString& name);
// A counter from the pane's Counters table ("1,234" -> 1234).
qint64 paneCounter(vl::gui::WorldPane* pane, const QString& name);
// Opens `lesson` at `step` (0-based), presses Run scenario and waits for the scenario's result.
vl::lessons::ScenarioResult runLessonStep(vl::gui::MainWindow& window, const QString& lesson, int step);

}  // namespace vl::test
