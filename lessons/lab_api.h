// The `lab` object a scenario sees -- the only door out of its QJSEngine. Each world call
// builds the same engine class the app uses (world_runs.h) and returns a plain object; the
// check, answer and hint calls record into the ScenarioResult. The global functions expect,
// expectEqual, answer, show and highlight are thin JavaScript wrappers around these
// (scenario_runner.cpp), so a script reads like a test.
#pragma once

#include <QJSValue>
#include <QObject>

#include "lessons/image_lab_api.h"
#include "lessons/scenario_result.h"
#include "lessons/world_runs.h"

class QJSEngine;

namespace vl::lessons {

class LabApi : public QObject {
    Q_OBJECT
    // lab.image.build(...), lab.image.rm(...) ...: images for this scenario (image_lab_api.h).
    Q_PROPERTY(QObject* image READ image CONSTANT)
public:
    LabApi(QJSEngine& engine, ActiveEngine& active, ScenarioResult& result);

    Q_INVOKABLE QJSValue emulate(const QJSValue& options);
    Q_INVOKABLE QJSValue vm(const QJSValue& options = QJSValue());
    Q_INVOKABLE QJSValue container(const QJSValue& options);
    Q_INVOKABLE QJSValue translate(const QJSValue& options);
    Q_INVOKABLE bool isRoot() const;
    // {available, reason}: whether lab.container can run here, and why not.
    Q_INVOKABLE QJSValue containerSupport();
    Q_INVOKABLE QStringList vmModes() const;
    QObject* image() { return &image_; }

    Q_INVOKABLE bool expect(const QJSValue& name, const QJSValue& condition, const QJSValue& message = QJSValue());
    Q_INVOKABLE bool expectEqual(const QJSValue& name, const QJSValue& actual, const QJSValue& expected);
    Q_INVOKABLE void answer(const QJSValue& id, const QJSValue& value);
    Q_INVOKABLE void show(const QJSValue& pane);
    Q_INVOKABLE void highlight(const QJSValue& what);

private:
    bool checkName(const QString& call, const QJSValue& name);
    template <typename Run>
    QVariantMap recorded(const QString& call, const QVariantMap& options, Run run);
    QString display(const QJSValue& value);  // JSON.stringify, or String() for undefined

    QJSEngine& engine_;
    ActiveEngine& active_;
    ScenarioResult& result_;
    ImageLabApi image_;
};

}  // namespace vl::lessons
