#include "trapsim/trap_vmm.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/assets.h"
#include "core/error.h"

namespace vl::vm {
namespace {

constexpr uint64_t kUntilNever = 0xFFFFFFFF;  // inside monitor memory, which the guest cannot execute
constexpr uint64_t kPublishEvery = 1 << 16;   // guest instructions between register snapshots

std::string hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::string hexShort(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

std::string exceptionName(uint32_t vector) {
    static const char* const kNames[] = {
        "#DE (divide error)", "#DB (debug)", "NMI", "#BP (breakpoint)", "#OF (overflow)", "#BR (bound range)",
        "#UD (invalid opcode)", "#NM (device not available)", "#DF (double fault)", "coprocessor segment overrun",
        "#TS (invalid TSS)", "#NP (segment not present)", "#SS (stack fault)", "#GP (general protection)",
        "#PF (page fault)", "reserved exception 15", "#MF (x87 error)", "#AC (alignment check)",
        "#MC (machine check)", "#XM (SIMD exception)"};
    if (vector < std::size(kNames)) return kNames[vector];
    return "interrupt " + hexShort(vector);
}

// "0x3f8" without printf: the port-I/O events are formatted on every trap.
void appendHex(std::string& out, uint32_t v) {
    static const char kDigits[] = "0123456789abcdef";
    char buf[8];
    int n = 0;
    do {
        buf[n++] = kDigits[v & 0xF];
        v >>= 4;
    } while (v);
    out += "0x";
    while (n) out += buf[--n];
}

std::string siteLabel(const DecodedInstruction& insn) {
    std::string label = insn.text() + " at ";
    appendHex(label, insn.address);
    return label + ": ";
}

template <typename T>
void bump(std::atomic<T>& counter) {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace

TrapVmm::TrapVmm(TrapVmmConfig config) : config_(std::move(config)) {
    if (config_.guest_path.empty()) config_.guest_path = builtAsset("guest/kernel.bin");
    image_ = loadGuestImage(config_.guest_path);
    reset();
}

TrapVmm::~TrapVmm() = default;

void TrapVmm::reset() {
    machine_.reset();  // before the devices its hooks refer to
    vcpu_ = VirtualCpu{};
    bus_ = IoBus{};
    serial_ = std::make_unique<Serial16550>(0x3F8);
    power_ = std::make_unique<PowerOffDevice>(PowerOffDevice::kDefaultPort);
    bus_.attach(serial_->basePort(), 8, serial_.get());
    bus_.attach(power_->port(), 1, power_.get());
    dispatcher_ = std::make_unique<TrapDispatcher>(vcpu_, bus_);
    trap_sites_.clear();
    published_site_count_ = SIZE_MAX;
    guest_instructions_ = 0;
    vmm_entries_ = 0;
    for (auto& c : traps_by_op_) c = 0;
    discovered_by_gp_ = 0;
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
    machine_->enter(image_);
    uc_engine* uc = machine_->uc();
    uc_hook h;
    // Added first, so it runs before any trap-site hook at the same address and counts every
    // instruction exactly once, trapped or not.
    auto add = [&](uc_err err, const char* what) {
        if (err != UC_ERR_OK) throwUnicorn(what, err);
    };
    add(uc_hook_add(uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&TrapVmm::onInstruction), this,
                    layout::kRamFirstMapped, layout::kRamEnd - 1),
        "hook instructions");
    add(uc_hook_add(uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&TrapVmm::onInterrupt), this, 1, 0), "hook faults");
    add(uc_hook_add(uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&TrapVmm::onPortIn), this, 1, 0, UC_X86_INS_IN),
        "hook in");
    add(uc_hook_add(uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&TrapVmm::onPortOut), this, 1, 0, UC_X86_INS_OUT),
        "hook out");
    add(uc_hook_add(uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, reinterpret_cast<void*>(&TrapVmm::onBadAccess),
                    this, 1, 0),
        "hook bad memory accesses");
    events().append("boot", "guest " + image_.path + " loaded at " + hex32(image_.load_address) + ", entered at " +
                                hex32(image_.entry) + " in ring " + std::to_string(layout::kGuestRing) +
                                " through the iret trampoline");
}

RunState TrapVmm::run(uint64_t budget) {
    const RunState now = state_.load();
    if (now == RunState::Finished || now == RunState::Failed) return now;
    pause_requested_ = false;  // a pause asked for before this run started is not for it
    stop_reason_ = StopReason::None;
    budget_end_ = budget ? guest_instructions_.load() + budget + 1 : UINT64_MAX;
    const uc_err err = uc_emu_start(machine_->uc(), machine_->eip(), kUntilNever, 0, 0);
    return finishRun(err);
}

RunState TrapVmm::finishRun(uc_err err) {
    if (stop_reason_ != StopReason::Failed) {
        if (err == UC_ERR_INSN_INVALID) {
            tripleFault(6, machine_->eip());  // #UD, as a CPU raises for an opcode it lacks
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
        exit_code_ = power_->exitCode().value_or(0);
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
bool TrapVmm::stopping() {
    if (stop_reason_ == StopReason::None) return false;
    uc_emu_stop(machine_->uc());
    return true;
}

void TrapVmm::onInstruction(uc_engine*, uint64_t, uint32_t, void* self) {
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
    vm->guest_instructions_.store(n, std::memory_order_relaxed);
    if (n % kPublishEvery == 0) vm->publishRegisters();
}

void TrapVmm::onTrapSite(uc_engine*, uint64_t address, uint32_t, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
    if (vm->stopping()) return;
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
    if (!faultsAt(insn, vm->machine_->realCpl(), vm->machine_->iopl())) return;
    vm->handleTrap(insn, site->second.label);
}

void TrapVmm::onInterrupt(uc_engine*, uint32_t vector, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
    if (!vm->stopping()) vm->handleGuestException(vector);
}

uint32_t TrapVmm::onPortIn(uc_engine*, uint32_t port, int size, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
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
    vm->countTrap(PrivilegedOp::Out);
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
    vm->events().append("trap", std::move(detail));
    if (const auto code = vm->power_->exitCode()) {
        vm->events().append("power-off", "the guest switched the machine off through port " +
                                             hexShort(vm->power_->port()) + " with exit code " + std::to_string(*code));
        vm->stop(StopReason::PowerOff);
    }
}

bool TrapVmm::onBadAccess(uc_engine*, uc_mem_type type, uint64_t address, int, int64_t, void* self) {
    auto* vm = static_cast<TrapVmm*>(self);
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

void TrapVmm::handleTrap(const DecodedInstruction& insn, const std::string& label) {
    countTrap(insn.op);
    const TrapOutcome outcome = dispatcher_->emulate(insn, *machine_);
    events().append("trap", label + outcome.detail);
    switch (outcome.kind) {
    case TrapOutcome::Kind::Resume:
    case TrapOutcome::Kind::Idle: machine_->setReg(UC_X86_REG_EIP, insn.address + insn.size); break;
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
    if (vector == kGeneralProtection) {
        const std::vector<uint8_t> bytes = machine_->read(eip, 15);
        const auto insn = decoder_.decode(bytes.data(), bytes.size(), eip);
        if (insn && insn->op != PrivilegedOp::None && faultsAt(*insn, machine_->realCpl(), machine_->iopl())) {
            // A privileged instruction trapped through the CPU's own #GP: the first time at this site.
            bump(discovered_by_gp_);
            machine_->clearStaleException();
            installTrapSite(*insn);
            return handleTrap(*insn, trap_sites_.at(insn->address).label);
        }
    }
    // Software interrupts report the address after their instruction; find the instruction.
    uint32_t at = eip;
    uint8_t before[2] = {};
    if (eip >= 2 && uc_mem_read(machine_->uc(), eip - 2, before, 2) == UC_ERR_OK) {
        if (vector == 3 && before[1] == 0xCC) at = eip - 1;                     // int3
        else if (vector == 4 && before[1] == 0xCE) at = eip - 1;                // into
        else if (before[0] == 0xCD && before[1] == vector) at = eip - 2;        // int n
    }
    tripleFault(vector, at);
}

void TrapVmm::tripleFault(uint32_t vector, uint32_t address) {
    // The exception would be delivered through the guest's IDT. This machine gives the guest
    // none yet, so delivery fails, the resulting #DF fails too, and a PC would reset.
    fail("triple fault: " + exceptionName(vector) + " at " + describeAt(address) +
         " could not be delivered (this machine gives the guest no IDT), nor could the double fault that"
         " followed; a PC would reset here");
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
    // The listing: every privileged-instruction site that has trapped so far, by address.
    std::vector<std::string> listing;
    const bool sites_changed = trap_sites_.size() != published_site_count_;
    if (sites_changed) {
        std::vector<const TrapSite*> sites;
        for (const auto& [address, site] : trap_sites_) sites.push_back(&site);
        std::sort(sites.begin(), sites.end(), [](auto* a, auto* b) { return a->insn.address < b->insn.address; });
        for (const TrapSite* site : sites) listing.push_back(hex32(site->insn.address) + "  " + site->insn.text());
    }
    std::lock_guard lock(published_mutex_);
    published_registers_ = std::move(regs);
    if (sites_changed) {
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
    c["modeled_cycles"] = config_.cost.cycles(insns, entries);
    c["trap_sites_found_by_gp"] = discovered_by_gp_.load();
    c["console_bytes"] = serial_->bytesTransmitted();
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
    return s;
}

}  // namespace vl::vm
