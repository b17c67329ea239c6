// Which x86 flags each instruction reads and writes, and the per-block backward pass that
// finds, for every instruction, the flags some later instruction can still observe. A flag a
// writer produces that nobody reads before the next writer is "dead" and is not computed
// (Box64's "deferred flags" decision, made per block). Where a block ends in a direct branch,
// the code at its targets is decoded too (without translating it) to see which flags it reads
// before it overwrites them; after an indirect branch, a system call or an instruction this
// analysis does not know, every flag counts as live.
#pragma once

#include <cstdint>
#include <vector>

#include "emulator/dbt/host_abi.h"
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

// Control transfers, and int 0x80 (so a system call that ends the process is the last
// instruction counted): the instructions after which a block ends.
bool endsBlock(const GuestInsn& insn);

// Whether the analysis may look at guest code bytes [address, address + length). The
// translator allows only the pages its block occupies: a write there retires the block, so a
// decision taken on those bytes cannot outlive them (self-modifying code stays exact).
using CodeWindow = std::function<bool(uint32_t address, uint32_t length)>;

// The flags the code at `address` may read before it overwrites them (looking at most 16
// instructions ahead, up to the end of that block).
uint8_t flagsLiveIn(const X86Decoder& decoder, const CodeFetch& fetch, uint32_t address, const CodeWindow& window);
// The flags live after the block's last instruction: those its direct successors read.
uint8_t flagsLiveAtEnd(const X86Decoder& decoder, const CodeFetch& fetch, const std::vector<GuestInsn>& block,
                       const CodeWindow& window);

// live_after[i]: the flags still observable after instruction i.
std::vector<uint8_t> liveFlagsAfter(const std::vector<GuestInsn>& block, uint8_t live_at_end = kAllFlags);

}  // namespace vl::emu::dbt
