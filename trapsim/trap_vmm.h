// The trap-and-emulate monitor (Popek & Goldberg, 1974): the guest kernel runs directly on the
// CPU, deprivileged to ring 1; each privileged instruction it executes traps to this monitor,
// which emulates it on the virtual CPU and the virtual devices and resumes the guest. The same
// class is also the binary-translation monitor (TrapVmmConfig::mode = BinaryTranslation: every
// kernel block is decoded before it first runs and its sensitive instructions become callouts,
// see onBlock/scanBlock) and the VT-x-style monitor (HardwareAssisted: the guest runs at ring 0
// and the VMCS-like controls choose what exits, see handleExit); monitor_mode.h compares them.
// Interrupts (PIT -> PIC -> the guest's IDT) and exceptions are delivered the same way in all
// three (guest_idt.h). In pv mode (Paravirtual) the guest is the paravirtual build, talking
// to the Xen-style hypervisor in trapsim/pv/ through hypercalls and the shared-info page; the
// few privileged instructions left in it trap and are emulated as in trap mode. In emulate
// mode there is no monitor: the guest runs at (virtual) ring 0 on the emulated CPU and the
// emulator serves every device access itself, counting the blocks it translates.
//
// How a trap reaches the monitor on Unicorn. The obvious design -- hook #GP, emulate, advance
// EIP, continue -- works exactly once: Unicorn remembers the handled #GP as the previous
// exception, so the next privileged instruction arrives as #DF and the one after shuts the CPU
// down (upstream issue #1883; measured here: vectors 13, 8, then the run stops). So:
//  1. The first time an instruction at some address traps, the CPU's own privilege check
//     raises #GP. The monitor decodes the instruction with Capstone, confirms it is privileged
//     at the guest's real CPL/IOPL, emulates it, clears Unicorn's stale exception state by
//     restoring the context saved at guest entry (guest registers carried across), and
//     installs a per-address code hook for that instruction.
//  2. Every later execution at that address enters the monitor through the hook just before
//     the CPU would fault there; the monitor re-checks the bytes and the privilege rule, then
//     emulates and resumes after it.
// Measured on this machine with a bare cli/sti loop: 5.7 M traps/s this way, 1.5 M/s restoring
// the context on every trap, and "bump EIP after #GP" fails on the second trap. With every trap
// logged as an event and every instruction counted, this monitor handles about 1.6 M traps/s. in/out never fault
// in Unicorn (it ignores the I/O permission check), so they arrive through UC_HOOK_INSN; the
// monitor runs the guest with IOPL 0 at CPL 1, where a real CPU would fault on them.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/engine.h"
#include "trapsim/cost_model.h"
#include "trapsim/guest_idt.h"
#include "trapsim/guest_image.h"
#include "trapsim/guest_machine.h"
#include "trapsim/instruction_class.h"
#include "trapsim/io_bus.h"
#include "trapsim/monitor_mode.h"
#include "trapsim/pic_8259.h"
#include "trapsim/pit_8254.h"
#include "trapsim/power_off_device.h"
#include "trapsim/ata_disk.h"
#include "trapsim/pv/blkback.h"
#include "trapsim/pv/xen_hypervisor.h"
#include "trapsim/serial_16550.h"
#include "trapsim/shadow_mmu.h"
#include "trapsim/trap_dispatch.h"
#include "trapsim/virtual_cpu.h"

namespace vl::vm {

struct TrapVmmConfig {
    std::string guest_path;                  // empty: the built-in kernel, builtAsset("guest/kernel.bin"),
                                             // or in pv mode its paravirtual build, "guest/kernel-pv.bin"
    uint64_t max_instructions = 200'000'000; // a guest still running after this many has failed
    CostModel cost;
    MonitorMode mode = MonitorMode::Trap;    // how sensitive instructions reach the monitor (monitor_mode.h)
    VmcsControls controls;                   // what exits, in MonitorMode::HardwareAssisted
    std::string disk_path;                   // the disk image; empty: builtAsset("guest/disk.img")
};

class TrapVmm : public Engine {
public:
    // Loads the guest (throws vl::Error(Input) for a bad image) and resets the machine.
    explicit TrapVmm(TrapVmmConfig config = {});
    ~TrapVmm() override;

    std::string world() const override { return modeName(config_.mode); }
    void reset() override;  // not while run() is in progress on another thread
    RunState run(uint64_t budget = 0) override;
    void pause() override;

    RunState state() const override { return state_.load(); }
    int exitCode() const override;
    std::string failure() const override;
    Counters counters() const override;
    // registers: the real CPU, then the virtual one ("cpl (real)" / "cpl (guest believes)",
    // "IF (real)" / "IF (virtual)", shadow control registers); console: the serial output;
    // listing: the privileged-instruction sites that have trapped (trap) or exited (hw) so far;
    // in bt mode the translated code beside the original, one line per guest instruction
    // ("0x00100020  cli   ->  call vmm_cli"). Registers are refreshed every 65536 guest
    // instructions while running and when run() returns.
    Snapshot snapshot() const override;

    const TrapVmmConfig& config() const { return config_; }
    // Up to `max` bytes at a linear address as the CPU sees them now (fewer where nothing is
    // mapped), the monitor's own memory included: for memory views, and for tests that check
    // that a guest could not change the monitor. Not while run() is in progress.
    std::vector<uint8_t> readMemory(uint32_t address, size_t max) const { return machine_->read(address, max); }
    const GuestImage& image() const { return image_; }

private:
    enum class StopReason { None, Budget, Pause, PowerOff, Failed };
    static constexpr size_t kOpCount = static_cast<size_t>(PrivilegedOp::Other) + 1;
    static constexpr size_t kExitSlots = 64;  // indexed by the SDM's basic exit reason
    static constexpr uint32_t kSyscallVector = 0x80;  // Linux i386's int 0x80

    // Unicorn callbacks (user_data is the monitor).
    static void onInstruction(uc_engine* uc, uint64_t address, uint32_t size, void* self);
    static void onTrapSite(uc_engine* uc, uint64_t address, uint32_t size, void* self);
    static void onInterrupt(uc_engine* uc, uint32_t vector, void* self);
    static uint32_t onPortIn(uc_engine* uc, uint32_t port, int size, void* self);
    static void onPortOut(uc_engine* uc, uint32_t port, int size, uint32_t value, void* self);
    static bool onInvalidInstruction(uc_engine* uc, void* self);
    static void onBlock(uc_engine* uc, uint64_t address, uint32_t size, void* self);
    static bool onBadAccess(uc_engine* uc, uc_mem_type type, uint64_t address, int size, int64_t value, void* self);

    void buildMachine();
    void installTrapSite(const DecodedInstruction& insn);
    // bt and hw: decodes the block at `address` before it first runs and hooks the instructions
    // the mode intercepts. True when hooks were added (the block must be translated again).
    bool scanBlock(uint32_t address);
    bool intercepts(const DecodedInstruction& insn) const;
    void handleExit(const DecodedInstruction& insn);
    void countExit(ExitReason reason, uint32_t qualification, uint32_t at);
    bool guestInterruptsEnabled() const;
    bool hardwareAssisted() const { return config_.mode == MonitorMode::HardwareAssisted; }
    bool paravirtual() const { return config_.mode == MonitorMode::Paravirtual; }
    bool emulated() const { return config_.mode == MonitorMode::Emulate; }
    // hw and emulate: the guest really runs at ring 0 and owns IF, GDTR, IDTR.
    bool guestAtRing0() const { return hardwareAssisted() || emulated(); }
    // pv: the guest's int 0x82 (EIP is after it). Runs the hypercall and resumes the guest.
    void handleHypercall(uint32_t at);
    // pv: an event upcall, if one is deliverable, at `eip`. True when the guest was redirected.
    bool deliverUpcall(uint32_t eip);
    // pv: SCHEDOP_block; the vCPU sleeps until the next timer event.
    void blockUntilEvent(uint32_t resume_eip);
    uint64_t nextTimerEvent() const;
    void handleTrap(const DecodedInstruction& insn, const std::string& label);
    TrapOutcome emulate(const DecodedInstruction& insn);
    void handleGuestException(uint32_t vector);
    // Delivers an exception through the guest's IDT; a delivery that fails becomes a double
    // fault, and a double fault that fails a triple fault.
    void reflectException(uint32_t vector, uint32_t return_eip, uint32_t at, bool software, uint32_t pushed_code = 0);
    // A #PF the CPU raised from the monitor's real page tables: a write to a guest page table
    // (let through, shadow_mmu.h), or the guest's own fault, reflected with CR2 and its error code.
    void handlePageFault(uint32_t eip);
    // After the guest changed CR0.PG or CR3 or executed invlpg: the shadow page tables follow,
    // as soon as the CPU has stopped (applyPagingSync, from run()).
    void syncPaging(uint32_t at);
    void applyPagingSync();
    void tripleFault(uint32_t vector, uint32_t address, const std::string& why);
    // Takes the PIC's pending interrupt, if any, and delivers it at `eip` (the instruction it
    // interrupts has not run yet). False when nothing was deliverable.
    bool injectPendingInterrupt(uint32_t eip);
    void timerTick();
    // hlt with virtual IF=1: the virtual clock jumps to the next timer tick, which is taken.
    // False when no interrupt can ever arrive.
    bool idleUntilInterrupt(uint32_t resume_eip, std::string& why_not);
    void stop(StopReason reason);
    bool stopping();
    void fail(const std::string& report);
    void countTrap(PrivilegedOp op);
    void publishRegisters();
    std::string describeAt(uint32_t address) const;
    RunState finishRun(uc_err err);

    TrapVmmConfig config_;
    GuestImage image_;
    InstructionDecoder decoder_;

    VirtualCpu vcpu_;
    IoBus bus_;
    std::unique_ptr<Serial16550> serial_;
    std::unique_ptr<PowerOffDevice> power_;
    PicPair pic_;
    std::unique_ptr<Pit8254> pit_;
    uint64_t clock_ = 0;  // the VMM's clock, in PIT input clocks (see pit_8254.h)
    std::unique_ptr<TrapDispatcher> dispatcher_;
    std::unique_ptr<GuestMachine> machine_;
    std::unique_ptr<ShadowMmu> mmu_;                 // the page tables the CPU really uses
    std::unique_ptr<pv::XenHypervisor> hypervisor_;  // pv mode only
    std::unique_ptr<pv::Blkback> blkback_;           // pv mode only: dom0's disk backend
    std::vector<uint8_t> disk_image_;
    std::unique_ptr<AtaDisk> disk_;                  // the primary ATA channel
    bool upcall_due_ = false;                        // pv: a timer event may be deliverable
    std::optional<int> shutdown_code_;               // pv: the exit code of SCHEDOP_shutdown
    struct TrapSite {
        DecodedInstruction insn;
        std::string label;  // "cli at 0x100020: ", formatted once rather than per trap
    };
    std::unordered_map<uint32_t, TrapSite> trap_sites_;  // address -> the privileged instruction there

    // Written only by the thread inside run(); read by any thread (single writer, so relaxed
    // load+store instead of a locked read-modify-write on the per-instruction path).
    std::atomic<uint64_t> guest_instructions_{0};
    std::atomic<uint64_t> vmm_entries_{0};
    std::atomic<uint64_t> traps_by_op_[kOpCount] = {};
    std::atomic<uint64_t> discovered_by_gp_{0};
    std::atomic<uint64_t> interrupts_injected_{0};
    std::atomic<uint64_t> exceptions_reflected_{0};
    std::atomic<uint64_t> syscalls_{0};
    std::atomic<uint64_t> interrupts_from_ring3_{0};  // timer interrupts that preempted a user task          // int 0x80 delivered from ring 3 (a guest's user tasks)
    std::atomic<uint64_t> idle_clocks_{0};
    std::atomic<uint64_t> exits_[kExitSlots] = {};
    std::atomic<uint64_t> bt_blocks_{0};
    std::atomic<uint64_t> bt_rewritten_{0};
    std::atomic<uint64_t> bt_translated_{0};
    std::atomic<uint64_t> hypercalls_{0};        // pv: int 0x82 entries (multicall members not counted)
    std::atomic<uint64_t> blocks_translated_{0}; // emulate: distinct block addresses translated
    std::unordered_set<uint32_t> scanned_blocks_;    // block entry addresses already translated / scanned
    std::map<uint32_t, std::string> translation_;    // bt: guest address -> listing line
    bool restart_pending_ = false;  // a block was re-translated: its first instruction runs again
    bool paging_sync_pending_ = false;  // the CPU stops so that the shadow page tables are rebuilt
    // A control register written from inside a hook can end uc_emu_start() early; run() then
    // carries on where the guest is.
    bool resume_after_register_write_ = false;
    uint32_t paging_sync_at_ = 0;       // the instruction that asked for it
    bool window_wanted_ = false;
    bool resume_after_invalid_opcode_ = false;    // hw: an interrupt waits for the guest's IF (interrupt-window exiting)
    std::atomic<RunState> state_{RunState::Ready};
    std::atomic<bool> pause_requested_{false};

    uint64_t budget_end_ = 0;  // stop before the instruction with this count (1-based)
    StopReason stop_reason_ = StopReason::None;
    int exit_code_ = 0;

    mutable std::mutex published_mutex_;  // guards what other threads may read during a run
    std::string failure_;
    std::vector<std::pair<std::string, std::string>> published_registers_;
    std::vector<std::string> published_listing_;  // the trap sites: "0x00100020  cli"
    size_t published_site_count_ = SIZE_MAX;
    size_t published_translation_count_ = SIZE_MAX;
};

}  // namespace vl::vm
