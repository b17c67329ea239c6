#include "app/gui/container_terminal.h"

#include <QCoreApplication>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QVBoxLayout>

namespace vl::gui {

namespace {
constexpr int kMaxLines = 5000;  // a chatty exec keeps the latest lines only
}

ContainerTerminal::ContainerTerminal(QWidget* parent) : QWidget(parent), virtlab_(QCoreApplication::applicationFilePath()) {
    setObjectName("containerTerminal");
    screen_ = new QPlainTextEdit;
    screen_->setObjectName("terminalScreen");
    screen_->setReadOnly(true);
    screen_->setMaximumBlockCount(kMaxLines);
    screen_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    screen_->setFont(fixed);
    prompt_ = new QLabel;
    prompt_->setFont(fixed);
    input_ = new QLineEdit;
    input_->setObjectName("terminalInput");
    input_->setFont(fixed);
    stop_ = new QPushButton(tr("Stop"));
    stop_->setObjectName("terminalStop");
    stop_->setToolTip(tr("Kill the command running in the container (SIGKILL to the exec)"));

    auto* row = new QHBoxLayout;
    row->addWidget(prompt_);
    row->addWidget(input_, 1);
    row->addWidget(stop_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(screen_, 1);
    layout->addLayout(row);

    exec_.setProcessChannelMode(QProcess::MergedChannels);
    connect(input_, &QLineEdit::returnPressed, this, [this] {
        const QString line = input_->text();
        input_->clear();
        execLine(line);
    });
    connect(stop_, &QPushButton::clicked, this, [this] {
        if (isExecuting()) exec_.kill();
    });
    connect(&exec_, &QProcess::readyRead, this, [this] { append(QString::fromLocal8Bit(exec_.readAll())); });
    connect(&exec_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus how) {
        append(QString::fromLocal8Bit(exec_.readAll()));
        const int status = how == QProcess::CrashExit ? -1 : code;
        if (status != 0) append(how == QProcess::CrashExit ? tr("[killed]\n") : tr("[exit status %1]\n").arg(code));
        updatePrompt();
        emit execFinished(status);
    });
    connect(&exec_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            append(tr("[cannot start %1: %2]\n").arg(virtlab_, exec_.errorString()));
            updatePrompt();
            emit execFinished(-1);
        }
    });
    updatePrompt();
}

ContainerTerminal::~ContainerTerminal() {
    // The exec's process is ours: never leave it running behind a closed window.
    if (isExecuting()) {
        exec_.kill();
        exec_.waitForFinished(2000);
    }
}

void ContainerTerminal::setContainer(const QString& id, bool running) {
    id_ = id;
    running_ = running;
    updatePrompt();
}

void ContainerTerminal::updatePrompt() {
    const bool ready = running_ && !id_.isEmpty() && !isExecuting();
    input_->setEnabled(ready);
    stop_->setEnabled(isExecuting());
    prompt_->setText(running_ && !id_.isEmpty() ? QStringLiteral("%1 #").arg(id_.left(12)) : QStringLiteral("#"));
    input_->setPlaceholderText(running_ ? tr("a command to exec in the running container (Enter)")
                                        : tr("exec needs a running container: run a long command, e.g. sleep 60"));
}

void ContainerTerminal::append(const QString& text) {
    if (text.isEmpty()) return;
    screen_->moveCursor(QTextCursor::End);
    screen_->insertPlainText(text);
    screen_->verticalScrollBar()->setValue(screen_->verticalScrollBar()->maximum());
}

void ContainerTerminal::showCommand(const QString& command) { append(QStringLiteral("$ %1\n").arg(command)); }

void ContainerTerminal::showOutput(const QString& out, const QString& err) {
    append(out);
    if (!out.isEmpty() && !out.endsWith('\n')) append(QStringLiteral("\n"));
    append(err);
    if (!err.isEmpty() && !err.endsWith('\n')) append(QStringLiteral("\n"));
}

void ContainerTerminal::endLiveOutput() {
    const QString text = screen_->toPlainText();
    if (!text.isEmpty() && !text.endsWith('\n')) append(QStringLiteral("\n"));
}

void ContainerTerminal::clear() { screen_->clear(); }

void ContainerTerminal::execLine(const QString& line) {
    if (line.trimmed().isEmpty() || isExecuting()) return;
    if (!running_ || id_.isEmpty()) {
        append(tr("[no running container to exec into]\n"));
        return;
    }
    append(QStringLiteral("%1 # %2\n").arg(id_.left(12), line));
    exec_.setProgram(virtlab_);
    exec_.setArguments({"container", "exec", id_, "--", "/bin/sh", "-c", line});
    exec_.setStandardInputFile(QProcess::nullDevice());
    exec_.start();
    updatePrompt();
}

}  // namespace vl::gui
