// What the Emulation pane shows of the translator beyond the Engine interface: every
// translated block with each x86 instruction beside the AArch64 code it became, the direct
// branches between blocks, and the registers as of the last return from run(). The
// translator's blocks are only valid between runs and only on the engine's worker thread, so
// InspectedDbtEngine captures them there at the end of every run() and hands a copy to the
// GUI thread through a DbtInspectionChannel (the Ripes rule: views never touch the model).
#pragma once

#include <QString>
#include <QStringList>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "core/engine.h"
#include "emulator/dbt/dbt_engine.h"
#include "emulator/disassembler.h"

namespace vl::gui {

// One guest instruction and the AArch64 instructions it became (a colour band in the listing).
struct PairedInstruction {
    uint32_t address = 0;
    QString x86;            // "add eax, ebx"
    QStringList arm64;      // "adds w0, w0, w3", ...
    QString flags_computed; // "CF PF AF ZF SF OF" as the liveness pass left them
    QString flags_skipped;  // the flags it could set that no later instruction reads
};

struct BlockListing {
    uint32_t guest_start = 0;
    uint32_t guest_end = 0;     // one past the last translated instruction
    uint64_t host_start = 0;    // where its AArch64 code is in the ARM64 CPU's memory
    uint32_t body_words = 0;    // AArch64 instructions one execution runs (prologue included)
    QStringList prologue;       // the budget check and counters before instruction 0
    std::vector<PairedInstruction> pairs;
    std::vector<uint32_t> branch_targets;  // guest addresses of its direct branches (chain sites)
    QString stop_message;       // set when the block ends at an instruction the translator lacks

    // AArch64 instructions executed per x86 instruction of this block.
    double expansion() const;
};

struct DbtInspection {
    std::vector<std::shared_ptr<const BlockListing>> blocks;  // guest address order
    emu::X86Registers registers;                               // eip: the next block to run
    // The flags (host_abi.h FlagBit) the code at eip may read before setting them. The others
    // are dead there: the translator may have skipped computing them, so their bits in
    // registers.eflags mean nothing. All six when the code at eip cannot be decoded.
    uint8_t live_flags = 0x3F;
    bool valid = false;                                        // false before the first run

    // The block starting at `guest`, or nullptr.
    const BlockListing* blockAt(uint32_t guest) const;
};

// The hand-over point: the worker publishes, the GUI reads the latest (a cheap copy: the
// block listings are shared and immutable).
class DbtInspectionChannel {
public:
    void publish(DbtInspection inspection);
    DbtInspection latest() const;

private:
    mutable std::mutex mutex_;
    DbtInspection latest_;
};

// "flags" bits of the translator (host_abi.h FlagBit) as "CF ZF SF".
QString flagNames(uint8_t bits);

// The translator engine, publishing what it translated after every run() and reset().
class InspectedDbtEngine : public emu::DbtEngine {
public:
    InspectedDbtEngine(emu::GuestImage image, std::shared_ptr<DbtInspectionChannel> channel);

    RunState run(uint64_t budget = 0) override;
    void reset() override;

private:
    void publish();
    std::shared_ptr<const BlockListing> listingOf(const emu::dbt::TranslatedBlock& block);

    std::shared_ptr<DbtInspectionChannel> channel_;
    emu::Disassembler arm64_{emu::Disassembler::Arch::AArch64};
    // Disassembled once per translation (a block keeps its code until it is retired or the
    // cache is flushed, when its host address changes), so a step costs only the new blocks.
    std::map<std::pair<uint32_t, uint64_t>, std::shared_ptr<const BlockListing>> listed_;
};

}  // namespace vl::gui
