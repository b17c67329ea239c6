// The sixteen x86 condition codes (the low nibble of jcc/setcc/cmovcc opcodes) and how each
// maps onto the canonical host flag state (host_abi.h: NZCV = SF, ZF, !CF, OF). With the
// carry kept inverted, every condition except parity is one AArch64 condition.
#pragma once

#include <optional>

#include "emulator/dbt/a64_emitter.h"

namespace vl::emu::dbt {

enum class X86Cond : uint8_t { O, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G };

// For X86_INS_Jcc / SETcc / CMOVcc ids; nothing for other instructions.
std::optional<X86Cond> x86ConditionOf(unsigned insn_id);
// Nothing for P and NP (parity lives in w16, not in NZCV).
std::optional<Cond> hostCondition(X86Cond cc);

}  // namespace vl::emu::dbt
