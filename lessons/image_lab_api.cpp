#include "lessons/image_lab_api.h"

#include <QJSEngine>

#include "lessons/world_call.h"

namespace vl::lessons {

ImageLabApi::ImageLabApi(QJSEngine& engine, ActiveEngine& active, ScenarioResult& result, QObject* parent)
    : QObject(parent), engine_(engine), active_(active), result_(result) {}

QJSValue ImageLabApi::nameOrOptions(const QJSValue& value) {
    if (!value.isString()) return value;
    QJSValue options = engine_.newObject();
    options.setProperty("image", value);
    return options;
}

QJSValue ImageLabApi::build(const QJSValue& options) {
    return callWorld(engine_, result_, "lab.image.build", options,
                     [this](const QVariantMap& o) { return images_.build(o, active_); });
}

QJSValue ImageLabApi::inspect(const QJSValue& image) {
    return callWorld(engine_, result_, "lab.image.inspect", nameOrOptions(image),
                     [this](const QVariantMap& o) { return images_.inspect(o); });
}

QJSValue ImageLabApi::rm(const QJSValue& image) {
    return callWorld(engine_, result_, "lab.image.rm", nameOrOptions(image),
                     [this](const QVariantMap& o) { return images_.remove(o); });
}

QJSValue ImageLabApi::list() {
    return callWorld(engine_, result_, "lab.image.list", QJSValue(), [this](const QVariantMap&) { return images_.list(); });
}

QJSValue ImageLabApi::bundle(const QJSValue& options) {
    return callWorld(engine_, result_, "lab.image.bundle", nameOrOptions(options),
                     [this](const QVariantMap& o) { return images_.bundle(o); });
}

QJSValue ImageLabApi::runBundle(const QJSValue& options) {
    return callWorld(engine_, result_, "lab.image.runBundle", options,
                     [this](const QVariantMap& o) { return images_.runBundle(o, active_); });
}

}  // namespace vl::lessons
