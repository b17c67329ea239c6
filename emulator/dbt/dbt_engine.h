// The translator's engine: an i386 Linux program run as AArch64 code on Unicorn's ARM64 CPU.
// The dispatcher (run()) translates the block at the guest eip when it is not cached, enters
// Unicorn at its translation, and comes back only through the exit protocol (host_abi.h):
// a direct branch to untranslated code (translated, then the branch is patched so the next
// pass stays inside Unicorn), an indirect-branch table miss, the budget, #DE, or an
// unsupported instruction. System calls (`svc #0x80`) are served from UC_HOOK_INTR without
// leaving Unicorn. Same loaders, process layout, stack and syscall layer as UnicornX86Engine,
// so the two run a program address for address and can be compared register by register.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <mutex>
#include <optional>
#include <string>

#include "core/engine.h"
#include "emulator/dbt/code_cache.h"
#include "emulator/dbt/x86_decoder.h"
#include "emulator/disassembler.h"
#include "emulator/guest_image.h"
#include "emulator/linux_syscalls.h"
#include "emulator/unicorn_memory.h"
#include "emulator/unicorn_x86_engine.h"
#include "emulator/x86_registers.h"

namespace vl::emu {

// One translated block as the cache holds it, with how often it ran (CodeCache's counters).
struct DbtBlockStats {
    uint32_t guest_address = 0;
    uint32_t guest_instructions = 0;  // x86 instructions in the block
    uint32_t host_instructions = 0;   // AArch64 instructions one execution runs (body_words)
    uint64_t hits = 0;                // executions since it was translated
};

// The ARM64 CPU as the translated code sees it: x0..x30, pc and NZCV (bits 31..28).
struct Arm64Registers {
    uint64_t x[31] = {};
    uint64_t pc = 0;
    uint64_t nzcv = 0;
};

// Where host stepping stands inside a translated block: `pc` is the next AArch64 instruction
// to run. `guest_index` is the x86 instruction (index in block->insns) whose colour band holds
// it, or -1 in the counting preamble and the prologue (before instruction 0), or -2 in the cold
// exit stubs after the body.
struct HostPosition {
    const dbt::TranslatedBlock* block = nullptr;
    uint64_t pc = 0;
    int guest_index = -1;
};

class DbtEngine : public Engine, private SyscallHost {
public:
    explicit DbtEngine(GuestImage image, EmulationOptions options = {});
    ~DbtEngine() override;

    std::string world() const override { return "emulation"; }
    std::string engineName() const { return "dbt"; }

    void reset() override;
    // Runs whole blocks until at least `budget` guest instructions have run (0: no limit): the
    // last block may pass the budget, so run(1) steps exactly one block. The
    // options.max_instructions limit is never passed: the run fails before the block that would.
    RunState run(uint64_t budget = 0) override;
    void pause() override;

    RunState state() const override;
    int exitCode() const override;
    std::string failure() const override;
    // guest_instructions, blocks, syscalls(.<name>), blocks_translated, cache_hits,
    // chained_jumps, helper_exits, host_instructions, cache_flushes, invalidations
    Counters counters() const override;
    // Registers as of the last return from run(); console = guest stdout; listing = the block
    // at eip (the next to run): each x86 instruction followed by the AArch64 it became.
    Snapshot snapshot() const override;

    X86Registers registers() const;
    std::string guestStdout() const;
    std::string guestStderr() const;
    uint64_t guestInstructions() const { return guest_instructions_.load(); }
    uint64_t hostInstructions() const;
    // AArch64 instructions executed per guest instruction (0 before anything ran).
    double expansion() const;
    const GuestImage& image() const { return image_; }
    // Reads guest memory (for comparisons); false where nothing is mapped.
    bool readGuestMemory(uint32_t address, void* out, size_t length) { return readMemory(address, out, length); }
    // The flags (host_abi.h FlagBit) the code at `eip` may read before overwriting them. The
    // others are dead there: the translator may have skipped computing them in the block
    // before, so a comparison with another CPU at this boundary must not look at them.
    uint8_t flagsLiveAt(uint32_t eip);
    // Every translated block so far, in guest address order (valid until the next run()).
    std::vector<const dbt::TranslatedBlock*> translatedBlocks() const { return cache_->blocks(); }
    // Times `block` ran since it was translated (a block in translatedBlocks()).
    uint64_t hitsOf(const dbt::TranslatedBlock& block) const { return cache_->hits(block); }
    // Every block in the cache with its hit count, in guest address order (emulation thread).
    std::vector<DbtBlockStats> blockStats() const;

    // ---- stepping (the Emulation pane's debugger; emulation thread) ----
    // Executes exactly one AArch64 instruction of the translated code on the ARM64 CPU
    // (uc_emu_start with count 1). Between blocks, the dispatcher's work (translating the
    // next block, chaining the branch that missed) happens in the step that reaches the exit,
    // so every step runs one instruction. Paused while the program goes on.
    RunState stepHost();
    // Host steps until the next guest-instruction boundary: the first AArch64 instruction of
    // an x86 instruction's band (a rep string instruction reaches its own band's first word
    // once per iteration, as x86 single-steps it), or the end of the program.
    RunState stepGuest();
    // Where host stepping stands; nothing when it stands between blocks (in the dispatcher:
    // the next step enters the block at eip).
    std::optional<HostPosition> hostPosition() const;
    // The ARM64 CPU's registers now (between runs and steps).
    Arm64Registers hostRegisters() const;
    // The AArch64 words of `block` as the CPU runs them now, from its entry (the counting
    // preamble) to the end of its stubs: chained branches show their patched targets.
    std::vector<uint32_t> liveCode(const dbt::TranslatedBlock& block) const;

private:
    static void onInterrupt(uc_engine* uc, uint32_t intno, void* self);
    static bool onBadMemory(uc_engine* uc, uc_mem_type type, uint64_t address, int size, int64_t value, void* self);
    static bool onWriteProtected(uc_engine* uc, uc_mem_type type, uint64_t address, int size, int64_t value, void* self);
    // The runtime helpers (host_abi.h HelperKind) other than the system call.
    void serveHelper(uint16_t immediate);
    // Self-modifying code: guest pages holding translations are read-only on the ARM64 CPU;
    // a write there (or a system call writing there) retires their translations first.
    void protectCode(const dbt::TranslatedBlock& block);
    void invalidateCode(uint32_t address, size_t length);
    bool pageWasWritable(uint32_t page) const;

    // SyscallHost: guest addresses, shifted to kGuestBase on the ARM64 CPU.
    bool readMemory(uint32_t address, void* out, size_t length) override;
    bool writeMemory(uint32_t address, const void* data, size_t length) override;
    bool mapMemory(uint32_t address, uint32_t length) override;
    bool unmapMemory(uint32_t address, uint32_t length) override;
    bool installTlsSegment(uint32_t entry, uint32_t base, uint32_t limit, bool limit_in_pages) override;

    dbt::CodeFetch codeFetch();
    const dbt::TranslatedBlock& blockFor(uint32_t guest);
    const dbt::TranslatedBlock& translateAndInsert(uint32_t guest);
    uint64_t reg(int id) const;
    void setReg(int id, uint64_t value);
    X86Registers readRegisters() const;
    // Where a run stopped inside a block: the guest instruction at host `pc`, and how many of
    // the block's counted instructions did not run.
    uint32_t guestAtHost(uint64_t pc, uint64_t* not_run) const;
    std::string describeAt(uint32_t address);
    // How many of `block`'s x86 instructions are complete when pc stands at host `pc` in it
    // (`in_stub` when pc is in the cold stubs after the body).
    static uint32_t progressAt(const dbt::TranslatedBlock& block, uint64_t pc, uint32_t in_stub);
    // After a step whose pc landed on a translated block or the exit address: account for the
    // guest instructions completed and serve the exit protocol as run() does. `from_entry`:
    // the step ran a word of the block's preamble or prologue.
    RunState afterHostStep(uc_err err, bool from_entry);
    // The end of a run or step: registers and listing for snapshot().
    void publishState();
    std::vector<std::string> listingAt(uint32_t guest) const;
    void fail(const std::string& line);
    RunState setState(RunState s);

    const GuestImage image_;
    const EmulationOptions options_;
    dbt::X86Decoder decoder_;
    Disassembler x86_{Disassembler::Arch::X86_32};
    Disassembler arm64_{Disassembler::Arch::AArch64};
    UcHandle uc_;
    std::unique_ptr<dbt::CodeCache> cache_;
    std::unique_ptr<LinuxSyscalls> syscalls_;
    uint32_t eip_ = 0;

    // Emulation thread only.
    bool exited_in_hook_ = false;
    uint32_t exit_eip_ = 0;
    std::optional<std::string> memory_fault_;
    std::optional<std::string> hook_fault_;   // a helper stopped the run (#DE, bad selector)
    uint32_t hook_fault_eip_ = 0;
    uint64_t hook_fault_not_run_ = 0;
    // Segment state: set_thread_area's descriptors (entry -> base) and the fs/gs selectors.
    std::map<uint32_t, uint32_t> tls_bases_;
    uint16_t fs_selector_ = 0, gs_selector_ = 0;
    std::set<uint32_t> protected_pages_;
    // EFLAGS bits beyond the six flags and DF that popf can change at ring 0 (IF, IOPL, NT, AC,
    // ID; TF stops the run): no translated code reads them, pushf and the registers show them.
    static constexpr uint32_t kTrapFlag = 0x100, kInterruptFlag = 0x200;
    static constexpr uint32_t kPopfSystemBits = kTrapFlag | kInterruptFlag | 0x3000 | 0x4000 | 0x40000 | 0x200000;
    uint32_t system_flags_ = kInterruptFlag;

    // Host stepping: the next AArch64 instruction to run inside `step_block_` (nothing when
    // the next step starts at the dispatcher), how many of its x86 instructions are complete,
    // and whether its prologue has charged it to the budget yet (run() resumes from here).
    std::optional<uint64_t> step_pc_;
    const dbt::TranslatedBlock* step_block_ = nullptr;
    uint32_t step_done_ = 0;
    bool step_charged_ = false;
    bool counting_hook_ = false;  // Unicorn's instruction-count hook is installed (a step ran)

    std::atomic<uint64_t> guest_instructions_{0};
    std::atomic<uint64_t> blocks_translated_{0};
    std::atomic<uint64_t> cache_hits_{0};
    std::atomic<uint64_t> chained_jumps_{0};
    std::atomic<uint64_t> cache_flushes_{0};
    std::atomic<uint64_t> invalidations_{0};
    std::atomic<uint64_t> helper_exits_{0};
    std::atomic<uint64_t> host_instructions_{0};
    std::atomic<uint64_t> blocks_executed_{0};
    std::atomic<bool> pause_requested_{false};

    mutable std::mutex mutex_;  // guards the fields below
    RunState state_ = RunState::Ready;
    int exit_code_ = 0;
    std::string failure_;
    X86Registers registers_;
    std::vector<std::string> listing_;
};

}  // namespace vl::emu
