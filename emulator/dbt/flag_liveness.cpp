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
    case X86_INS_PUSHF: case X86_INS_PUSHFD: return {kAllFlags, 0, 0};
    case X86_INS_POPF: case X86_INS_POPFD: return {0, kAllFlags, kAllFlags};
    // Leaving for a system call hands the flags to the outside world.
    case X86_INS_INT: return {kAllFlags, 0, 0};
    default: return {conditionReads(in.id), 0, 0};
    }
}

bool endsBlock(const GuestInsn& in) {
    switch (in.id) {
    case X86_INS_JMP: case X86_INS_CALL: case X86_INS_RET: case X86_INS_LOOP: case X86_INS_JECXZ:
    case X86_INS_INT:
        return true;
    default: return x86ConditionOf(in.id).has_value() && in.mnemonic[0] == 'j';
    }
}

namespace {

// Instructions that neither read nor write any of the six flags. Everything else that
// flagUse() knows nothing about (x87, pushf, far transfers, ...) is taken to read them all.
bool flagNeutral(unsigned id) {
    switch (id) {
    case X86_INS_MOV: case X86_INS_MOVZX: case X86_INS_MOVSX: case X86_INS_LEA: case X86_INS_PUSH: case X86_INS_POP:
    case X86_INS_XCHG: case X86_INS_NOP: case X86_INS_NOT: case X86_INS_CBW: case X86_INS_CWDE: case X86_INS_CWD:
    case X86_INS_CDQ: case X86_INS_JMP: case X86_INS_CALL: case X86_INS_RET: case X86_INS_LOOP: case X86_INS_JECXZ:
    case X86_INS_LEAVE: case X86_INS_MOVSB: case X86_INS_MOVSW: case X86_INS_MOVSD: case X86_INS_STOSB:
    case X86_INS_STOSW: case X86_INS_STOSD: case X86_INS_LODSB: case X86_INS_LODSW: case X86_INS_LODSD:
        return true;
    default: return false;
    }
}

}  // namespace

uint8_t flagsLiveIn(const X86Decoder& decoder, const CodeFetch& fetch, uint32_t address, const CodeWindow& window) {
    constexpr size_t kLookAhead = 16;
    uint8_t live_in = 0, written = 0;
    uint32_t at = address;
    for (size_t n = 0; n < kLookAhead && (live_in | written) != kAllFlags; ++n) {
        uint8_t bytes[16];
        const size_t got = fetch(at, bytes, sizeof bytes);
        GuestInsn in;
        if (got == 0 || !decoder.decode(bytes, got, at, in) || !window(at, in.length)) break;
        const FlagUse use = flagUse(in);
        const bool known = (use.reads | use.writes | use.sets) != 0 || flagNeutral(in.id);
        // An instruction the translator will refuse stops the run there, flags on show.
        if (!known || in.unsupported_prefix) break;
        for (const GuestOperand& op : in.ops)
            if (op.segment_register && in.id != X86_INS_MOV) return kAllFlags;
        live_in = static_cast<uint8_t>(live_in | (use.reads & ~written));
        written = static_cast<uint8_t>(written | use.writes);
        if (in.id == X86_INS_JMP && in.ops.size() == 1 && in.ops[0].kind == OpKind::Imm) {
            at = in.ops[0].imm;  // a direct jmp: the flags are read (or not) where it goes
            continue;
        }
        if (endsBlock(in)) break;
        at = in.next();
    }
    return static_cast<uint8_t>(live_in | (kAllFlags & ~written));
}

uint8_t flagsLiveAtEnd(const X86Decoder& decoder, const CodeFetch& fetch, const std::vector<GuestInsn>& block,
                       const CodeWindow& window) {
    if (block.empty()) return kAllFlags;
    const GuestInsn& last = block.back();
    if (!endsBlock(last) || last.ops.empty() || last.ops[0].kind != OpKind::Imm) return kAllFlags;
    const uint32_t target = last.ops[0].imm;
    switch (last.id) {
    case X86_INS_JMP: case X86_INS_CALL: return flagsLiveIn(decoder, fetch, target, window);
    case X86_INS_INT: return kAllFlags;
    default:  // jcc, loop, jecxz: taken or not
        return static_cast<uint8_t>(flagsLiveIn(decoder, fetch, target, window) | flagsLiveIn(decoder, fetch, last.next(), window));
    }
}

std::vector<uint8_t> liveFlagsAfter(const std::vector<GuestInsn>& block, uint8_t live_at_end) {
    std::vector<uint8_t> live_after(block.size());
    uint8_t live = live_at_end;
    for (size_t i = block.size(); i-- > 0;) {
        live_after[i] = live;
        const FlagUse use = flagUse(block[i]);
        live = static_cast<uint8_t>((live & ~use.writes) | use.reads);
    }
    return live_after;
}

}  // namespace vl::emu::dbt
