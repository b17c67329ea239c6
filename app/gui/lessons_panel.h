// The Lessons panel (issue 6): the course outline with each step's progress, the step's text
// rendered from Markdown, Back/Next, "Run scenario" (the lessons engine on a worker thread,
// never the GUI thread), each check's outcome, and the lesson's questions answered and checked
// in place. Progress goes to the lessons engine's per-user progress file after every change.
// The panel knows nothing of the panes: it emits the scenario's show()/highlight() hints and
// the window arranges itself.
#pragma once

#include <QJsonObject>
#include <QWidget>

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "lessons/lesson.h"
#include "lessons/progress.h"
#include "lessons/scenario_result.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTextBrowser;
class QThread;
class QTreeWidget;
class QTreeWidgetItem;
class QVBoxLayout;

namespace vl::gui {

class LessonsPanel : public QWidget {
    Q_OBJECT
public:
    // Empty arguments: the course from LessonCatalog's default directory and the progress
    // file at Progress::defaultPath().
    explicit LessonsPanel(const QString& course_dir = {}, const QString& progress_path = {}, QWidget* parent = nullptr);
    ~LessonsPanel() override;  // waits for a scenario still running (its budget bounds the wait)

    QTreeWidget* outline() const { return outline_; }
    QTextBrowser* stepView() const { return text_; }
    QLabel* stepTitle() const { return step_title_; }
    QPushButton* backButton() const { return back_; }
    QPushButton* nextButton() const { return next_; }
    QPushButton* runButton() const { return run_; }
    QTreeWidget* checksView() const { return checks_; }
    QLabel* statusLabel() const { return status_; }
    QTabWidget* resultTabs() const { return result_tabs_; }

    // The input a question is answered in (a QComboBox for a choice, else a QLineEdit), its
    // Check button and the label that says whether the answer was right; nullptr when the open
    // lesson has no such question.
    QWidget* answerInput(const QString& question) const;
    QPushButton* checkButton(const QString& question) const;
    QLabel* answerVerdict(const QString& question) const;

    QString lessonId() const { return lesson_ ? lesson_->id : QString(); }
    int stepIndex() const { return step_; }
    bool isRunning() const { return worker_ != nullptr; }
    const lessons::Progress* progress() const { return progress_ ? &*progress_ : nullptr; }

public slots:
    // Opens a lesson at its first step not yet done; false (and a message) when it cannot load.
    bool openLesson(const QString& id);
    void openStep(int step);
    void next();
    void back();
    void runScenario();

signals:
    void lessonOpened(const QString& id);
    // Emitted on the GUI thread after every scenario run, with everything it produced.
    void scenarioFinished(const vl::lessons::ScenarioResult& result);
    // The scenario's show()/highlight() hints, in the order it left them.
    void hintsReady(const std::vector<vl::lessons::Hint>& hints);

private:
    struct QuestionWidgets {
        QWidget* input = nullptr;
        QPushButton* check = nullptr;
        QLabel* verdict = nullptr;
    };

    void buildOutline(const QString& course_dir);
    void refreshOutline();
    void buildQuestions();
    void showResult(const lessons::ScenarioResult& result);
    void checkAnswer(const lessons::LessonQuestion& question);
    void updatePassed();
    void saveProgress();
    void updateButtons();
    QTreeWidgetItem* lessonItem(const QString& id) const;

    std::vector<lessons::Lesson> course_;          // every lesson that loaded, in course order
    std::optional<lessons::Lesson> lesson_;        // the open one
    int step_ = -1;
    std::optional<lessons::Progress> progress_;    // nullopt: the progress file is unreadable
    QString progress_error_;                       // why, shown with every step
    std::map<QString, QJsonObject> live_answers_;  // per lesson: what its scenarios recorded
    std::map<QString, QuestionWidgets> questions_;
    QThread* worker_ = nullptr;
    std::shared_ptr<lessons::ScenarioResult> pending_;

    QTreeWidget* outline_;
    QLabel* step_title_;
    QTextBrowser* text_;
    QPushButton* back_;
    QPushButton* run_;
    QPushButton* next_;
    QLabel* status_;
    QTabWidget* result_tabs_;
    QTreeWidget* checks_;
    QWidget* questions_page_;
    QVBoxLayout* questions_layout_;
};

}  // namespace vl::gui
