#include "app/gui/lessons_panel.h"

#include <QComboBox>
#include <QDoubleValidator>
#include <QElapsedTimer>
#include <QFile>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QTextBrowser>
#include <QThread>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

#include "lessons/answer_check.h"
#include "lessons/lesson_catalog.h"
#include "lessons/lesson_runner.h"

namespace vl::gui {

namespace {

constexpr int kLessonIdRole = Qt::UserRole;
constexpr int kStepRole = Qt::UserRole + 1;  // -1 on a lesson's own row

QString readText(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return QObject::tr("*Cannot read %1: %2*").arg(path, file.errorString());
    return QString::fromUtf8(file.readAll());
}

// A number as a student types it: "2000", "2,000" (C locale grouping) or in the desktop's locale.
std::optional<double> parseNumber(QString text) {
    text = text.trimmed();
    bool ok = false;
    double value = QLocale::c().toDouble(QString(text).remove(','), &ok);
    if (!ok) value = QLocale().toDouble(text, &ok);
    return ok ? std::optional<double>(value) : std::nullopt;
}

}  // namespace

LessonsPanel::LessonsPanel(const QString& course_dir, const QString& progress_path, QWidget* parent) : QWidget(parent) {
    outline_ = new QTreeWidget;
    outline_->setObjectName("lessonOutline");
    outline_->setHeaderLabels({tr("Lesson / step"), tr("Done")});
    outline_->header()->setStretchLastSection(false);
    outline_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    outline_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);

    step_title_ = new QLabel(tr("Choose a lesson in the outline."));
    step_title_->setObjectName("stepTitle");
    step_title_->setWordWrap(true);
    text_ = new QTextBrowser;
    text_->setObjectName("stepText");
    text_->setOpenExternalLinks(true);

    back_ = new QPushButton(tr("Back"));
    back_->setObjectName("lessonBack");
    run_ = new QPushButton(tr("Run scenario"));
    run_->setObjectName("lessonRun");
    run_->setToolTip(tr("Run this step's live scenario and its checks (on a worker thread)"));
    next_ = new QPushButton(tr("Next"));
    next_->setObjectName("lessonNext");
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(back_);
    buttons->addWidget(run_, 1);
    buttons->addWidget(next_);

    status_ = new QLabel;
    status_->setObjectName("lessonStatus");
    status_->setWordWrap(true);

    checks_ = new QTreeWidget;
    checks_->setObjectName("lessonChecks");
    checks_->setHeaderLabels({tr("Check"), tr("Result")});
    checks_->setRootIsDecorated(false);
    checks_->setWordWrap(true);
    checks_->header()->setStretchLastSection(false);
    checks_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    checks_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);

    questions_page_ = new QWidget;
    questions_layout_ = new QVBoxLayout(questions_page_);
    auto* questions_scroll = new QScrollArea;
    questions_scroll->setWidgetResizable(true);
    questions_scroll->setWidget(questions_page_);

    result_tabs_ = new QTabWidget;
    result_tabs_->setObjectName("lessonResults");
    result_tabs_->addTab(checks_, tr("Checks"));
    result_tabs_->addTab(questions_scroll, tr("Questions"));

    auto* step_box = new QWidget;
    auto* step_layout = new QVBoxLayout(step_box);
    step_layout->setContentsMargins(0, 0, 0, 0);
    step_layout->addWidget(step_title_);
    step_layout->addWidget(text_, 1);
    step_layout->addLayout(buttons);
    step_layout->addWidget(status_);

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(outline_);
    split->addWidget(step_box);
    split->addWidget(result_tabs_);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 5);
    split->setStretchFactor(2, 3);
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(split);

    try {
        progress_.emplace(progress_path.isEmpty() ? lessons::Progress::defaultPath() : progress_path);
    } catch (const std::exception& e) {
        // Never overwrite a progress file we could not read: the student may fix it by hand.
        progress_error_ = tr("Progress is not saved this session: %1").arg(QString::fromStdString(e.what()));
        status_->setText(progress_error_);
    }
    buildOutline(course_dir);

    connect(back_, &QPushButton::clicked, this, &LessonsPanel::back);
    connect(next_, &QPushButton::clicked, this, &LessonsPanel::next);
    connect(run_, &QPushButton::clicked, this, &LessonsPanel::runScenario);
    connect(outline_, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        if (isRunning()) return status_->setText(tr("Wait for the scenario to finish."));
        const QString id = item->data(0, kLessonIdRole).toString();
        const int step = item->data(0, kStepRole).toInt();
        if (id.isEmpty()) return;
        if (id != lessonId() && !openLesson(id)) return;
        if (step >= 0) openStep(step);
    });
    updateButtons();

    QSettings settings;
    const QString last = settings.value("lessons/open").toString();
    if (!last.isEmpty() && lessonItem(last) && openLesson(last)) openStep(settings.value("lessons/step", 0).toInt());
}

LessonsPanel::~LessonsPanel() {
    if (worker_) {
        worker_->wait();  // the scenario's own time budget bounds this
        delete worker_;
    }
}

void LessonsPanel::buildOutline(const QString& course_dir) {
    std::optional<lessons::LessonCatalog> catalog;
    try {
        catalog.emplace(course_dir.isEmpty() ? lessons::LessonCatalog() : lessons::LessonCatalog(course_dir));
    } catch (const std::exception& e) {
        status_->setText(tr("No course: %1").arg(QString::fromStdString(e.what())));
        return;
    }
    for (const QString& id : catalog->ids()) {
        try {
            course_.push_back(catalog->load(id));
        } catch (const std::exception& e) {
            // One broken lesson must not hide the rest of the course.
            auto* item = new QTreeWidgetItem(outline_, {id, tr("broken")});
            item->setToolTip(0, QString::fromStdString(e.what()));
            item->setDisabled(true);
            continue;
        }
        const lessons::Lesson& lesson = course_.back();
        auto* item = new QTreeWidgetItem(outline_, {lesson.title});
        item->setData(0, kLessonIdRole, lesson.id);
        item->setData(0, kStepRole, -1);
        item->setToolTip(0, tr("%1\n\n%2, about %3 minutes%4")
                                .arg(lesson.summary, lesson.level)
                                .arg(lesson.minutes)
                                .arg(lesson.prerequisites.isEmpty()
                                         ? QString()
                                         : tr("\nBefore this: %1").arg(lesson.prerequisites.join(", "))));
        for (size_t s = 0; s < lesson.steps.size(); ++s) {
            auto* step = new QTreeWidgetItem(item, {tr("%1. %2").arg(s + 1).arg(lesson.steps[s].title)});
            step->setData(0, kLessonIdRole, lesson.id);
            step->setData(0, kStepRole, static_cast<int>(s));
        }
    }
    refreshOutline();
}

QTreeWidgetItem* LessonsPanel::lessonItem(const QString& id) const {
    for (int i = 0; i < outline_->topLevelItemCount(); ++i)
        if (outline_->topLevelItem(i)->data(0, kLessonIdRole).toString() == id) return outline_->topLevelItem(i);
    return nullptr;
}

void LessonsPanel::refreshOutline() {
    const QIcon done_icon = style()->standardIcon(QStyle::SP_DialogApplyButton);
    for (const auto& lesson : course_) {
        QTreeWidgetItem* item = lessonItem(lesson.id);
        if (!item) continue;
        int done = 0;
        for (int s = 0; s < item->childCount(); ++s) {
            const bool step_done = progress_ && progress_->stepDone(lesson.id, s);
            done += step_done;
            item->child(s)->setText(1, step_done ? tr("done") : QString());
            item->child(s)->setIcon(1, step_done ? done_icon : QIcon());
        }
        const bool passed = progress_ && progress_->passed(lesson.id);
        item->setText(1, passed ? tr("passed") : tr("%1/%2").arg(done).arg(item->childCount()));
        item->setIcon(1, passed ? done_icon : QIcon());
    }
}

bool LessonsPanel::openLesson(const QString& id) {
    if (isRunning()) return false;
    auto it = std::find_if(course_.begin(), course_.end(), [&](const lessons::Lesson& l) { return l.id == id; });
    if (it == course_.end()) {
        status_->setText(tr("No lesson '%1' in the course.").arg(id));
        return false;
    }
    lesson_ = *it;
    int first_open = 0;
    while (first_open + 1 < static_cast<int>(lesson_->steps.size()) && progress_ && progress_->stepDone(id, first_open))
        ++first_open;
    if (QTreeWidgetItem* item = lessonItem(id)) item->setExpanded(true);
    buildQuestions();
    emit lessonOpened(id);
    step_ = -1;
    openStep(first_open);
    return true;
}

void LessonsPanel::openStep(int step) {
    if (!lesson_ || step < 0 || step >= static_cast<int>(lesson_->steps.size()) || isRunning()) return;
    step_ = step;
    const lessons::LessonStep& s = lesson_->steps[static_cast<size_t>(step)];
    step_title_->setText(tr("<b>%1</b><br>Step %2 of %3: %4")
                             .arg(lesson_->title.toHtmlEscaped())
                             .arg(step + 1)
                             .arg(lesson_->steps.size())
                             .arg(s.title.toHtmlEscaped()));
    text_->setSearchPaths({lesson_->dir});
    // QTextEdit's own setMarkdown, not its document's: it also puts the cursor at the start, so
    // a new step opens at its heading instead of keeping the previous scroll position.
    text_->setMarkdown(readText(lesson_->stepTextPath(static_cast<size_t>(step))));
    checks_->clear();
    status_->setText(s.scenario.isEmpty() ? tr("A reading step: Next when you are done.")
                                          : tr("Press Run scenario to see it live."));
    if (!progress_error_.isEmpty()) status_->setText(progress_error_ + "\n" + status_->text());
    if (QTreeWidgetItem* item = lessonItem(lesson_->id)) outline_->setCurrentItem(item->child(step));
    QSettings settings;
    settings.setValue("lessons/open", lesson_->id);
    settings.setValue("lessons/step", step);
    updateButtons();
}

void LessonsPanel::next() {
    if (!lesson_ || isRunning()) return;
    // A reading step is done once read; a scenario step only once its checks passed.
    if (lesson_->steps[static_cast<size_t>(step_)].scenario.isEmpty() && progress_) {
        progress_->markStepDone(lesson_->id, step_);
        saveProgress();
    }
    openStep(step_ + 1);
}

void LessonsPanel::back() {
    if (lesson_ && !isRunning()) openStep(step_ - 1);
}

void LessonsPanel::updateButtons() {
    const bool open = lesson_.has_value() && step_ >= 0;
    const bool busy = isRunning();
    back_->setEnabled(open && !busy && step_ > 0);
    next_->setEnabled(open && !busy && step_ + 1 < static_cast<int>(lesson_->steps.size()));
    run_->setEnabled(open && !busy && !lesson_->steps[static_cast<size_t>(step_)].scenario.isEmpty());
}

void LessonsPanel::runScenario() {
    if (!lesson_ || step_ < 0 || isRunning() || lesson_->steps[static_cast<size_t>(step_)].scenario.isEmpty()) return;
    auto result = std::make_shared<lessons::ScenarioResult>();
    const lessons::Lesson lesson = *lesson_;
    const size_t step = static_cast<size_t>(step_);
    // The scenario builds and runs whole engines (a guest kernel boot, a container): seconds of
    // work that must not freeze the window. Its QJSEngine lives and dies on this thread.
    worker_ = QThread::create([result, lesson, step] {
        try {
            *result = lessons::LessonRunner().runStep(lesson, step);
        } catch (const std::exception& e) {
            result->error = QString::fromStdString(e.what());
        }
    });
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    connect(worker_, &QThread::finished, this, [this, result, timer, id = lesson.id, step] {
        worker_->deleteLater();
        worker_ = nullptr;
        if (result->passed() && progress_) {
            progress_->markStepDone(id, static_cast<int>(step));
            saveProgress();
        }
        for (auto it = result->answers.begin(); it != result->answers.end(); ++it) live_answers_[id][it.key()] = it.value();
        showResult(*result);
        status_->setText(status_->text() + tr(" (%1 s)").arg(static_cast<double>(timer->elapsed()) / 1000, 0, 'f', 1));
        updateButtons();
        updatePassed();
        emit scenarioFinished(*result);
        if (!result->hints.empty()) emit hintsReady(result->hints);
    });
    checks_->clear();
    status_->setText(tr("Running the scenario of step %1...").arg(step + 1));
    worker_->start();
    updateButtons();
}

void LessonsPanel::showResult(const lessons::ScenarioResult& result) {
    checks_->clear();
    int failed = 0;
    for (const auto& check : result.checks) {
        const QString verdict = check.skipped ? tr("skipped") : check.passed ? tr("passed") : tr("FAILED");
        auto* item = new QTreeWidgetItem(checks_, {check.name, verdict});
        item->setIcon(1, style()->standardIcon(check.skipped  ? QStyle::SP_MessageBoxInformation
                                               : check.passed ? QStyle::SP_DialogApplyButton
                                                              : QStyle::SP_DialogCancelButton));
        if (!check.message.isEmpty()) {
            item->setToolTip(0, check.message);
            new QTreeWidgetItem(item, {check.message});
            item->setExpanded(!check.passed);
        }
        failed += !check.passed && !check.skipped;
    }
    for (const auto& hint : result.hints)
        if (hint.kind == "highlight") new QTreeWidgetItem(checks_, {tr("Look at: %1").arg(hint.target), QString()});
    result_tabs_->setCurrentWidget(checks_);

    if (result.broken()) status_->setText(tr("The scenario is broken: %1").arg(result.error));
    else if (!result.timed_out.isEmpty()) status_->setText(tr("The scenario %1.").arg(result.timed_out));
    else if (!result.skipped.isEmpty()) status_->setText(tr("Skipped here: %1").arg(result.skipped));
    else if (failed) status_->setText(tr("%1 of %2 checks failed.").arg(failed).arg(result.checks.size()));
    else status_->setText(tr("All %1 checks passed.").arg(result.checks.size()));
}

void LessonsPanel::buildQuestions() {
    questions_.clear();
    while (QLayoutItem* item = questions_layout_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const QJsonObject saved = progress_ ? progress_->answers(lesson_->id) : QJsonObject();
    int number = 0;
    for (const auto& question : lesson_->questions) {
        auto* box = new QGroupBox(tr("Question %1").arg(++number));
        auto* prompt = new QLabel(question.prompt);
        prompt->setWordWrap(true);
        QuestionWidgets w;
        const QJsonValue answer = saved.value(question.id);
        if (question.kind == lessons::LessonQuestion::Kind::Choice) {
            auto* combo = new QComboBox;
            combo->addItem(tr("(choose an answer)"));
            combo->addItems(question.choices);
            combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
            combo->setMinimumContentsLength(20);
            for (int i = 0; i < question.choices.size(); ++i) combo->setItemData(i + 1, question.choices[i], Qt::ToolTipRole);
            if (answer.isString()) combo->setCurrentIndex(std::max(0, combo->findText(answer.toString())));
            w.input = combo;
        } else {
            auto* edit = new QLineEdit;
            if (question.kind == lessons::LessonQuestion::Kind::Number) edit->setPlaceholderText(tr("a number"));
            if (answer.isDouble()) edit->setText(QLocale::c().toString(answer.toDouble(), 'g', 15));
            else if (answer.isString()) edit->setText(answer.toString());
            connect(edit, &QLineEdit::returnPressed, this, [this, question] { checkAnswer(question); });
            w.input = edit;
        }
        w.input->setObjectName("answer_" + question.id);
        w.check = new QPushButton(tr("Check"));
        w.check->setObjectName("check_" + question.id);
        w.verdict = new QLabel;
        w.verdict->setObjectName("verdict_" + question.id);
        w.verdict->setWordWrap(true);
        auto* row = new QHBoxLayout;
        row->addWidget(w.input, 1);
        row->addWidget(w.check);
        auto* inner = new QVBoxLayout(box);
        inner->addWidget(prompt);
        inner->addLayout(row);
        inner->addWidget(w.verdict);
        questions_layout_->addWidget(box);
        connect(w.check, &QPushButton::clicked, this, [this, question] { checkAnswer(question); });
        questions_[question.id] = w;
    }
    if (lesson_->questions.empty()) questions_layout_->addWidget(new QLabel(tr("This lesson asks no questions.")));
    questions_layout_->addStretch(1);
    result_tabs_->setTabText(1, tr("Questions (%1)").arg(lesson_->questions.size()));
}

QWidget* LessonsPanel::answerInput(const QString& question) const {
    auto it = questions_.find(question);
    return it == questions_.end() ? nullptr : it->second.input;
}

QPushButton* LessonsPanel::checkButton(const QString& question) const {
    auto it = questions_.find(question);
    return it == questions_.end() ? nullptr : it->second.check;
}

QLabel* LessonsPanel::answerVerdict(const QString& question) const {
    auto it = questions_.find(question);
    return it == questions_.end() ? nullptr : it->second.verdict;
}

void LessonsPanel::checkAnswer(const lessons::LessonQuestion& question) {
    if (!lesson_) return;
    const QuestionWidgets& w = questions_.at(question.id);
    QJsonValue given;
    if (auto* combo = qobject_cast<QComboBox*>(w.input)) {
        if (combo->currentIndex() <= 0) return w.verdict->setText(tr("Choose an answer first."));
        given = combo->currentText();
    } else {
        const QString text = static_cast<QLineEdit*>(w.input)->text().trimmed();
        if (text.isEmpty()) return w.verdict->setText(tr("Type an answer first."));
        if (question.kind == lessons::LessonQuestion::Kind::Number) {
            const auto number = parseNumber(text);
            if (!number) return w.verdict->setText(tr("That is not a number."));
            given = *number;
        } else {
            given = text;
        }
    }
    if (progress_) {
        progress_->saveAnswer(lesson_->id, question.id, given);
        saveProgress();
    }
    const auto expected = lessons::expectedAnswer(question, live_answers_[lesson_->id]);
    if (!expected)
        w.verdict->setText(tr("Saved. The answer comes from the live run: run the step that measures it, then check again."));
    else if (lessons::answerMatches(question, given, *expected))
        w.verdict->setText(tr("Right."));
    else
        w.verdict->setText(tr("Not right yet: look at the run again."));
    updatePassed();
}

void LessonsPanel::updatePassed() {
    if (!lesson_ || !progress_) return;
    for (size_t s = 0; s < lesson_->steps.size(); ++s)
        if (!progress_->stepDone(lesson_->id, static_cast<int>(s))) return;
    const QJsonObject saved = progress_->answers(lesson_->id);
    for (const auto& q : lesson_->questions) {
        const auto expected = lessons::expectedAnswer(q, live_answers_[lesson_->id]);
        if (!expected || !saved.contains(q.id) || !lessons::answerMatches(q, saved.value(q.id), *expected)) return;
    }
    if (progress_->passed(lesson_->id)) return;
    progress_->markPassed(lesson_->id, true);
    saveProgress();
    status_->setText(tr("Lesson passed: every step done and every question answered right."));
}

void LessonsPanel::saveProgress() {
    try {
        progress_->save();
    } catch (const std::exception& e) {
        status_->setText(tr("Cannot save progress: %1").arg(QString::fromStdString(e.what())));
    }
    refreshOutline();
}

}  // namespace vl::gui
