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

namespace {

// A shift or rotate by an immediate that is 0 after masking changes nothing; by cl it may not
// change anything either, so the flags it could set stay needed from before.
FlagUse countedWriter(const GuestInsn& in, uint8_t flags) {
    const GuestOperand& count = in.ops.empty() ? GuestOperand{} : in.ops.back();
    if (in.ops.size() >= 2 && count.kind == OpKind::Reg) return {flags, 0, flags};
    const uint32_t n = in.ops.size() >= 2 && count.kind == OpKind::Imm ? count.imm & 31 : 1;
    return n ? FlagUse{0, flags, flags} : FlagUse{};
}

}  // namespace

FlagUse flagUse(const GuestInsn& in) {
    switch (in.id) {
    case X86_INS_ADD: case X86_INS_SUB: case X86_INS_CMP: case X86_INS_AND: case X86_INS_OR:
    case X86_INS_XOR: case X86_INS_TEST: case X86_INS_NEG: case X86_INS_MUL: case X86_INS_IMUL:
    case X86_INS_CMPXCHG: case X86_INS_XADD: case X86_INS_BSF: case X86_INS_BSR:
        return {0, kAllFlags, kAllFlags};
    case X86_INS_ADC: case X86_INS_SBB: return {kCF, kAllFlags, kAllFlags};
    case X86_INS_INC: case X86_INS_DEC:
        return {0, kAllFlags & ~kCF, kAllFlags & ~kCF};  // CF is left as it was
    case X86_INS_SHL: case X86_INS_SAL: case X86_INS_SHR: case X86_INS_SAR: case X86_INS_SHLD: case X86_INS_SHRD:
        return countedWriter(in, kAllFlags);
    case X86_INS_ROL: case X86_INS_ROR: return countedWriter(in, kCF | kOF);
    // rcl/rcr rotate CF in; a count that is 0 modulo 9 or 17 leaves OF too.
    case X86_INS_RCL: case X86_INS_RCR: return {kCF | kOF, 0, kCF | kOF};
    case X86_INS_BT: case X86_INS_BTS: case X86_INS_BTR: case X86_INS_BTC: return {0, kCF, kCF};
    case X86_INS_LAHF: return {kCF | kPF | kAF | kZF | kSF, 0, 0};
    case X86_INS_SAHF: return {0, kCF | kPF | kAF | kZF | kSF, kCF | kPF | kAF | kZF | kSF};
    case X86_INS_CMPSB: case X86_INS_CMPSW: case X86_INS_CMPSD: case X86_INS_SCASB: case X86_INS_SCASW: case X86_INS_SCASD:
        // Under rep, ecx == 0 compares nothing and leaves the flags.
        return in.rep ? FlagUse{kAllFlags, 0, kAllFlags} : FlagUse{0, kAllFlags, kAllFlags};
    // A #DE stops the run with the flags as they were: keep them exact up to the divide.
    case X86_INS_DIV: case X86_INS_IDIV: return {kAllFlags, 0, 0};
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
