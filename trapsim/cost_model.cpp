#include "trapsim/cost_model.h"

#include <utility>

namespace vl::vm {

uint64_t CostModel::*CostModel::memberOf(std::string_view name) {
    static constexpr std::pair<std::string_view, uint64_t CostModel::*> kMembers[] = {
        {"cycles_per_instruction", &CostModel::cycles_per_instruction},
        {"trap_round_trip_cycles", &CostModel::trap_round_trip_cycles},
        {"vm_exit_cycles", &CostModel::vm_exit_cycles},
        {"bt_callout_cycles", &CostModel::bt_callout_cycles},
        {"bt_translation_cycles_per_instruction", &CostModel::bt_translation_cycles_per_instruction},
        {"hypercall_cycles", &CostModel::hypercall_cycles},
    };
    for (const auto& [member_name, member] : kMembers)
        if (member_name == name) return member;
    return nullptr;
}

bool CostModel::set(std::string_view name, uint64_t value) {
    uint64_t CostModel::*member = memberOf(name);
    if (!member) return false;
    this->*member = value;
    return true;
}

std::optional<uint64_t> CostModel::get(std::string_view name) const {
    uint64_t CostModel::*member = memberOf(name);
    if (!member) return std::nullopt;
    return this->*member;
}

std::vector<CostModel::Parameter> CostModel::parameters() const {
    return {
        {"cycles_per_instruction", cycles_per_instruction,
         "modelling choice: an idealised CPU retiring one instruction per cycle"},
        {"trap_round_trip_cycles", trap_round_trip_cycles,
         "about 2,000 cycles direct cost per VM exit, Xeon X5570 under KVM (SplitX, IBM/Technion)"},
        {"vm_exit_cycles", vm_exit_cycles,
         "about 2,000 cycles direct cost per VM exit, Xeon X5570 under KVM (SplitX, IBM/Technion)"},
        {"bt_callout_cycles", bt_callout_cycles,
         "modelling choice: of the order of a system call (~100 cycles); BT callouts need no fault or mode switch "
         "(Adams & Agesen, ASPLOS 2006)"},
        {"bt_translation_cycles_per_instruction", bt_translation_cycles_per_instruction,
         "modelling choice: decode, classify and emit one guest instruction, once (bt and emulate)"},
        {"hypercall_cycles", hypercall_cycles,
         "modelling choice: an int 0x82 round trip into the ring-0 hypervisor, of the order of a system call "
         "(~100 cycles, kernel_entry_benchmark in QEMU/KVM); no VM exit (Barham et al., SOSP 2003)"},
    };
}

}  // namespace vl::vm
