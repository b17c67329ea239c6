// TrapVmm in pv mode: the glue between the CPU loop and the Xen-style hypervisor
// (trapsim/pv/xen_hypervisor.h). A hypercall enters through the guest's `int 0x82`; the
// hypervisor does the work; before the guest resumes, a pending event becomes an upcall into
// the callback the guest registered -- the only way a PV guest is ever interrupted.
#include "trapsim/trap_vmm.h"

#include "trapsim/trap_vmm_format.h"

namespace vl::vm {
using namespace detail;

void TrapVmm::handleHypercall(uint32_t at) {
    bump(hypercalls_);
    bump(vmm_entries_);
    const pv::HypercallOutcome outcome = hypervisor_->hypercall();
    std::string detail = outcome.detail + " at ";
    appendHex(detail, at);
    events().append("hypercall", std::move(detail));
    const uint32_t resume = machine_->eip();  // after the int 0x82
    switch (outcome.kind) {
    case pv::HypercallOutcome::Kind::Return: deliverUpcall(resume); return;
    case pv::HypercallOutcome::Kind::Block: blockUntilEvent(resume); return;
    case pv::HypercallOutcome::Kind::Shutdown: {
        // Exit codes as the power-off port gives them: 0 for a clean power-off; SHUTDOWN_crash
        // is 3, the code the native kernel writes to port 0xF4 when it gives up.
        shutdown_code_ = outcome.reason == pv::xen::SHUTDOWN_poweroff ? 0 : static_cast<int>(outcome.reason);
        events().append("power-off", "the guest shut its domain down through sched_op (reason " +
                                         std::to_string(outcome.reason) + "): exit code " +
                                         std::to_string(*shutdown_code_));
        stop(StopReason::PowerOff);
        return;
    }
    }
}

bool TrapVmm::deliverUpcall(uint32_t eip) {
    upcall_due_ = false;
    if (!hypervisor_ || !hypervisor_->upcallDeliverable()) return false;
    const bool from_user = machine_->realCpl() == 3;
    const Delivery delivery = hypervisor_->deliverUpcall(eip);
    if (delivery.result != Delivery::Result::Delivered) {
        fail("the event upcall at " + hex32(eip) + " could not be delivered (" + delivery.detail +
             "); Xen would crash the domain here");
        return true;
    }
    // Each upcall is one entry: the interrupt that raised its event entered the hypervisor.
    bump(interrupts_injected_);
    if (from_user) bump(interrupts_from_ring3_);
    bump(vmm_entries_);
    std::string detail = "event upcall at ";
    appendHex(detail, eip);
    detail += ": " + delivery.detail;
    events().append("interrupt", std::move(detail));
    return true;
}

// SCHEDOP_block: Xen unmasks events (so no wake-up is lost between the check and the sleep)
// and deschedules the vCPU until an event is pending; the virtual clock jumps to the timer.
void TrapVmm::blockUntilEvent(uint32_t resume_eip) {
    hypervisor_->unmaskEvents();
    if (deliverUpcall(resume_eip)) return;
    const uint64_t next = hypervisor_->nextTimerTick();
    if (next == pv::XenHypervisor::kNever || !hypervisor_->timerBound())
        return fail("the guest blocked in sched_op at " + hex32(resume_eip - 2) +
                    " with no timer event bound and running: nothing can ever wake it");
    if (next > clock_) {
        idle_clocks_.store(idle_clocks_.load(std::memory_order_relaxed) + (next - clock_), std::memory_order_relaxed);
        clock_ = next;
    }
    timerTick();
    if (!deliverUpcall(resume_eip))
        fail("the guest blocked in sched_op at " + hex32(resume_eip - 2) +
             ", but the timer event could not reach it (no callback registered?)");
}

}  // namespace vl::vm
