// The cost model behind `modeled_cycles`: what a run would cost on real hardware, so the
// modes can be compared by more than the wall time of an emulator. Every parameter has a
// default with its source; the GUI shows them and lets a student change them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trapsim/monitor_mode.h"

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

    // One VM exit plus the VM entry back: the same SplitX measurement (Nehalem, KVM).
    uint64_t vm_exit_cycles = 2000;
    // One binary-translation callout: a call from the translation cache into monitor code in
    // the same address space and ring, with no fault and no mode switch. A modelling choice of
    // the order of a system call (about 100 cycles, measured inside QEMU/KVM; FACTS.md); Adams
    // and Agesen (ASPLOS 2006) found such callouts cheap enough that VMware's translator beat
    // first-generation VT-x on kernel-intensive work.
    uint64_t bt_callout_cycles = 100;
    // Translating one guest instruction into the translation cache, paid once per instruction.
    // A modelling choice (decode, classify, emit: a few hundred host instructions).
    uint64_t bt_translation_cycles_per_instruction = 300;

    // One paravirtual entry into the hypervisor: a hypercall (`int 0x82` into ring 0 and back,
    // no VM exit), an event upcall, or a trap Xen emulates. A modelling choice of the order of a
    // system call (about 100 cycles, measured inside QEMU/KVM; FACTS.md), the mechanism it shares.
    uint64_t hypercall_cycles = 100;

    uint64_t cycles(uint64_t guest_instructions, uint64_t vmm_entries) const {
        return guest_instructions * cycles_per_instruction + vmm_entries * trap_round_trip_cycles;
    }
    // vmm_entries are traps (trap), callouts and injected events (bt), exits (hw), hypercalls,
    // upcalls and emulated traps (pv); translated_instructions those of bt's translator or of
    // the emulator's blocks (emulate).
    uint64_t modeledCycles(MonitorMode mode, uint64_t guest_instructions, uint64_t vmm_entries,
                           uint64_t translated_instructions) const {
        const uint64_t work = guest_instructions * cycles_per_instruction;
        switch (mode) {
        case MonitorMode::Trap: return work + vmm_entries * trap_round_trip_cycles;
        case MonitorMode::BinaryTranslation:
            return work + vmm_entries * bt_callout_cycles + translated_instructions * bt_translation_cycles_per_instruction;
        case MonitorMode::HardwareAssisted: return work + vmm_entries * vm_exit_cycles;
        case MonitorMode::Paravirtual: return work + vmm_entries * hypercall_cycles;
        // Full emulation has no monitor to enter; it pays for translating each block once.
        // (What running translated code costs per instruction is not modelled.)
        case MonitorMode::Emulate: return work + translated_instructions * bt_translation_cycles_per_instruction;
        }
        return work;
    }

    struct Parameter {
        std::string name;
        uint64_t value;
        std::string source;
    };
    std::vector<Parameter> parameters() const;
    // One parameter by its name in parameters(), for an editor (the GUI's cost table, a
    // lesson's cost_model): false, and nothing changed, for a name that is not one of them.
    bool set(std::string_view name, uint64_t value);
    std::optional<uint64_t> get(std::string_view name) const;

private:
    // The one table from parameter names to members that parameters(), set() and get() share.
    static uint64_t CostModel::*memberOf(std::string_view name);
};

}  // namespace vl::vm
