#include "trapsim/trap_vmm.h"

#include <capstone/capstone.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/assets.h"
#include "core/error.h"
#include "trapsim/system_emulation.h"
#include "trapsim/trap_vmm_format.h"

namespace vl::vm {
using namespace detail;

namespace {

constexpr uint64_t kUntilNever = 0xFFFFFFFF;  // inside monitor memory, which the guest cannot execute
constexpr uint64_t kPublishEvery = 1 << 16;   // guest instructions between register snapshots

}  // namespace

TrapVmm::TrapVmm(TrapVmmConfig config) : config_(std::move(config)) {
    if (config_.guest_path.empty())
        config_.guest_path = builtAsset(paravirtual() ? "guest/kernel-pv.bin" : "guest/kernel.bin");
    image_ = loadGuestImage(config_.guest_path);
    if (config_.disk_path.empty()) config_.disk_path = builtAsset("guest/disk.img");
    disk_image_ = loadDiskImage(config_.disk_path);
    reset();
}

TrapVmm::~TrapVmm() = default;

void TrapVmm::reset() {
    blkback_.reset();
    hypervisor_.reset();  // it refers to the machine
    mmu_.reset();
    machine_.reset();     // before the devices its hooks refer to
    upcall_due_ = false;
    shutdown_code_.reset();
    hypercalls_ = 0;
    blocks_translated_ = 0;
    vcpu_ = VirtualCpu{};
    bus_ = IoBus{};
    serial_ = std::make_unique<Serial16550>(0x3F8);
    power_ = std::make_unique<PowerOffDevice>(PowerOffDevice::kDefaultPort);
    bus_.attach(serial_->basePort(), 8, serial_.get());
    bus_.attach(power_->port(), 1, power_.get());
    pic_ = PicPair{};
    clock_ = 0;
    pit_ = std::make_unique<Pit8254>([this] { return clock_; });
    bus_.attach(Pit8254::kBasePort, 4, pit_.get());
    bus_.attach(PicPair::kMasterPort, 2, &pic_);
    bus_.attach(PicPair::kSlavePort, 2, &pic_);
    disk_ = std::make_unique<AtaDisk>(disk_image_);
    bus_.attach(AtaDisk::kBasePort, 8, disk_.get());
    dispatcher_ = std::make_unique<TrapDispatcher>(vcpu_, bus_);
    trap_sites_.clear();
    published_site_count_ = SIZE_MAX;
    guest_instructions_ = 0;
    vmm_entries_ = 0;
    for (auto& c : traps_by_op_) c = 0;
    for (auto& c : exits_) c = 0;
    bt_blocks_ = 0;
    bt_rewritten_ = 0;
    bt_translated_ = 0;
    scanned_blocks_.clear();
    translation_.clear();
    published_translation_count_ = SIZE_MAX;
    restart_pending_ = false;
    paging_sync_pending_ = false;
    paging_sync_at_ = 0;
    window_wanted_ = false;
    discovered_by_gp_ = 0;
    interrupts_injected_ = 0;
    exceptions_reflected_ = 0;
    syscalls_ = 0;
    interrupts_from_ring3_ = 0;
    idle_clocks_ = 0;
    stop_reason_ = StopReason::None;
    exit_code_ = 0;
    {
        std::lock_guard lock(published_mutex_);
        failure_.clear();
    }
    events().clear();
    buildMachine();
    publishRegisters();
    state_ = RunState::Ready;
}

void TrapVmm::buildMachine() {
    machine_ = std::make_unique<GuestMachine>();
    machine_->load(image_);
    machine_->enter(image_, guestAtRing0() ? 0 : layout::kGuestRing);
    mmu_ = std::make_unique<ShadowMmu>(*machine_);
    if (paravirtual()) {
        // The domain builder: start_info (ESI), the shared-info page, events masked.
        hypervisor_ = std::make_unique<pv::XenHypervisor>(*machine_, vcpu_);
        hypervisor_->setClock([this] { return clock_; });
        hypervisor_->buildDomain();
        hypervisor_->setPagingHandler([this](uint32_t page_directory) {
            vcpu_.cr0 |= VirtualCpu::kCr0Pg;
            vcpu_.cr3 = page_directory;
            syncPaging(machine_->eip());
        });
        // dom0: the driver domain that owns the disk, reached only through the hypervisor.
        blkback_ = std::make_unique<pv::Blkback>(*machine_, *hypervisor_, disk_image_);
        hypervisor_->setStoreHandler([this](uint32_t) {
            blkback_->onStoreEvent();
            events().append("dom0", blkback_->connected() ? "blkback connected to the guest's blkfront ring"
                                                          : "blkback could not connect: " + blkback_->lastError());
        });
    }
    uc_engine* uc = machine_->uc();
    uc_hook h;
    // Added first, so it runs before any trap-site hook at the same address and counts every
    // instruction exactly once, trapped or not.
    auto add = [&](uc_err err, const char* what) {
        if (err != UC_ERR_OK) throwUnicorn(what, err);
    };
    // Every linear address a guest can map code at (with paging, user code may sit above RAM's size).
    add(uc_hook_add(uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&TrapVmm::onInstruction), this,
                    layout::kRamFirstMapped, layout::kMonitorLinearBase - 1),
        "hook instructions");
    add(uc_hook_add(uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&TrapVmm::onInterrupt), this, 1, 0), "hook faults");
    add(uc_hook_add(uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&TrapVmm::onPortIn), this, 1, 0, UC_X86_INS_IN),
        "hook in");
    add(uc_hook_add(uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&TrapVmm::onPortOut), this, 1, 0, UC_X86_INS_OUT),
        "hook out");
    if (config_.mode != MonitorMode::Trap && !paravirtual())
        add(uc_hook_add(uc, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(&TrapVmm::onBlock), this, 1, 0), "hook blocks");
    add(uc_hook_add(uc, &h, UC_HOOK_INSN_INVALID, reinterpret_cast<void*>(&TrapVmm::onInvalidInstruction), this, 1, 0),
        "hook invalid instructions");
    add(uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, reinterpret_cast<void*>(&TrapVmm::onBadAccess),
                    this, 1, 0),
        "hook bad memory accesses");
    events().append("boot", "guest " + image_.path + " loaded at " + hex32(image_.load_address) + ", entered at " +
                                hex32(image_.entry) + " in ring " + std::to_string(machine_->realCpl()) +
                                " through the iret trampoline (" + modeName(config_.mode) + " monitor)");
}

RunState TrapVmm::run(uint64_t budget) {
    const RunState now = state_.load();
    if (now == RunState::Finished || now == RunState::Failed) return now;
    pause_requested_ = false;  // a pause asked for before this run started is not for it
    stop_reason_ = StopReason::None;
    budget_end_ = budget ? guest_instructions_.load() + budget + 1 : UINT64_MAX;
    uc_err err = UC_ERR_OK;
    bool resume = false;
    do {
        resume_after_invalid_opcode_ = false;
        resume_after_register_write_ = false;
        err = uc_emu_start(machine_->uc(), machine_->eip(), kUntilNever, 0, 0);
        resume = resume_after_invalid_opcode_ || resume_after_register_write_;
        // The shadow page tables are rebuilt here, between two runs of the CPU: remapping
        // Unicorn's memory and flushing its translated code from inside a hook would pull the
        // code being run from under it (measured: a crash in generated code).
        if (err == UC_ERR_OK && paging_sync_pending_) {
            paging_sync_pending_ = false;
            applyPagingSync();
            resume = true;
        }
    } while (err == UC_ERR_OK && stop_reason_ == StopReason::None && resume);
    return finishRun(err);
}

RunState TrapVmm::finishRun(uc_err err) {
    if (stop_reason_ != StopReason::Failed) {
        if (err == UC_ERR_INSN_INVALID) {
            tripleFault(6, machine_->eip(), "Unicorn stopped at an opcode it lacks");  // #UD
        } else if (err != UC_ERR_OK) {
            fail("Unicorn stopped the guest at " + hex32(machine_->eip()) + ": " + uc_strerror(err));
        } else if (stop_reason_ == StopReason::None) {
            fail("the guest stopped unexpectedly at " + hex32(machine_->eip()));
        }
    }
    publishRegisters();
    RunState result = RunState::Paused;
    switch (stop_reason_) {
    case StopReason::PowerOff:
        exit_code_ = shutdown_code_ ? *shutdown_code_ : power_->exitCode().value_or(0);
        result = RunState::Finished;
        break;
    case StopReason::Failed: result = RunState::Failed; break;
    default: result = RunState::Paused; break;
    }
    state_ = result;
    return result;
}

void TrapVmm::pause() { pause_requested_ = true; }

int TrapVmm::exitCode() const { return exit_code_; }

std::string TrapVmm::failure() const {
    std::lock_guard lock(published_mutex_);
    return failure_;
}

void TrapVmm::stop(StopReason reason) {
    if (stop_reason_ == StopReason::None || reason == StopReason::Failed) stop_reason_ = reason;
    uc_emu_stop(machine_->uc());
}

void TrapVmm::fail(const std::string& report) {
    const uint64_t traps = vmm_entries_.load();
    const std::string full = report + " (after " + std::to_string(guest_instructions_.load()) +
                             " guest instructions and " + std::to_string(traps) + " traps)";
    {
        std::lock_guard lock(published_mutex_);
        if (failure_.empty()) failure_ = full;
    }
    events().append("fault", full);
    stop(StopReason::Failed);
}

void TrapVmm::countTrap(PrivilegedOp op) {
    bump(vmm_entries_);
    bump(traps_by_op_[static_cast<size_t>(op)]);
}

// ---- Unicorn callbacks --------------------------------------------------------------------

// Unicorn may still call hooks between uc_emu_stop() and the actual stop (the #GP hook returns
// into the faulting instruction, whose new code hook fires). Once the monitor has decided to
// stop, nothing more is counted or emulated.
//
// A pending rebuild of the shadow page tables stops the CPU the same way, before the next
// instruction: the uc_emu_stop() made in the hook that asked for it does not hold when that
// hook also moved EIP (Unicorn restarts at the new EIP and forgets the stop request).
bool TrapVmm::stopping() {
    if (stop_reason_ == StopReason::None && !paging_sync_pending_) return false;
    uc_emu_stop(machine_->uc());
    return true;
}

void TrapVmm::onInstruction(uc_engine*, uint64_t address, uint32_t, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
    if (vm->stopping()) return;
    const uint64_t n = vm->guest_instructions_.load(std::memory_order_relaxed) + 1;
    if (n > vm->config_.max_instructions) {
        vm->fail("the guest ran past its limit of " + std::to_string(vm->config_.max_instructions) +
                 " instructions without powering off; it was at " + vm->describeAt(vm->machine_->eip()));
        return;
    }
    if (n >= vm->budget_end_) return vm->stop(StopReason::Budget);
    if (vm->pause_requested_.load(std::memory_order_relaxed)) return vm->stop(StopReason::Pause);
    // The block hook has just sent this block back for translation with its callouts: the
    // instruction here will run (and be counted) in the new translation.
    if (vm->restart_pending_) return;
    // The interrupt window: an interrupt is taken before this instruction when the virtual IF
    // is 1 and the instruction before was not an sti or mov ss. The interrupted instruction has
    // not run, so it is counted when the handler's iret comes back to it.
    if (vm->vcpu_.interrupt_shadow) vm->vcpu_.interrupt_shadow = false;
    else if (vm->pic_.anyRequested()) {
        if (vm->guestInterruptsEnabled()) {
            if (vm->injectPendingInterrupt(static_cast<uint32_t>(address))) return;
        } else if (vm->hardwareAssisted()) {
            vm->window_wanted_ = true;  // the monitor asks for an exit when the guest sets IF
        }
    } else if (vm->upcall_due_ && vm->deliverUpcall(static_cast<uint32_t>(address))) {
        return;  // pv: the event upcall runs first; this instruction runs after its iret
    }
    vm->guest_instructions_.store(n, std::memory_order_relaxed);
    if (++vm->clock_ >= vm->nextTimerEvent()) {
        if (vm->hardwareAssisted() && vm->clock_ >= vm->pit_->nextTick())
            vm->countExit(ExitReason::ExternalInterrupt, 0, static_cast<uint32_t>(address));
        vm->timerTick();
    }
    if (n % kPublishEvery == 0) vm->publishRegisters();
}

void TrapVmm::onTrapSite(uc_engine*, uint64_t address, uint32_t, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
    if (vm->stopping()) return;
    // An interrupt injected by the instruction hook just before this one has moved EIP to its
    // handler: the instruction here has not run and will trap when the handler returns to it.
    if (vm->machine_->eip() != address) return;
    const auto site = vm->trap_sites_.find(static_cast<uint32_t>(address));
    if (site == vm->trap_sites_.end()) return;
    // The guest may have rewritten its code since this site first trapped: only an instruction
    // that is still there, and still privileged at the current CPL, traps.
    DecodedInstruction& insn = site->second.insn;
    uint8_t bytes[16];
    if (uc_mem_read(vm->machine_->uc(), site->first, bytes, insn.size) != UC_ERR_OK ||
        std::memcmp(bytes, insn.bytes, insn.size) != 0) {
        const std::vector<uint8_t> now = vm->machine_->read(site->first, 15);
        auto decoded = vm->decoder_.decode(now.data(), now.size(), site->first);
        if (!decoded || decoded->op == PrivilegedOp::None) {
            vm->trap_sites_.erase(site);
            return;
        }
        insn = *decoded;
        site->second.label = siteLabel(insn);
    }
    switch (vm->config_.mode) {
    case MonitorMode::Trap:
        if (trapsHere(insn, *vm->machine_)) vm->handleTrap(insn, site->second.label);
        break;
    case MonitorMode::Paravirtual:
        if (trapsHere(insn, *vm->machine_)) {
            vm->handleTrap(insn, site->second.label);
            vm->upcall_due_ = true;  // Xen checks for events on every return to the guest
        }
        break;
    case MonitorMode::BinaryTranslation:
        // An iret to ring 3 (a frame whose CS has RPL 3) is an ordinary return to a less
        // privileged ring at ring 1 too: it runs as it stands, and the user task runs with IF=1.
        if (insn.op == PrivilegedOp::Iret && !trapsHere(insn, *vm->machine_)) break;
        vm->handleTrap(insn, site->second.label);  // the callout
        break;
    case MonitorMode::HardwareAssisted:
    case MonitorMode::Emulate: vm->handleExit(insn); break;
    }
}

void TrapVmm::onInterrupt(uc_engine*, uint32_t vector, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
    if (!vm->stopping()) vm->handleGuestException(vector);
}

uint32_t TrapVmm::onPortIn(uc_engine*, uint32_t port, int size, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
    if (vm->guestAtRing0()) {
        if (vm->hardwareAssisted() && vm->config_.controls.portExits(static_cast<uint16_t>(port)))
            vm->countExit(ExitReason::IoInstruction, ioExitQualification(static_cast<uint16_t>(port), size, true),
                          vm->machine_->eip());
        return vm->dispatcher_->portIn(static_cast<uint16_t>(port), size);
    }
    vm->countTrap(PrivilegedOp::In);
    const uint32_t value = vm->dispatcher_->portIn(static_cast<uint16_t>(port), size);
    std::string detail = "in ";
    appendHex(detail, port);
    detail += " -> ";
    appendHex(detail, value);
    vm->events().append("trap", std::move(detail));
    return value;
}

void TrapVmm::onPortOut(uc_engine*, uint32_t port, int size, uint32_t value, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
    if (vm->guestAtRing0()) {
        if (vm->hardwareAssisted() && vm->config_.controls.portExits(static_cast<uint16_t>(port)))
            vm->countExit(ExitReason::IoInstruction, ioExitQualification(static_cast<uint16_t>(port), size, false),
                          vm->machine_->eip());
    } else {
        vm->countTrap(PrivilegedOp::Out);
    }
    vm->dispatcher_->portOut(static_cast<uint16_t>(port), size, value);
    std::string detail = "out ";
    appendHex(detail, port);
    detail += " <- ";
    appendHex(detail, value);
    if (value >= 0x20 && value < 0x7F) {
        detail += " '";
        detail += static_cast<char>(value);
        detail += '\'';
    }
    if (!vm->guestAtRing0()) vm->events().append("trap", std::move(detail));
    if (const auto code = vm->power_->exitCode()) {
        vm->events().append("power-off", "the guest switched the machine off through port " +
                                             hexShort(vm->power_->port()) + " with exit code " + std::to_string(*code));
        vm->stop(StopReason::PowerOff);
    }
}

// Unicorn reports an invalid opcode here rather than as an interrupt; it is the guest's #UD.
bool TrapVmm::onInvalidInstruction(uc_engine*, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
    if (vm->stopping()) return true;
    const uint32_t eip = vm->machine_->eip();
    vm->reflectException(6, eip, eip, false);
    // Unicorn ends the emulation after this hook even when it handled the opcode; run() starts
    // it again at the handler the #UD was delivered to.
    vm->resume_after_invalid_opcode_ = true;
    return true;
}

bool TrapVmm::onBadAccess(uc_engine*, uc_mem_type type, uint64_t address, int, int64_t, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
    // With paging on, a linear page with no mapping is the guest's #PF, raised by the CPU
    // when it retries the access (shadow_mmu.h).
    const bool unmapped = type == UC_MEM_READ_UNMAPPED || type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_FETCH_UNMAPPED;
    if (unmapped && vm->mmu_ && vm->mmu_->mapFaultingPage(static_cast<uint32_t>(address))) return true;
    const std::string where = hex32(static_cast<uint32_t>(address));
    const std::string by = " by the instruction at " + vm->describeAt(vm->machine_->eip());
    switch (type) {
    case UC_MEM_FETCH_UNMAPPED: vm->fail("the guest jumped to unmapped memory at " + where); break;
    case UC_MEM_READ_UNMAPPED: vm->fail("the guest read unmapped memory at " + where + by); break;
    case UC_MEM_WRITE_UNMAPPED: vm->fail("the guest wrote to unmapped memory at " + where + by); break;
    case UC_MEM_FETCH_PROT: vm->fail("the guest jumped into monitor memory at " + where); break;
    case UC_MEM_WRITE_PROT: vm->fail("the guest wrote to monitor memory at " + where + by); break;
    default: vm->fail("the guest accessed " + where + " without permission" + by); break;
    }
    return false;
}

// ---- traps and faults ---------------------------------------------------------------------

void TrapVmm::installTrapSite(const DecodedInstruction& insn) {
    uc_engine* uc = machine_->uc();
    if (trap_sites_.emplace(insn.address, TrapSite{insn, siteLabel(insn)}).second) {
        uc_hook h;
        const uc_err err = uc_hook_add(uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&TrapVmm::onTrapSite), this,
                                       insn.address, insn.address);
        if (err != UC_ERR_OK) return fail(std::string("cannot hook the trap site: ") + uc_strerror(err));
    }
    // Code hooks are compiled into translated blocks: drop the block already translated
    // around this instruction so the next pass through it calls the new hook.
    uc_ctl_remove_cache(uc, insn.address, insn.address + insn.size);
}

TrapOutcome TrapVmm::emulate(const DecodedInstruction& insn) {
    switch (insn.op) {
    case PrivilegedOp::Lgdt:
    case PrivilegedOp::Lidt: return emulateDescriptorTableLoad(insn, *machine_, vcpu_);
    case PrivilegedOp::Iret: return emulateIret(*machine_, vcpu_);
    case PrivilegedOp::MovToSs: return emulateMovToSs(insn, *machine_, vcpu_);
    case PrivilegedOp::Pushf: return emulatePushf(*machine_, vcpu_);
    case PrivilegedOp::Popf: return emulatePopf(*machine_, vcpu_);
    case PrivilegedOp::Sgdt:
    case PrivilegedOp::Sidt: return emulateDescriptorTableStore(insn, *machine_, vcpu_);
    case PrivilegedOp::Smsw: return emulateSmsw(insn, *machine_, vcpu_);
    case PrivilegedOp::MovFromCs: return emulateMovFromCs(insn, *machine_, vcpu_);
    case PrivilegedOp::Ltr: return emulateLtr(insn, *machine_, vcpu_);
    default: return dispatcher_->emulate(insn, *machine_);
    }
}

void TrapVmm::handleTrap(const DecodedInstruction& insn, const std::string& label) {
    countTrap(insn.op);
    const TrapOutcome outcome = emulate(insn);
    events().append("trap", label + outcome.detail);
    switch (outcome.kind) {
    case TrapOutcome::Kind::Resume:
        machine_->setReg(UC_X86_REG_EIP, insn.address + insn.size);
        if (insn.op == PrivilegedOp::Invlpg ||
            (insn.op == PrivilegedOp::MovToCr && (insn.control_register == 0 || insn.control_register == 3)))
            syncPaging(insn.address);
        break;
    case TrapOutcome::Kind::Jumped: break;
    case TrapOutcome::Kind::Idle: {
        const uint32_t next = insn.address + insn.size;
        machine_->setReg(UC_X86_REG_EIP, next);
        std::string why_not;
        if (!idleUntilInterrupt(next, why_not))
            fail("the guest executed hlt at " + hex32(insn.address) + " with interrupts enabled (virtual IF=1), but " +
                 why_not + ": nothing can ever wake it");
        break;
    }
    case TrapOutcome::Kind::HaltedForever:
        fail("the guest executed hlt at " + hex32(insn.address) +
             " with interrupts disabled (virtual IF=0): nothing can ever wake it");
        break;
    case TrapOutcome::Kind::Unsupported:
        fail("the guest executed the privileged instruction `" + insn.text() + "` at " + hex32(insn.address) +
             ", which this monitor does not emulate (" + outcome.detail + ")");
        break;
    }
}

void TrapVmm::handleGuestException(uint32_t vector) {
    const uint32_t eip = machine_->eip();
    constexpr uint32_t kGeneralProtection = 13;
    constexpr uint32_t kPageFault = 14;
    if (vector == kPageFault && mmu_->paging()) return handlePageFault(eip);
    // A #GP at ring 3 is the user task's own fault, for its kernel: never a trap of the kernel.
    if (vector == kGeneralProtection && !guestAtRing0() && machine_->realCpl() != 3) {
        const std::vector<uint8_t> bytes = machine_->read(eip, 15);
        const auto insn = decoder_.decode(bytes.data(), bytes.size(), eip);
        if (insn && insn->op != PrivilegedOp::None && trapsHere(*insn, *machine_)) {
            // A privileged instruction trapped through the CPU's own #GP: the first time at this site.
            bump(discovered_by_gp_);
            machine_->clearStaleException();
            installTrapSite(*insn);
            return handleTrap(*insn, trap_sites_.at(insn->address).label);
        }
    }
    // Software interrupts report the address after their instruction (and return there);
    // faults report the faulting instruction (and return to it, to retry).
    uint32_t at = eip;
    bool software = false;
    uint8_t before[2] = {};
    if (eip >= 2 && uc_mem_read(machine_->uc(), eip - 2, before, 2) == UC_ERR_OK) {
        if (vector == 3 && before[1] == 0xCC) at = eip - 1;                     // int3
        else if (vector == 4 && before[1] == 0xCE) at = eip - 1;                // into
        else if (before[0] == 0xCD && before[1] == vector) at = eip - 2;        // int n
        software = at != eip;
    }
    machine_->clearStaleException();
    // (From ring 3 it is the user task's int 0x82, for its kernel to refuse: Xen's gate has DPL 1.)
    if (paravirtual() && software && vector == pv::xen::kHypercallVector && machine_->realCpl() != 3)
        return handleHypercall(at);
    if (hardwareAssisted() && !software && vector < 32 && (config_.controls.exception_bitmap >> vector) & 1)
        countExit(ExitReason::ExceptionOrNmi, 0, at);
    reflectException(vector, eip, at, software);
}

std::string TrapVmm::describeAt(uint32_t address) const {
    const std::vector<uint8_t> bytes = machine_->read(address, 15);
    if (bytes.empty()) return hex32(address) + " (unmapped)";
    const auto insn = decoder_.decode(bytes.data(), bytes.size(), address);
    if (!insn) {
        char buf[8];
        std::string hexbytes;
        for (size_t i = 0; i < std::min<size_t>(bytes.size(), 4); ++i) {
            std::snprintf(buf, sizeof buf, "%s%02x", i ? " " : "", bytes[i]);
            hexbytes += buf;
        }
        return hex32(address) + " (bytes " + hexbytes + ")";
    }
    return hex32(address) + " `" + insn->text() + "`";
}

// ---- observation ---------------------------------------------------------------------------

void TrapVmm::publishRegisters() {
    static const std::pair<const char*, int> kRegs[] = {
        {"eax", UC_X86_REG_EAX}, {"ebx", UC_X86_REG_EBX}, {"ecx", UC_X86_REG_ECX},       {"edx", UC_X86_REG_EDX},
        {"esi", UC_X86_REG_ESI}, {"edi", UC_X86_REG_EDI}, {"ebp", UC_X86_REG_EBP},       {"esp", UC_X86_REG_ESP},
        {"eip", UC_X86_REG_EIP}, {"eflags", UC_X86_REG_EFLAGS}, {"cs", UC_X86_REG_CS}, {"ss", UC_X86_REG_SS},
        {"ds", UC_X86_REG_DS},   {"cr0", UC_X86_REG_CR0}};
    std::vector<std::pair<std::string, std::string>> regs;
    for (const auto& [name, id] : kRegs) regs.emplace_back(name, hex32(machine_->reg(id)));
    const uint32_t eflags = machine_->reg(UC_X86_REG_EFLAGS);
    // The real CPU state next to the one the guest believes it has.
    regs.emplace_back("cpl (real)", std::to_string(machine_->realCpl()));
    regs.emplace_back("cpl (guest believes)", std::to_string(vcpu_.believed_cpl));
    regs.emplace_back("IF (real)", (eflags & 0x200) ? "1" : "0");
    regs.emplace_back("IF (virtual)", vcpu_.interrupts_enabled ? "1" : "0");
    regs.emplace_back("cr0 (shadow)", hex32(vcpu_.cr0));
    regs.emplace_back("cr3 (shadow)", hex32(vcpu_.cr3));
    uc_x86_mmr real_gdtr{};
    uc_reg_read(machine_->uc(), UC_X86_REG_GDTR, &real_gdtr);
    regs.emplace_back("gdtr (real)", hex32(static_cast<uint32_t>(real_gdtr.base)));
    regs.emplace_back("gdtr (virtual)", hex32(vcpu_.gdtr.base));
    regs.emplace_back("idtr (virtual)", hex32(vcpu_.idtr.base));
    if (hypervisor_) {
        regs.emplace_back("evtchn_upcall_mask", hypervisor_->eventsMasked() ? "1" : "0");
        regs.emplace_back("evtchn_upcall_pending", hypervisor_->upcallPending() ? "1" : "0");
    }
    // The listing: every privileged-instruction site that has trapped so far, by address.
    std::vector<std::string> listing;
    const bool sites_changed = trap_sites_.size() != published_site_count_;
    if (sites_changed) {
        std::vector<const TrapSite*> sites;
        for (const auto& [address, site] : trap_sites_) sites.push_back(&site);
        std::sort(sites.begin(), sites.end(), [](auto* a, auto* b) { return a->insn.address < b->insn.address; });
        for (const TrapSite* site : sites) listing.push_back(hex32(site->insn.address) + "  " + site->insn.text());
    }
    const bool bt = config_.mode == MonitorMode::BinaryTranslation;
    const bool translation_changed = bt && translation_.size() != published_translation_count_;
    std::vector<std::string> translated;
    if (translation_changed)
        for (const auto& [address, line] : translation_) translated.push_back(line);
    std::lock_guard lock(published_mutex_);
    published_registers_ = std::move(regs);
    if (bt) {
        if (translation_changed) {
            published_listing_ = std::move(translated);
            published_translation_count_ = translation_.size();
        }
    } else if (sites_changed) {
        published_listing_ = std::move(listing);
        published_site_count_ = trap_sites_.size();
    }
}

Counters TrapVmm::counters() const {
    Counters c;
    uint64_t traps = 0;
    for (size_t i = 1; i < kOpCount; ++i) {
        const std::string name = opName(static_cast<PrivilegedOp>(i));
        const uint64_t n = traps_by_op_[i].load();
        c["traps." + name] += n;
        traps += n;
    }
    const uint64_t insns = guest_instructions_.load();
    const uint64_t entries = vmm_entries_.load();
    c["traps"] = traps;
    c["guest_instructions"] = insns;
    c["vmm_entries"] = entries;
    c["modeled_cycles"] = config_.cost.modeledCycles(config_.mode, insns, entries, bt_translated_.load());
    c["trap_sites_found_by_gp"] = discovered_by_gp_.load();
    c["interrupts_injected"] = interrupts_injected_.load();
    c["exceptions_reflected"] = exceptions_reflected_.load();
    c["syscalls"] = syscalls_.load();
    c["interrupts_from_ring3"] = interrupts_from_ring3_.load();
    c["idle_clocks"] = idle_clocks_.load();
    uint64_t exits = 0;
    for (ExitReason r : kExitReasons) {
        const uint64_t n = exits_[static_cast<size_t>(r)].load();
        c["exits." + exitCounterSuffix(r)] = n;
        exits += n;
    }
    c["exits"] = exits;
    c["bt.blocks"] = bt_blocks_.load();
    c["bt.rewritten"] = bt_rewritten_.load();
    c["bt.translated_instructions"] = config_.mode == MonitorMode::BinaryTranslation ? bt_translated_.load() : 0;
    c["blocks_translated"] = blocks_translated_.load();
    c["translated_instructions"] = bt_translated_.load();
    c["hypercalls"] = hypercalls_.load();
    c["upcalls"] = 0;
    uint64_t console = serial_->bytesTransmitted();
    if (hypervisor_) {
        for (const auto& [name, n] : hypervisor_->hypercallCounts()) c["hypercalls." + name] = n;
        c["upcalls"] = hypervisor_->upcalls();
        console += hypervisor_->consoleBytes();
    }
    c["console_bytes"] = console;
    // Shadow paging (shadow_mmu.h): rebuilds, the guest's page-table writes it tracked, the
    // guest entries it refused (frames outside guest RAM) and the pages mapped at the last rebuild.
    c["shadow.syncs"] = mmu_ ? mmu_->syncs() : 0;
    c["shadow.page_table_writes"] = mmu_ ? mmu_->pageTableWrites() : 0;
    c["shadow.refused_mappings"] = mmu_ ? mmu_->refusedMappings() : 0;
    c["shadow.mapped_pages"] = mmu_ && mmu_->paging() ? mmu_->mappedPages() : 0;
    c["pv.page_table_updates"] = hypervisor_ ? hypervisor_->pageTableUpdates() : 0;
    c["pv.batched_calls"] = hypervisor_ ? hypervisor_->batchedCalls() : 0;
    c["disk.sectors_read"] = disk_->sectorsRead();
    c["blkback.requests"] = blkback_ ? blkback_->requests() : 0;
    c["blkback.sectors_read"] = blkback_ ? blkback_->sectorsRead() : 0;
    c["grant_maps"] = hypervisor_ ? hypervisor_->grantMaps() : 0;
    return c;
}

Snapshot TrapVmm::snapshot() const {
    Snapshot s;
    {
        std::lock_guard lock(published_mutex_);
        s.registers = published_registers_;
        s.listing = published_listing_;
    }
    s.console = serial_->console();
    if (hypervisor_) s.console += hypervisor_->console();
    return s;
}

}  // namespace vl::vm
