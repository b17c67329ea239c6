#include "lessons/scenario_runner.h"

#include <QFile>
#include <QJSEngine>

#include "lessons/lab_api.h"
#include "lessons/script_watchdog.h"

namespace vl::lessons {
namespace {

// The test-like global functions, written in JavaScript so that a missing argument arrives at
// the C++ side as `undefined` instead of failing the overload match.
constexpr const char* kPrelude = R"JS(
function expect(name, condition, message) { return lab.expect(name, condition, message); }
function expectEqual(name, actual, expected) { return lab.expectEqual(name, actual, expected); }
function answer(id, value) { lab.answer(id, value); }
function show(pane) { lab.show(pane); }
function highlight(what) { lab.highlight(what); }
)JS";

// "FILE:LINE: ReferenceError: x is not defined". The line is the innermost frame of the
// scenario itself, so an error raised inside a prelude wrapper (expect() without a name)
// points at the script line that called it. V4 stack frames read "fn@file:///path:LINE".
QString describeError(const QJSValue& error, const QString& file_name) {
    long line = 0;
    for (const QString& frame : error.property("stack").toString().split('\n')) {
        if (frame.isEmpty() || frame.contains("virtlab:prelude")) continue;
        bool ok = false;
        const long n = frame.section(':', -1).toLong(&ok);
        if (ok) line = n;
        break;
    }
    if (line == 0 && error.property("lineNumber").isNumber()) line = error.property("lineNumber").toInt();
    return file_name + (line > 0 ? ":" + QString::number(line) : QString()) + ": " + error.toString();
}

}  // namespace

QString timeoutMessage(std::chrono::milliseconds budget) {
    return "timed out after " + QString::number(budget.count() / 1000.0, 'g', 6) + " s";
}

ScenarioResult ScenarioRunner::runFile(const QString& path, const QString& function) const {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        ScenarioResult result;
        result.error = path + ": cannot read: " + file.errorString();
        return result;
    }
    return runSource(QString::fromUtf8(file.readAll()), path, function);
}

ScenarioResult ScenarioRunner::runSource(const QString& source, const QString& file_name, const QString& function) const {
    ScenarioResult result;
    QJSEngine js;
    ActiveEngine active;
    LabApi lab(js, active, result);
    QJSValue lab_value = js.newQObject(&lab);
    // LabApi lives on this stack frame; the engine must not try to delete it.
    QJSEngine::setObjectOwnership(&lab, QJSEngine::CppOwnership);
    js.globalObject().setProperty("lab", lab_value);
    const QJSValue prelude = js.evaluate(kPrelude, "virtlab:prelude");
    if (prelude.isError()) {
        result.error = describeError(prelude, "virtlab:prelude");
        return result;
    }

    ScriptWatchdog watchdog(budget_, [&js, &active] {
        js.setInterrupted(true);
        active.stopAll();
    });
    auto settle = [&](const QJSValue& value) {
        if (watchdog.fired()) {
            result.timed_out = timeoutMessage(budget_);
            return false;
        }
        if (!value.isError()) return true;
        // A world that cannot run here ends the scenario as skipped, not broken.
        if (!result.skipped.isEmpty() && value.property("name").toString() == "Skip") return false;
        result.error = describeError(value, file_name);
        return false;
    };

    if (settle(js.evaluate(source, file_name, 1)) && !function.isEmpty()) {
        const QJSValue fn = js.globalObject().property(function);
        if (fn.isCallable()) settle(fn.call());
        else result.error = file_name + ": no function '" + function + "' (named by lesson.json)";
    }
    // Named for what it stands for: the checks the step would have made after the world call.
    if (!result.skipped.isEmpty())
        result.checks.push_back({"the rest of this step (its world cannot run here)", false, true, result.skipped});
    return result;
}

}  // namespace vl::lessons
