#include "trapsim/cost_model.h"

namespace vl::vm {

std::vector<CostModel::Parameter> CostModel::parameters() const {
    return {
        {"cycles_per_instruction", cycles_per_instruction,
         "modelling choice: an idealised CPU retiring one instruction per cycle"},
        {"trap_round_trip_cycles", trap_round_trip_cycles,
         "about 2,000 cycles direct cost per VM exit, Xeon X5570 under KVM (SplitX, IBM/Technion)"},
    };
}

}  // namespace vl::vm
