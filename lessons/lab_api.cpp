#include "lessons/lab_api.h"

#include <unistd.h>

#include <QJSEngine>
#include <QJsonValue>

#include "core/error.h"
#include "lessons/world_call.h"

namespace vl::lessons {

LabApi::LabApi(QJSEngine& engine, ActiveEngine& active, ScenarioResult& result)
    : engine_(engine), active_(active), result_(result), image_(engine, active, result, this) {
    // Owned here (a member), never by the JavaScript engine's garbage collector.
    QJSEngine::setObjectOwnership(&image_, QJSEngine::CppOwnership);
}

// Each world call keeps its run in the result (ScenarioResult::world_runs) once it has ended
// without an error, so the GUI can show the run the checks saw.
template <typename Run>
QVariantMap LabApi::recorded(const QString& call, const QVariantMap& options, Run run) {
    WorldRun record;
    record.call = call;
    record.options = options;
    QVariantMap out = run(&record);
    result_.world_runs.push_back(std::move(record));
    return out;
}

QJSValue LabApi::emulate(const QJSValue& options) {
    return callWorld(engine_, result_, "lab.emulate", options, [this](const QVariantMap& o) {
        return recorded("lab.emulate", o, [&](WorldRun* r) { return runEmulation(o, active_, r); });
    });
}
QJSValue LabApi::vm(const QJSValue& options) {
    return callWorld(engine_, result_, "lab.vm", options, [this](const QVariantMap& o) {
        return recorded("lab.vm", o, [&](WorldRun* r) { return runVm(o, active_, r); });
    });
}
QJSValue LabApi::container(const QJSValue& options) {
    return callWorld(engine_, result_, "lab.container", options, [this](const QVariantMap& o) {
        return recorded("lab.container", o, [&](WorldRun* r) {
            return runContainer(
                o, active_, [this](const QString& name) { return image_.images().resolve("lab.container", name); }, r);
        });
    });
}
QJSValue LabApi::translate(const QJSValue& options) {
    return callWorld(engine_, result_, "lab.translate", options, [this](const QVariantMap& o) {
        return recorded("lab.translate", o, [&](WorldRun* r) { return runTranslation(o, active_, r); });
    });
}
bool LabApi::isRoot() const { return geteuid() == 0; }
QStringList LabApi::vmModes() const { return lessons::vmModes(); }

QJSValue LabApi::containerSupport() {
    const QString reason = containerSkipReason();
    QJSValue out = engine_.newObject();
    out.setProperty("available", reason.isEmpty());
    out.setProperty("reason", reason);
    return out;
}

bool LabApi::checkName(const QString& call, const QJSValue& name) {
    if (name.isString() && !name.toString().isEmpty()) return true;
    engine_.throwError(QJSValue::TypeError, call + ": the first argument must be a non-empty name");
    return false;
}

QString LabApi::display(const QJSValue& value) {
    if (value.isUndefined()) return "undefined";
    const QJSValue text = engine_.globalObject().property("JSON").property("stringify").call({value});
    return text.isString() ? text.toString() : value.toString();
}

bool LabApi::expect(const QJSValue& name, const QJSValue& condition, const QJSValue& message) {
    if (!checkName("expect", name)) return false;
    const bool passed = condition.toBool();
    QString why;
    if (!passed) why = message.isUndefined() ? "expected a true condition" : message.toString();
    result_.checks.push_back({name.toString(), passed, false, why});
    return passed;
}

bool LabApi::expectEqual(const QJSValue& name, const QJSValue& actual, const QJSValue& expected) {
    if (!checkName("expectEqual", name)) return false;
    // Objects and arrays compare by their JSON text, everything else by ===.
    const bool passed = (actual.isObject() || expected.isObject()) ? display(actual) == display(expected)
                                                                   : actual.strictlyEquals(expected);
    QString why;
    if (!passed) why = "got " + display(actual) + ", expected " + display(expected);
    result_.checks.push_back({name.toString(), passed, false, why});
    return passed;
}

void LabApi::answer(const QJSValue& id, const QJSValue& value) {
    if (!checkName("answer", id)) return;
    if (value.isUndefined() || value.isCallable()) {
        engine_.throwError(QJSValue::TypeError, "answer: '" + id.toString() + "' needs a number, string or boolean value");
        return;
    }
    result_.answers[id.toString()] = QJsonValue::fromVariant(value.toVariant());
}

void LabApi::show(const QJSValue& pane) {
    if (checkName("show", pane)) result_.hints.push_back({"show", pane.toString()});
}

void LabApi::highlight(const QJSValue& what) {
    if (checkName("highlight", what)) result_.hints.push_back({"highlight", what.toString()});
}

}  // namespace vl::lessons
