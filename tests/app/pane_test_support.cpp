#include "tests/app/pane_test_support.h"

#include <gtest/gtest.h>

#include <QPushButton>
#include <QTableWidget>
#include <QTest>

#include "app/gui/lessons_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/world_pane.h"

namespace vl::test {

QString tableValue(QTableWidget* table, const QString& name) {
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 0)->text() == name) return table->item(r, 1)->text();
    return {};
}

qint64 paneCounter(vl::gui::WorldPane* pane, const QString& name) {
    return tableValue(pane->countersTable(), name).remove(',').toLongLong();
}

vl::lessons::ScenarioResult runLessonStep(vl::gui::MainWindow& window, const QString& lesson, int step) {
    vl::gui::LessonsPanel* panel = window.lessonsPanel();
    vl::lessons::ScenarioResult result;
    if (!panel->openLesson(lesson)) {
        ADD_FAILURE() << "no lesson " << lesson.toStdString();
        return result;
    }
    panel->openStep(step);
    bool done = false;
    auto connection = QObject::connect(panel, &vl::gui::LessonsPanel::scenarioFinished, &window,
                                       [&](const vl::lessons::ScenarioResult& r) {
                                           result = r;
                                           done = true;
                                       });
    QTest::mouseClick(panel->runButton(), Qt::LeftButton);
    EXPECT_TRUE(QTest::qWaitFor([&] { return done; }, 60000)) << "the scenario did not finish";
    QObject::disconnect(connection);
    return result;
}

}  // namespace vl::test
