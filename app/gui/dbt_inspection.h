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
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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

// One AArch64 word of a block as the ARM64 CPU holds it now (chained branches patched).
struct HostWord {
    enum class Role { Counter, Prologue, Band, Stub };
    uint64_t address = 0;
    QString text;          // "adds w0, w0, w3"
    Role role = Role::Band;
    int guest_index = -1;  // Band: the x86 instruction (index in the block) it belongs to
};

// Host-instruction stepping: the block the ARM64 CPU stands in (or enters next), word by word,
// and its registers.
struct HostStepView {
    uint32_t block = 0;               // guest address of the block shown
    bool has_block = false;
    std::vector<HostWord> words;      // from its entry (the hit-counting preamble) to its last stub
    std::optional<uint64_t> pc;       // the next AArch64 instruction; nothing: between blocks
    int guest_index = -1;             // HostPosition::guest_index of pc
    emu::Arm64Registers registers;
    emu::Arm64Registers before;       // at the previous publication (the step before this one)
};

struct DbtInspection {
    std::vector<std::shared_ptr<const BlockListing>> blocks;  // guest address order
    emu::X86Registers registers;                               // eip: the next block to run
    // The flags (host_abi.h FlagBit) the code at eip may read before setting them. The others
    // are dead there: the translator may have skipped computing them, so their bits in
    // registers.eflags mean nothing. All six when the code at eip cannot be decoded.
    uint8_t live_flags = 0x3F;
    bool valid = false;                                        // false before the first run
    std::map<uint32_t, uint64_t> hits;  // guest address -> times the block ran
    Counters counters;                  // the engine's counters when this was taken
    HostStepView host;
    uint64_t serial = 0;                // grows with every publication (views skip repeats)

    // The block starting at `guest`, or nullptr.
    const BlockListing* blockAt(uint32_t guest) const;
};

// The hand-over point: the worker publishes, the GUI reads the latest (a cheap copy: the
// block listings are shared and immutable).
class DbtInspectionChannel {
public:
    void publish(DbtInspection inspection);
    DbtInspection latest() const;
    uint64_t latestSerial() const;

    // What the next run() on the engine does instead of running: the pane's "step x86
    // instruction" and "step AArch64 instruction" go through the one adapter (EngineRunner's
    // run) like every other command, with this saying which step it is.
    enum class Step { None, Guest, Host };
    void requestStep(Step step) { step_ = step; }
    Step takeStepRequest() { return step_.exchange(Step::None); }

private:
    mutable std::mutex mutex_;
    DbtInspection latest_;
    uint64_t serial_ = 0;
    std::atomic<Step> step_{Step::None};
};

// "flags" bits of the translator (host_abi.h FlagBit) as "CF ZF SF".
QString flagNames(uint8_t bits);

// The translator engine, publishing what it translated after every run() and reset(), and
// every few million guest instructions during a long run (so the cache's hit counts move
// while it runs). A requested step (DbtInspectionChannel::requestStep) replaces the next run.
class InspectedDbtEngine : public emu::DbtEngine {
public:
    InspectedDbtEngine(emu::GuestImage image, std::shared_ptr<DbtInspectionChannel> channel);

    RunState run(uint64_t budget = 0) override;
    void pause() override;
    void reset() override;

private:
    void publish();
    HostStepView hostStepView();
    std::shared_ptr<const BlockListing> listingOf(const emu::dbt::TranslatedBlock& block);

    std::shared_ptr<DbtInspectionChannel> channel_;
    std::atomic<bool> pause_requested_{false};
    std::optional<emu::Arm64Registers> last_host_registers_;
    emu::Disassembler arm64_{emu::Disassembler::Arch::AArch64};
    // Disassembled once per translation (a block keeps its code until it is retired or the
    // cache is flushed, when its host address changes), so a step costs only the new blocks.
    std::map<std::pair<uint32_t, uint64_t>, std::shared_ptr<const BlockListing>> listed_;
};

}  // namespace vl::gui
