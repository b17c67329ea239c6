// The "x86 program on an ARM processor" demonstration: the very bytes of an x86 program are
// placed in the memory of Unicorn's ARM64 CPU at the same addresses and the CPU is started at
// the program's entry point, as if someone copied an x86 binary to an ARM machine and jumped
// into it. The CPU reads the bytes as AArch64 instructions; this engine reports, with Capstone's
// AArch64 disassembly, what it decoded, which words (if any) happened to execute, and exactly
// how it failed -- the motivation for emulation and binary translation.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/engine.h"
#include "emulator/disassembler.h"
#include "emulator/guest_image.h"
#include "emulator/unicorn_memory.h"

namespace vl::emu {

struct ArmFault {
    std::string error;        // "UC_ERR_INSN_INVALID (Invalid instruction ...)" or an exception name
    uint32_t pc = 0;          // where the CPU stopped
    uint32_t word = 0;        // the 4 bytes at pc, as a little-endian AArch64 word
    std::string decoded;      // Capstone's AArch64 reading of that word, or "(not an AArch64 instruction)"
    std::optional<uint64_t> access_address;  // for a bad load/store/fetch
    bool trap = false;        // the instruction at pc ran (svc, brk ...) or never started (a limit)
    std::string line;         // the one-line summary that failure() returns
};

struct ArmWord {              // one 4-byte word of the program, read as AArch64
    uint32_t address = 0;
    uint32_t word = 0;
    std::string arm64;        // "ldr x0, [x1]" or ".inst 0x... (undefined)"
    bool valid = false;       // Capstone knows it as an AArch64 instruction
};

class ArmDirectEngine : public Engine {
public:
    // The demo stops any run after max_instructions ARM instructions (x86 bytes that decode
    // into a loop would otherwise spin forever).
    explicit ArmDirectEngine(GuestImage image, uint64_t max_instructions = 100000);
    ~ArmDirectEngine() override;

    std::string world() const override { return "emulation"; }
    std::string engineName() const { return "arm-direct"; }

    void reset() override;
    RunState run(uint64_t budget = 0) override;
    void pause() override;
    RunState state() const override;
    int exitCode() const override { return -1; }  // an ARM CPU running x86 bytes never exits cleanly
    std::string failure() const override;
    // arm64_instructions (executed before the crash), guest_instructions (x86: always 0)
    Counters counters() const override;
    // registers: pc sp x0..x7; listing: the words from the entry point read as AArch64, marked
    // "<- executed" and "<- stopped here".
    Snapshot snapshot() const override;

    std::optional<ArmFault> fault() const;
    std::vector<ArmWord> decodedWords() const;            // the program's first words, as AArch64
    std::vector<Instruction> x86Reading() const;          // the same bytes, as the x86 they are
    std::vector<ArmWord> executedWords() const;           // ARM instructions that ran, in order
    uint64_t armInstructions() const { return executed_count_.load(); }

    static constexpr size_t kListingWords = 24;

private:
    static void onCode(uc_engine* uc, uint64_t address, uint32_t size, void* self);
    static void onInterrupt(uc_engine* uc, uint32_t number, void* self);
    static bool onBadMemory(uc_engine* uc, uc_mem_type type, uint64_t address, int size, int64_t value, void* self);

    ArmWord readWord(uint32_t address) const;
    uint32_t listedBytes() const;
    uint32_t pc() const;
    void failWith(ArmFault fault);

    const GuestImage image_;
    const uint64_t max_instructions_;
    Disassembler arm64_{Disassembler::Arch::AArch64};
    Disassembler x86_{Disassembler::Arch::X86_32};
    UcHandle uc_;

    std::atomic<uint64_t> executed_count_{0};
    std::atomic<bool> pause_requested_{false};
    uint64_t stop_after_ = 0;
    bool stopped_by_hook_ = false;
    std::optional<ArmFault> pending_;  // filled by a hook, reported when uc_emu_start returns

    mutable std::mutex mutex_;
    RunState state_ = RunState::Ready;
    std::optional<ArmFault> fault_;
    std::vector<ArmWord> executed_;
    std::vector<std::pair<std::string, std::string>> registers_;
};

}  // namespace vl::emu
