// Which x86 flags each instruction reads and writes, and the per-block backward pass that
// finds, for every instruction, the flags some later instruction can still observe. A flag a
// writer produces that nobody reads before the next writer is "dead" and is not computed
// (Box64's "deferred flags" decision, made per block). Every flag counts as live where the
// block ends, because the next block is not known here.
#pragma once

#include <cstdint>
#include <vector>

#include "emulator/dbt/x86_decoder.h"

namespace vl::emu::dbt {

struct FlagUse {
    uint8_t reads = 0;   // FlagBit set the instruction needs as input
    uint8_t writes = 0;  // FlagBit set it always overwrites (a conditional writer writes none)
    uint8_t sets = 0;    // FlagBit set it may produce (computed where live)
};

FlagUse flagUse(const GuestInsn& insn);
// The FlagBit set an x86 condition code (from a jcc/setcc/cmovcc id) depends on.
uint8_t conditionReads(unsigned insn_id);

// live_after[i]: the flags still observable after instruction i.
std::vector<uint8_t> liveFlagsAfter(const std::vector<GuestInsn>& block);

}  // namespace vl::emu::dbt
