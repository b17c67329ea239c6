// Unicorn's x86 CPU running a Linux i386 program: the reference ("oracle") engine of the
// emulation world. The image is mapped at its own addresses, the stack is built as Linux
// builds it, and `int 0x80` is served by LinuxSyscalls. The translator of issue 3 is judged
// against this engine block by block, so it reports the same counters and registers.
//
// Counting guest instructions: Unicorn gives no instruction counter, and a per-instruction
// hook (or Unicorn's own `count`, which is one) costs a C++ call per instruction. A block hook
// (one call per executed block, Capstone decoding each distinct block once) counts whole
// blocks instead. A budget or --max-insns limit is still honoured to the instruction: the
// block that would overshoot is stopped before it runs and then run only up to the target
// (see run()); a fault in the middle of a block is corrected to the faulting instruction. A rep-prefixed string instruction counts
// once per iteration, as QEMU and Unicorn count it (each iteration is its own block there).
// Measured on a 2-instruction loop (Unicorn 2.0.1, this machine, noisy): no hooks ~300 M
// guest instructions/s, block hook ~220 M/s, per-instruction code hook ~80 M/s.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/engine.h"
#include "emulator/disassembler.h"
#include "emulator/guest_image.h"
#include "emulator/linux_syscalls.h"
#include "emulator/unicorn_memory.h"
#include "emulator/x86_registers.h"

namespace vl::emu {

struct EmulationOptions {
    bool trace = false;                 // a "block" event with its disassembly per executed block
    uint64_t max_instructions = 0;      // 0: no limit; reaching it ends the run as Failed
    std::vector<std::string> argv;      // empty: {image.path}
    std::vector<std::string> envp;
    // DbtEngine: count each translated block's executions (a 4-word preamble with a load and a
    // store per block entry, which Unicorn runs on its slow memory path: the bench measured
    // the translator 2.6x slower with it). Off, the preamble is 4 nops and every count is 0;
    // the benchmark and the lockstep comparison turn it off.
    bool count_block_hits = true;
};

class UnicornX86Engine : public Engine, private SyscallHost {
public:
    explicit UnicornX86Engine(GuestImage image, EmulationOptions options = {});
    ~UnicornX86Engine() override;

    std::string world() const override { return "emulation"; }
    std::string engineName() const { return "unicorn"; }

    void reset() override;
    RunState run(uint64_t budget = 0) override;
    void pause() override;

    RunState state() const override;
    int exitCode() const override;
    std::string failure() const override;
    // guest_instructions, blocks, unique_blocks, syscalls, syscalls.<name>, syscalls.unknown
    Counters counters() const override;
    // Registers as of the last return from run(); console = guest stdout; listing = the
    // disassembly of the most recently entered block.
    Snapshot snapshot() const override;

    X86Registers registers() const;
    std::string guestStdout() const;
    std::string guestStderr() const;
    uint64_t guestInstructions() const { return instructions_.load(); }
    const GuestImage& image() const { return image_; }
    void setTracing(bool on) { tracing_.store(on); }
    // Guest memory as the program sees it (for comparisons); false where nothing is mapped.
    bool readGuestMemory(uint32_t address, void* out, size_t length) { return readMemory(address, out, length); }

private:
    struct Block {
        uint32_t start = 0;
        uint32_t size = 0;  // bytes, as Unicorn translated it
        std::vector<Instruction> instructions;
    };
    enum class Stop { None, Exit, Fault, Pause, Handover };

    static void onBlock(uc_engine* uc, uint64_t address, uint32_t size, void* self);
    static void onInterrupt(uc_engine* uc, uint32_t vector, void* self);
    static int onCpuid(uc_engine* uc, void* self);
    static void onNoAccess(uc_engine* uc, uc_mem_type type, uint64_t address, int size, int64_t value, void* self);
    static bool onBadMemory(uc_engine* uc, uc_mem_type type, uint64_t address, int size, int64_t value, void* self);

    // SyscallHost
    bool readMemory(uint32_t address, void* out, size_t length) override;
    bool writeMemory(uint32_t address, const void* data, size_t length) override;
    bool mapMemory(uint32_t address, uint32_t length) override;
    bool unmapMemory(uint32_t address, uint32_t length) override;
    bool installTlsSegment(uint32_t entry, uint32_t base, uint32_t limit, bool limit_in_pages) override;

    static void installFlatSegments(uc_engine* uc);
    const Block& blockAt(uint32_t address, uint32_t size);
    X86Registers readRegisters() const;
    uint32_t eip() const;
    std::string describeAt(uint32_t address);  // "0x00400005: mov eax, dword ptr [0]"
    void rewindCountTo(uint32_t eip);
    void fail(const std::string& line);
    void finishRun();
    RunState setState(RunState s);

    const GuestImage image_;
    const EmulationOptions options_;
    Disassembler x86_{Disassembler::Arch::X86_32};
    UcHandle uc_;
    std::unique_ptr<LinuxSyscalls> syscalls_;

    // Written by the emulation thread; read by any thread.
    std::atomic<uint64_t> instructions_{0};
    std::atomic<uint64_t> blocks_executed_{0};
    std::atomic<bool> pause_requested_{false};
    std::atomic<bool> tracing_{false};
    std::atomic<const Block*> current_block_{nullptr};

    // Emulation thread only.
    Stop stop_ = Stop::None;
    uint64_t fast_target_ = UINT64_MAX;  // a block that would pass this count stops the fast path
    const Block* tail_block_ = nullptr;  // the block that did not fit: run part of it next
    uint64_t count_before_block_ = 0;  // instructions_ before the current block was added
    uint64_t last_block_key_ = ~0ull;
    const Block* last_block_ = nullptr;
    std::optional<std::string> memory_fault_;

    mutable std::mutex mutex_;  // guards the fields below and insertions into blocks_
    std::unordered_map<uint64_t, Block> blocks_;
    RunState state_ = RunState::Ready;
    int exit_code_ = 0;
    std::string failure_;
    X86Registers registers_;
};

}  // namespace vl::emu
