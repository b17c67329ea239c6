// `lab.image`, the JavaScript face of ImageLab (image_lab.h): build, inspect, rm, list,
// bundle and runBundle. A child object of LabApi, so its images live exactly as long as the
// scenario that made them (one step's run) and lab.container({image}) can find them.
#pragma once

#include <QJSValue>
#include <QObject>

#include "lessons/image_lab.h"
#include "lessons/scenario_result.h"

class QJSEngine;

namespace vl::lessons {

class ImageLabApi : public QObject {
    Q_OBJECT
public:
    ImageLabApi(QJSEngine& engine, ActiveEngine& active, ScenarioResult& result, QObject* parent);

    Q_INVOKABLE QJSValue build(const QJSValue& options);
    // inspect, rm, bundle take {image: "name"}, or the name itself.
    Q_INVOKABLE QJSValue inspect(const QJSValue& image);
    Q_INVOKABLE QJSValue rm(const QJSValue& image);
    Q_INVOKABLE QJSValue list();
    Q_INVOKABLE QJSValue bundle(const QJSValue& options);
    Q_INVOKABLE QJSValue runBundle(const QJSValue& options);

    ImageLab& images() { return images_; }

private:
    QJSValue nameOrOptions(const QJSValue& value);  // "x" -> {image: "x"}

    QJSEngine& engine_;
    ActiveEngine& active_;
    ScenarioResult& result_;
    ImageLab images_;
};

}  // namespace vl::lessons
