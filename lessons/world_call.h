// How every lab.* call that does work (a world run, an image build) crosses from JavaScript
// into C++ and back: the options object becomes a QVariantMap, the result a plain JavaScript
// object, a WorldSkipped becomes the `Skip` error (remembered in the result, so a script that
// catches it still reports its checks as skipped), and any other exception a JavaScript Error
// naming the call. Shared by LabApi (lab.emulate, lab.vm ...) and ImageLabApi (lab.image.*).
#pragma once

#include <QJSEngine>
#include <QJSValue>
#include <QString>
#include <QVariantMap>

#include <exception>

#include "lessons/scenario_result.h"
#include "lessons/world_runs.h"

namespace vl::lessons {

template <typename Run>
QJSValue callWorld(QJSEngine& engine, ScenarioResult& result, const QString& call, const QJSValue& options, Run run) {
    if (!options.isUndefined() && !options.isObject()) {
        engine.throwError(QJSValue::TypeError, call + ": takes one options object");
        return {};
    }
    try {
        return engine.toScriptValue(run(options.toVariant().toMap()));
    } catch (const WorldSkipped& skip) {
        result.skipped = skip.reason;
        QJSValue error = engine.newErrorObject(QJSValue::GenericError, "skipped: " + skip.reason);
        error.setProperty("name", "Skip");
        engine.throwError(error);
    } catch (const std::exception& e) {  // vl::Error: bad options, a program that would not load ...
        const QString message = QString::fromStdString(e.what());
        engine.throwError(QJSValue::GenericError, message.startsWith(call) ? message : call + ": " + message);
    }
    return {};
}

}  // namespace vl::lessons
