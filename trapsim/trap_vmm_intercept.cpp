// TrapVmm, the bt and hw front ends: the block scanner that finds sensitive instructions before
// they run (binary translation's callouts, VT-x's exiting instructions) and the exit handler.
#include "trapsim/trap_vmm.h"

#include <capstone/capstone.h>

#include "trapsim/trap_vmm_format.h"

namespace vl::vm {
using namespace detail;

// ---- binary translation and VT-x-style exits ---------------------------------------------

// Called by Unicorn at the start of every block it runs. A block the monitor has not seen is
// decoded first; if it holds instructions the mode intercepts, they get their callout hooks
// and the block is sent back to be translated again, with the hooks, before any of it runs.
void TrapVmm::onBlock(uc_engine*, uint64_t address, uint32_t, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
    vm->restart_pending_ = false;
    if (vm->stopping()) return;
    const auto at = static_cast<uint32_t>(address);
    if (vm->scanned_blocks_.count(at)) return;
    // bt translates the guest kernel only: user code (ring 3) runs directly, as under VMware.
    if (vm->config_.mode == MonitorMode::BinaryTranslation && vm->machine_->realCpl() == 3) return;
    if (vm->scanBlock(at)) {
        vm->restart_pending_ = true;
        vm->machine_->setReg(UC_X86_REG_EIP, at);
    }
}

bool TrapVmm::intercepts(const DecodedInstruction& insn) const {
    switch (insn.op) {
    case PrivilegedOp::None:
    case PrivilegedOp::In:
    case PrivilegedOp::Out: return false;  // port I/O reaches the monitor through Unicorn's I/O hooks
    default: break;
    }
    // The emulator runs everything itself; only hlt needs it (the vCPU sleeps to the next tick).
    // Paging too: Unicorn's CPU cannot translate (shadow_mmu.h), so the emulator's soft MMU
    // must see every CR0/CR3 write, CR3 read and invlpg.
    if (config_.mode == MonitorMode::Emulate)
        return insn.op == PrivilegedOp::Hlt || insn.op == PrivilegedOp::MovToCr || insn.op == PrivilegedOp::Invlpg ||
               (insn.op == PrivilegedOp::MovFromCr && insn.control_register == 3);
    // Everything sensitive, privileged or not, and the stack-segment load that ring compression
    // makes sensitive.
    if (config_.mode == MonitorMode::BinaryTranslation)
        return insn.sensitivity != Sensitivity::Innocuous || insn.op == PrivilegedOp::MovToSs;
    const VmcsControls& c = config_.controls;
    switch (insn.op) {
    case PrivilegedOp::Hlt:
    case PrivilegedOp::Cpuid:
    case PrivilegedOp::Vmcall:
    case PrivilegedOp::MovToCr: return true;  // CR access is decided per register at the exit
    // Without EPT the monitor shadows the guest's page tables and must see CR3 reads and every
    // invlpg while the guest pages; whether they exit is decided at the site (handleExit).
    case PrivilegedOp::MovFromCr: return insn.control_register == 3;
    case PrivilegedOp::Invlpg: return true;
    case PrivilegedOp::Rdtsc: return c.rdtsc_exiting;
    case PrivilegedOp::Rdmsr: return c.rdmsr_exiting;
    case PrivilegedOp::Wrmsr: return c.wrmsr_exiting;
    default: return false;  // at ring 0 the guest owns IF, GDTR, IDTR: nothing else exits
    }
}

bool TrapVmm::scanBlock(uint32_t address) {
    scanned_blocks_.insert(address);
    const bool bt = config_.mode == MonitorMode::BinaryTranslation;
    if (bt) bump(bt_blocks_);
    if (emulated()) bump(blocks_translated_);  // the first execution of a block at this address
    bool hooked = false;
    uint32_t at = address;
    for (int n = 0; n < 64; ++n) {  // a translation unit: up to the first control transfer
        const std::vector<uint8_t> bytes = machine_->read(at, 15);
        const auto insn = decoder_.decode(bytes.data(), bytes.size(), at);
        if (!insn) break;
        const bool callout = intercepts(*insn);
        if (emulated()) bump(bt_translated_);
        if (bt && !translation_.count(at)) {
            bump(bt_translated_);
            const bool rewritten = callout || insn->op == PrivilegedOp::In || insn->op == PrivilegedOp::Out;
            if (rewritten) bump(bt_rewritten_);
            char line[160];
            std::snprintf(line, sizeof line, "0x%08x  %-32s ->  %s", at, insn->text().c_str(),
                          rewritten ? ("call vmm_" + opName(insn->op)).c_str() : insn->text().c_str());
            translation_.emplace(at, line);
        }
        if (callout && !trap_sites_.count(at)) {
            installTrapSite(*insn);
            hooked = true;
        }
        at += insn->size;
        if (insn->ends_block) break;
    }
    return hooked;
}

void TrapVmm::countExit(ExitReason reason, uint32_t qualification, uint32_t at) {
    bump(exits_[static_cast<size_t>(reason)]);
    bump(vmm_entries_);
    std::string detail = exitReasonName(reason) + " (" + std::to_string(static_cast<uint32_t>(reason)) + ") at ";
    appendHex(detail, at);
    detail += ", qualification ";
    appendHex(detail, qualification);
    events().append("exit", std::move(detail));
}

namespace {
// The SDM's general-register numbering in exit qualifications.
int sdmRegisterNumber(int capstone_reg) {
    static const int kOrder[] = {X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX,
                                 X86_REG_ESP, X86_REG_EBP, X86_REG_ESI, X86_REG_EDI};
    for (int i = 0; i < 8; ++i)
        if (kOrder[i] == capstone_reg) return i;
    return 0;
}
}  // namespace

// An exit that the VMCS controls selected. Most instructions are then completed on the guest's
// own (real) state by letting them run; hlt and vmcall are the monitor's to finish.
void TrapVmm::handleExit(const DecodedInstruction& insn) {
    const VmcsControls& c = config_.controls;
    const uint32_t next = insn.address + insn.size;
    switch (insn.op) {
    case PrivilegedOp::Hlt: {
        const bool hw = hardwareAssisted();  // emulate: the emulator idles the CPU, nothing exits
        if (hw && c.hlt_exiting) countExit(ExitReason::Hlt, 0, insn.address);
        machine_->setReg(UC_X86_REG_EIP, next);
        if (!guestInterruptsEnabled())
            return fail("the guest executed hlt at " + hex32(insn.address) +
                        " with interrupts disabled (IF=0): nothing can ever wake it");
        // Without HLT exiting the CPU sleeps in the guest; the timer's interrupt then exits.
        if (hw && !c.hlt_exiting) countExit(ExitReason::ExternalInterrupt, 0, next);
        std::string why_not;
        if (!idleUntilInterrupt(next, why_not))
            fail("the guest executed hlt at " + hex32(insn.address) + " with interrupts enabled (IF=1), but " +
                 why_not + ": nothing can ever wake it");
        return;
    }
    case PrivilegedOp::MovToCr: {
        const int cr = insn.control_register;
        const bool hw = hardwareAssisted();
        const bool exits = hw && ((cr == 3 && c.cr3_load_exiting) || (cr == 0 && c.cr0_write_exiting));
        if (exits)
            countExit(ExitReason::CrAccess, crExitQualification(cr, true, sdmRegisterNumber(insn.general_register)),
                      insn.address);
        if (cr != 0 && cr != 3) return;  // the write goes to the guest's own register
        const uint32_t value = machine_->get(insn.general_register);
        const bool paging_after = cr == 0 ? (value & VirtualCpu::kCr0Pg) != 0 : mmu_->paging();
        if (cr == 3) vcpu_.cr3 = value;
        else vcpu_.cr0 = value;
        // Paging off before and after: the write runs on the guest's own register, unchanged.
        if (!mmu_->paging() && !paging_after) return;
        // Shadow paging: the monitor completes the write and rebuilds the real tables.
        if (hw && !exits)
            return fail("the guest " + std::string(cr == 3 ? "loaded CR3" : "changed CR0.PG") + " at " +
                        hex32(insn.address) + " with " + (cr == 3 ? "CR3-load exiting" : "the CR0 guest/host mask") +
                        " off: without EPT this monitor must see it to keep its shadow page tables (VmcsControls)");
        if (cr == 0) machine_->setReg(UC_X86_REG_CR0, value & ~VirtualCpu::kCr0Pg);  // syncPaging sets PG
        machine_->setReg(UC_X86_REG_EIP, next);
        return syncPaging(insn.address);
    }
    case PrivilegedOp::MovFromCr: {
        if (!mmu_->paging()) return;  // the real CR3 is the guest's own
        // The real CR3 is the monitor's shadow directory: the guest is shown its own (CR3-store
        // exiting, primary processor-based control bit 16, which shadow paging needs).
        if (hardwareAssisted())
            countExit(ExitReason::CrAccess, crExitQualification(3, false, sdmRegisterNumber(insn.general_register)),
                      insn.address);
        machine_->set(insn.general_register, vcpu_.cr3);
        machine_->setReg(UC_X86_REG_EIP, next);
        return;
    }
    case PrivilegedOp::Invlpg: {
        const bool exits = hardwareAssisted() && c.invlpg_exiting;
        if (exits) countExit(ExitReason::Invlpg, 0, insn.address);
        if (!mmu_->paging()) return;  // nothing is cached: it runs on the guest's CPU
        if (hardwareAssisted() && !exits)
            return fail("the guest executed invlpg at " + hex32(insn.address) +
                        " with INVLPG exiting off: without EPT this monitor must see it to keep its shadow page tables");
        machine_->setReg(UC_X86_REG_EIP, next);
        return syncPaging(insn.address);
    }
    case PrivilegedOp::Cpuid: return countExit(ExitReason::Cpuid, 0, insn.address);
    case PrivilegedOp::Rdtsc: return countExit(ExitReason::Rdtsc, 0, insn.address);
    case PrivilegedOp::Rdmsr: return countExit(ExitReason::Rdmsr, 0, insn.address);
    case PrivilegedOp::Wrmsr: return countExit(ExitReason::Wrmsr, 0, insn.address);
    case PrivilegedOp::Vmcall:
        countExit(ExitReason::Vmcall, 0, insn.address);
        // No hypercalls in this monitor: -ENOSYS, as KVM answers an unknown hypercall number.
        machine_->setReg(UC_X86_REG_EAX, static_cast<uint32_t>(-38));
        machine_->setReg(UC_X86_REG_EIP, next);
        return;
    default: return;
    }
}

}  // namespace vl::vm
