// TrapVmm, events for the guest: exceptions reflected through its IDT, timer interrupts
// injected while it has them enabled, the halted vCPU woken by the next tick, triple faults.
#include "trapsim/trap_vmm.h"

#include <capstone/capstone.h>

#include "trapsim/trap_vmm_format.h"

namespace vl::vm {
using namespace detail;

void TrapVmm::reflectException(uint32_t vector, uint32_t return_eip, uint32_t at, bool software,
                                uint32_t pushed_code) {
    const bool hw = guestAtRing0();
    if (!hw && !paravirtual() && !vcpu_.idtr.loaded) return tripleFault(vector, at, "the guest has loaded no IDT");
    const std::optional<uint32_t> error_code =
        !software && exceptionHasErrorCode(vector) ? std::optional<uint32_t>(pushed_code) : std::nullopt;
    // pv: the hypervisor bounces it to the handler in the guest's trap table (set_trap_table).
    auto deliver = [&](uint32_t v, uint32_t eip, std::optional<uint32_t> code, bool soft) {
        return paravirtual() ? hypervisor_->deliverException(v, eip, code, soft)
                             : deliverThroughIdt(*machine_, vcpu_, v, eip, code, hw, soft);
    };
    const bool from_user = machine_->realCpl() == 3;
    const bool system_call = software && from_user && vector == kSyscallVector;
    // pv: Xen's x86_32 hypervisor installed a DPL-3 trap-table entry for int 0x80 straight into
    // the real IDT (init_int80_direct_trap, xen/arch/x86/x86_32/traps.c), so a PV guest's
    // system calls never entered it. The monitor performs that delivery but does not count it.
    const bool direct_trap = paravirtual() && system_call;
    Delivery delivery = deliver(vector, return_eip, error_code, software);
    if (delivery.result == Delivery::Result::GateDpl) {
        // int n from ring 3 through a kernel-only gate: #GP with the IDT entry in the error code.
        events().append("exception", delivery.detail + ": #GP");
        const uint32_t code = (vector << 3) | 2u;
        vector = 13;
        delivery = deliver(13, at, code, false);
    }
    if (delivery.result == Delivery::Result::Delivered) {
        bump(exceptions_reflected_);
        if (system_call) bump(syscalls_);
        // In hw mode the CPU delivers it, or it came with an exit already counted.
        if (!hw && !direct_trap) bump(vmm_entries_);
        events().append(system_call ? "syscall" : "exception",
                        (system_call ? "int 0x80 from ring 3 at " + describeAt(at) + ", eax " +
                                           std::to_string(machine_->reg(UC_X86_REG_EAX))
                                     : exceptionName(vector) + " at " + describeAt(at)) +
                            (direct_trap ? " (Xen's direct trap): " : " reflected to the guest: ") + delivery.detail);
        return;
    }
    // The CPU turns a failed delivery into a double fault (collapsing the #NP/#GP it raises
    // first), and a double fault it cannot deliver into a shutdown: the triple fault.
    if (vector != 8) {
        const Delivery df = deliver(8, at, 0u, false);
        if (df.result == Delivery::Result::Delivered) {
            bump(exceptions_reflected_);
            if (!hw) bump(vmm_entries_);
            events().append("exception", exceptionName(vector) + " at " + describeAt(at) + " could not be delivered (" +
                                             delivery.detail + "); #DF reflected instead: " + df.detail);
            return;
        }
    }
    tripleFault(vector, at, delivery.detail);
}

namespace {
// Whether an instruction writes memory, for a page fault's W bit: Unicorn reports the fault's
// address (CR2) but not its kind. A destination memory operand (Intel syntax puts it first:
// string stores too, "dword ptr es:[edi], eax"), or a push, call or enter, which write the
// stack. Read-modify-write instructions count as writes, as on x86.
bool writesMemory(const DecodedInstruction& insn) {
    static const char* const kStackWriters[] = {"push", "call", "enter"};
    for (const char* prefix : kStackWriters)
        if (insn.mnemonic.starts_with(prefix)) return true;
    static const char* const kReadOnly[] = {"cmp",   "test",  "bt",    "jmp",   "lgdt",  "lidt",  "invlpg",
                                            "cmpsb", "cmpsw", "cmpsd", "scasb", "scasw", "scasd", "lodsb",
                                            "lodsw", "lodsd", "repe cmpsb", "repne scasb"};
    for (const char* mnemonic : kReadOnly)
        if (insn.mnemonic == mnemonic) return false;
    const size_t bracket = insn.operands.find('[');
    const size_t comma = insn.operands.find(',');
    return bracket != std::string::npos && (comma == std::string::npos || bracket < comma);
}
}  // namespace

void TrapVmm::handlePageFault(uint32_t eip) {
    const uint32_t linear = machine_->reg(UC_X86_REG_CR2);
    machine_->clearStaleException();
    // (A PV guest gets no such leniency: its tables are read-only to it, as on Xen, and it
    // must use mmu_update; the write is its #PF.)
    if (!paravirtual() && mmu_->admitPageTableWrite(linear)) {
        resume_after_register_write_ = true;  // the CR3 reload that flushed the TLB may stop the CPU
        // The guest wrote its own page table: the monitor notes it and lets the page be
        // written until it resynchronises (the guest's next invlpg or CR3 load).
        if (!guestAtRing0()) bump(vmm_entries_);
        events().append("shadow", "the guest wrote its page table at " + hex32(linear) + " (by " + describeAt(eip) +
                                      "): tracked, applied at its next invlpg or CR3 load");
        return;
    }
    // The guest's own page fault: its translation is missing or forbids the access, or names a
    // frame outside its RAM (which the monitor never maps: the guest sees the page as absent).
    const ShadowMmu::GuestTranslation t = mmu_->translate(linear);
    const std::vector<uint8_t> bytes = machine_->read(eip, 15);
    const auto insn = decoder_.decode(bytes.data(), bytes.size(), eip);
    const bool present = t.present && t.frame_is_ram;
    const bool write = (present && !t.writable) || (insn && writesMemory(*insn));
    // SDM Vol. 3A §4.7: bit 0 P (a protection violation, not an absent page), bit 1 W/R, bit 2 U/S.
    const uint32_t code = (present ? 1u : 0u) | (write ? 2u : 0u) | (machine_->realCpl() == 3 ? 4u : 0u);
    vcpu_.cr2 = linear;  // the guest's CR2 (under hw and emulate, the real CR2 already holds it)
    if (t.present && !t.frame_is_ram)
        events().append("shadow", "the guest's mapping of " + hex32(linear) + " names " + hex32(t.frame) +
                                      ", outside its RAM: never mapped, the access faults");
    if (hardwareAssisted() && (config_.controls.exception_bitmap >> 14) & 1) countExit(ExitReason::ExceptionOrNmi, 0, eip);
    reflectException(14, eip, eip, false, code);
}

void TrapVmm::syncPaging(uint32_t at) {
    // Paging off before and after (a CR3 load or CR0 write of a kernel that does not page):
    // the CPU's view stays linear = physical and there is nothing to rebuild.
    if (!mmu_->paging() && !(vcpu_.cr0 & VirtualCpu::kCr0Pg)) return;
    paging_sync_pending_ = true;
    paging_sync_at_ = at;
    uc_emu_stop(machine_->uc());
}

void TrapVmm::applyPagingSync() {
    const uint32_t at = paging_sync_at_;
    // The CPU stopped right after a trap: clear the exception state Unicorn kept from it, or
    // the next fault would arrive as a double fault (upstream issue #1883; seen here).
    machine_->clearStaleException();
    const std::string why = mmu_->sync(vcpu_.cr0 & VirtualCpu::kCr0Pg, vcpu_.cr3);
    if (!why.empty()) return fail("the guest's page tables (cr3 " + hex32(vcpu_.cr3) + ", at " + hex32(at) +
                                  ") cannot be shadowed: " + why);
    events().append("shadow", std::string("shadow page tables ") +
                                  (mmu_->paging() ? "rebuilt from the guest's at cr3 " + hex32(vcpu_.cr3) + ": " +
                                                        std::to_string(mmu_->mappedPages()) + " pages mapped, " +
                                                        std::to_string(mmu_->refusedMappings()) + " entries refused"
                                                  : "off: linear = physical"));
}

void TrapVmm::tripleFault(uint32_t vector, uint32_t address, const std::string& why) {
    if (hardwareAssisted()) countExit(ExitReason::TripleFault, 0, address);
    fail("triple fault: " + exceptionName(vector) + " at " + describeAt(address) + " could not be delivered (" + why +
         "), nor could the double fault that followed; a PC would reset here");
}

bool TrapVmm::injectPendingInterrupt(uint32_t eip) {
    const auto taken = pic_.acknowledge();
    if (!taken) return false;
    const auto [vector, irq] = *taken;
    const bool from_user = machine_->realCpl() == 3;
    if (window_wanted_) {
        window_wanted_ = false;
        countExit(ExitReason::InterruptWindow, 0, eip);
    }
    const Delivery delivery = deliverThroughIdt(*machine_, vcpu_, vector, eip, std::nullopt, guestAtRing0());
    if (delivery.result != Delivery::Result::Delivered) {
        tripleFault(vector, eip, delivery.detail + ", for IRQ " + std::to_string(irq));
        return true;
    }
    bump(interrupts_injected_);
    if (from_user) bump(interrupts_from_ring3_);
    // Trap and bt: the real interrupt enters the monitor, which reflects it. hw: it is injected
    // at the VM entry that ends an exit already counted (external interrupt, HLT, window).
    if (!guestAtRing0()) bump(vmm_entries_);
    std::string detail = "IRQ " + std::to_string(irq) + (irq == 0 ? " (timer)" : "") + " at ";
    appendHex(detail, eip);
    detail += guestAtRing0() ? " while IF=1: " : " while virtual IF=1: ";
    detail += delivery.detail;
    events().append("interrupt", std::move(detail));
    return true;
}

void TrapVmm::timerTick() {
    if (clock_ >= pit_->nextTick()) {
        pit_->tickDelivered(clock_);
        pic_.raise(0);
    }
    if (hypervisor_ && clock_ >= hypervisor_->nextTimerTick()) {
        hypervisor_->timerTick(clock_);  // VIRQ_TIMER goes pending; the upcall follows if unmasked
        upcall_due_ = true;
    }
}

uint64_t TrapVmm::nextTimerEvent() const {
    const uint64_t pit = pit_->nextTick();
    return hypervisor_ ? std::min(pit, hypervisor_->nextTimerTick()) : pit;
}

// VT-x: the physical timer interrupt arrives while the guest runs, and "external-interrupt
// exiting" turns it into an exit; the monitor then injects the virtual one.
bool TrapVmm::guestInterruptsEnabled() const {
    // A user task at ring 3 always runs with IF=1 (the kernel's iret loaded it from the frame;
    // under ring compression a native iret from ring 1 leaves the virtual IF as the gate set it).
    if (machine_->realCpl() == 3) return true;
    if (guestAtRing0()) return machine_->reg(UC_X86_REG_EFLAGS) & 0x200;
    return vcpu_.interrupts_enabled;
}

bool TrapVmm::idleUntilInterrupt(uint32_t resume_eip, std::string& why_not) {
    if (pic_.pendingVector()) return injectPendingInterrupt(resume_eip);
    const Pic8259& master = pic_.master();
    if (pit_->nextTick() == Pit8254::kNever) {
        why_not = "the PIT is not running as a periodic timer";
        return false;
    }
    if (!master.initialised() || (master.imr() & 1) || (master.isr() & 1)) {
        why_not = "IRQ 0 (the timer) is masked or still in service at the PIC";
        return false;
    }
    const uint64_t slept = pit_->nextTick() - clock_;  // no exit: the vCPU is not running
    idle_clocks_.store(idle_clocks_.load(std::memory_order_relaxed) + slept, std::memory_order_relaxed);
    clock_ = pit_->nextTick();
    timerTick();
    return injectPendingInterrupt(resume_eip);
}

}  // namespace vl::vm
