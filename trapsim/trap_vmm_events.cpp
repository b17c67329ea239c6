// TrapVmm, events for the guest: exceptions reflected through its IDT, timer interrupts
// injected while it has them enabled, the halted vCPU woken by the next tick, triple faults.
#include "trapsim/trap_vmm.h"

#include <capstone/capstone.h>

#include "trapsim/trap_vmm_format.h"

namespace vl::vm {
using namespace detail;

void TrapVmm::reflectException(uint32_t vector, uint32_t return_eip, uint32_t at, bool software) {
    const bool hw = guestAtRing0();
    if (!hw && !paravirtual() && !vcpu_.idtr.loaded) return tripleFault(vector, at, "the guest has loaded no IDT");
    const std::optional<uint32_t> error_code =
        !software && exceptionHasErrorCode(vector) ? std::optional<uint32_t>(0) : std::nullopt;
    // pv: the hypervisor bounces it to the handler in the guest's trap table (set_trap_table).
    auto deliver = [&](uint32_t v, uint32_t eip, std::optional<uint32_t> code) {
        return paravirtual() ? hypervisor_->deliverException(v, eip, code)
                             : deliverThroughIdt(*machine_, vcpu_, v, eip, code, hw);
    };
    const Delivery delivery = deliver(vector, return_eip, error_code);
    if (delivery.result == Delivery::Result::Delivered) {
        bump(exceptions_reflected_);
        if (!hw) bump(vmm_entries_);  // in hw mode the CPU delivers it, or it came with an exit already counted
        events().append("exception", exceptionName(vector) + " at " + describeAt(at) + " reflected to the guest: " +
                                         delivery.detail);
        return;
    }
    // The CPU turns a failed delivery into a double fault (collapsing the #NP/#GP it raises
    // first), and a double fault it cannot deliver into a shutdown: the triple fault.
    if (vector != 8) {
        const Delivery df = deliver(8, at, 0u);
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

void TrapVmm::tripleFault(uint32_t vector, uint32_t address, const std::string& why) {
    if (hardwareAssisted()) countExit(ExitReason::TripleFault, 0, address);
    fail("triple fault: " + exceptionName(vector) + " at " + describeAt(address) + " could not be delivered (" + why +
         "), nor could the double fault that followed; a PC would reset here");
}

bool TrapVmm::injectPendingInterrupt(uint32_t eip) {
    const auto taken = pic_.acknowledge();
    if (!taken) return false;
    const auto [vector, irq] = *taken;
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
