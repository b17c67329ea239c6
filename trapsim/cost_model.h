// The cost model behind `modeled_cycles`: what a run would cost on real hardware, so the
// modes can be compared by more than the wall time of an emulator. Every parameter has a
// default with its source; the GUI shows them and lets a student change them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vl::vm {

struct CostModel {
    // An idealised CPU retiring one guest instruction per cycle. A modelling choice, not a
    // measurement: it keeps guest work and monitor overhead in the same unit.
    uint64_t cycles_per_instruction = 1;
    // One trap round trip: guest -> monitor -> guest. About 2,000 cycles is the direct cost of
    // one VM exit measured on a Nehalem Xeon X5570 under KVM (Landau, Ben-Yehuda and Gordon,
    // "SplitX: Split Guest/Hypervisor Execution on Multi-Core", IBM/Technion, WIOV 2011). A fault into a ring-0 monitor plus its
    // iret is of the same order; indirect costs (cache and TLB pollution) are left out.
    uint64_t trap_round_trip_cycles = 2000;

    uint64_t cycles(uint64_t guest_instructions, uint64_t vmm_entries) const {
        return guest_instructions * cycles_per_instruction + vmm_entries * trap_round_trip_cycles;
    }

    struct Parameter {
        std::string name;
        uint64_t value;
        std::string source;
    };
    std::vector<Parameter> parameters() const;
};

}  // namespace vl::vm
