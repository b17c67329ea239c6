// A line terminal onto the container: the command's output when it has run, and a prompt
// that runs a line in the RUNNING container with `virtlab container exec ID -- /bin/sh -c
// LINE` -- setns into its namespaces and cgroup, exactly what `docker exec` does -- streaming
// what it prints. The exec runs as a child process (QProcess), so a slow or hanging command
// never blocks the window; Stop kills it.
#pragma once

#include <QProcess>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace vl::gui {

class ContainerTerminal : public QWidget {
    Q_OBJECT
public:
    explicit ContainerTerminal(QWidget* parent = nullptr);
    ~ContainerTerminal() override;

    // The `virtlab` executable that runs exec (default: this application's own binary).
    void setVirtlabExecutable(const QString& path) { virtlab_ = path; }
    // The container lines go to; an empty id (or !running) disables the prompt.
    void setContainer(const QString& id, bool running);
    // The command started in a new container (echoed as the first line).
    void showCommand(const QString& command);
    // What the container's command printed (its stdout, then stderr).
    void showOutput(const QString& out, const QString& err);
    // Output as the command prints it (stdout and stderr in arrival order), then, once it has
    // exited, a line break if the output did not end with one.
    void showLiveOutput(const QString& text) { append(text); }
    void endLiveOutput();
    void clear();

    QPlainTextEdit* screen() const { return screen_; }
    QLineEdit* input() const { return input_; }
    bool isExecuting() const { return exec_.state() != QProcess::NotRunning; }

public slots:
    void execLine(const QString& line);  // the prompt's Enter

signals:
    void execFinished(int exit_status);

private:
    void append(const QString& text);
    void updatePrompt();

    QString virtlab_;
    QString id_;
    bool running_ = false;
    QLabel* prompt_;
    QPlainTextEdit* screen_;
    QLineEdit* input_;
    QPushButton* stop_;
    QProcess exec_;
};

}  // namespace vl::gui
