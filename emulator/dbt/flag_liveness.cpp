#include "emulator/dbt/flag_liveness.h"

#include <capstone/capstone.h>

#include "emulator/dbt/host_abi.h"
#include "emulator/dbt/x86_condition.h"

namespace vl::emu::dbt {

uint8_t conditionReads(unsigned id) {
    const auto cc = x86ConditionOf(id);
    if (!cc) return 0;
    switch (*cc) {
    case X86Cond::O: case X86Cond::NO: return kOF;
    case X86Cond::B: case X86Cond::AE: return kCF;
    case X86Cond::E: case X86Cond::NE: return kZF;
    case X86Cond::BE: case X86Cond::A: return kCF | kZF;
    case X86Cond::S: case X86Cond::NS: return kSF;
    case X86Cond::P: case X86Cond::NP: return kPF;
    case X86Cond::L: case X86Cond::GE: return kSF | kOF;
    case X86Cond::LE: case X86Cond::G: return kZF | kSF | kOF;
    }
    return kAllFlags;
}

FlagUse flagUse(const GuestInsn& in) {
    switch (in.id) {
    case X86_INS_ADD: case X86_INS_SUB: case X86_INS_CMP: case X86_INS_AND: case X86_INS_OR:
    case X86_INS_XOR: case X86_INS_TEST: case X86_INS_NEG: case X86_INS_MUL: case X86_INS_IMUL:
        return {0, kAllFlags, kAllFlags};
    case X86_INS_INC: case X86_INS_DEC:
        return {0, kAllFlags & ~kCF, kAllFlags & ~kCF};  // CF is left as it was
    case X86_INS_SHL: case X86_INS_SHR: case X86_INS_SAR:
        if (in.ops.size() == 2 && in.ops[1].kind == OpKind::Imm)
            return (in.ops[1].imm & 31) ? FlagUse{0, kAllFlags, kAllFlags} : FlagUse{};
        // By cl: a count of zero leaves every flag as it was, so earlier values stay needed.
        return {kAllFlags, 0, kAllFlags};
    // A #DE stops the run with the flags as they were: keep them exact up to the divide.
    case X86_INS_DIV: return {kAllFlags, 0, 0};
    // Leaving for a system call hands the flags to the outside world.
    case X86_INS_INT: return {kAllFlags, 0, 0};
    default: return {conditionReads(in.id), 0, 0};
    }
}

std::vector<uint8_t> liveFlagsAfter(const std::vector<GuestInsn>& block) {
    std::vector<uint8_t> live_after(block.size());
    uint8_t live = kAllFlags;
    for (size_t i = block.size(); i-- > 0;) {
        live_after[i] = live;
        const FlagUse use = flagUse(block[i]);
        live = static_cast<uint8_t>((live & ~use.writes) | use.reads);
    }
    return live_after;
}

}  // namespace vl::emu::dbt
