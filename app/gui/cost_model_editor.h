// The tour's cost model beside its comparison table (trapsim/cost_model.h): one row per
// parameter with its value, editable, and its source, so a student can ask "what if a VM exit
// cost 500 cycles, as on a newer CPU?" and see the modeled cycles change at once.
#pragma once

#include <QTableWidget>

#include "trapsim/cost_model.h"

namespace vl::gui {

class CostModelEditor : public QTableWidget {
    Q_OBJECT
public:
    explicit CostModelEditor(QWidget* parent = nullptr);

    const vm::CostModel& costModel() const { return model_; }
    // Sets one parameter by its name in CostModel::parameters(); false for an unknown name.
    bool setParameter(const QString& name, uint64_t value);
    int rowOf(const QString& name) const;  // -1 when there is no such parameter

signals:
    void costModelChanged(const vl::vm::CostModel& model);
    // An edit that was not a whole number of cycles; the cell went back to the old value.
    void rejected(const QString& message);

private:
    void fill();
    void edited(QTableWidgetItem* item);
    void showValue(const QString& name, uint64_t value);

    vm::CostModel model_;
    bool filling_ = false;
};

}  // namespace vl::gui
