#include "emulator/arm_direct_engine.h"

#include <unicorn/arm64.h>

#include <algorithm>

#include "core/error.h"
#include "emulator/linux_process_layout.h"

namespace vl::emu {
namespace {

constexpr uint64_t kUntil = 0xFFFFFFFFFFFFFFFCull;  // never mapped, never reached

// Unicorn's AArch64 exception numbers (QEMU target/arm EXCP_*) as a student should read them.
std::string armExceptionName(uint32_t n) {
    switch (n) {
    case 1: return "undefined instruction exception (EXCP_UDEF)";
    case 2: return "supervisor call: svc, a system call into an ARM operating system that is not there (EXCP_SWI)";
    case 3: return "prefetch abort (EXCP_PREFETCH_ABORT)";
    case 4: return "data abort (EXCP_DATA_ABORT)";
    case 7: return "breakpoint: brk (EXCP_BKPT)";
    case 11: return "hypervisor call: hvc (EXCP_HVC)";
    case 12: return "hypervisor trap (EXCP_HYP_TRAP)";
    case 13: return "secure monitor call: smc (EXCP_SMC)";
    default: return "CPU exception " + std::to_string(n);
    }
}

std::string hexWord(uint32_t w) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", w);
    return buf;
}

}  // namespace

ArmDirectEngine::ArmDirectEngine(GuestImage image, uint64_t max_instructions)
    : image_(std::move(image)), max_instructions_(max_instructions) {
    reset();
}

ArmDirectEngine::~ArmDirectEngine() = default;

void ArmDirectEngine::reset() {
    UcHandle uc = openUnicorn(UC_ARCH_ARM64, UC_MODE_ARM);
    mapImage(uc.get(), image_);  // the same bytes at the same addresses the x86 engines use
    if (uc_mem_map(uc.get(), kStackTop - kStackSize, kStackSize, UC_PROT_READ | UC_PROT_WRITE) != UC_ERR_OK)
        throw Error(Error::Kind::System, "unicorn: cannot map the ARM stack");
    const uint64_t pc = image_.entry, sp = kStackTop - 64;
    uc_reg_write(uc.get(), UC_ARM64_REG_PC, &pc);
    uc_reg_write(uc.get(), UC_ARM64_REG_SP, &sp);
    uc_hook code_hook, intr_hook, mem_hook;
    uc_hook_add(uc.get(), &code_hook, UC_HOOK_CODE, reinterpret_cast<void*>(&ArmDirectEngine::onCode), this, 1, 0);
    uc_hook_add(uc.get(), &intr_hook, UC_HOOK_INTR, reinterpret_cast<void*>(&ArmDirectEngine::onInterrupt), this, 1, 0);
    uc_hook_add(uc.get(), &mem_hook, UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(&ArmDirectEngine::onBadMemory), this, 1, 0);
    uc_ = std::move(uc);
    executed_count_ = 0;
    pause_requested_ = false;
    pending_.reset();
    events().clear();
    std::lock_guard lock(mutex_);
    state_ = RunState::Ready;
    fault_.reset();
    executed_.clear();
    registers_.clear();
}

RunState ArmDirectEngine::run(uint64_t budget) {
    {
        std::lock_guard lock(mutex_);
        if (state_ == RunState::Failed || state_ == RunState::Finished) return state_;
    }
    pause_requested_ = false;
    stopped_by_hook_ = false;
    pending_.reset();
    const uint64_t done = executed_count_;
    stop_after_ = budget ? std::min(done + budget, max_instructions_) : max_instructions_;
    const uc_err err = uc_emu_start(uc_.get(), pc(), kUntil, 0, 0);
    const uint32_t at = pc();

    std::optional<ArmFault> fault = pending_;
    if (!fault && err != UC_ERR_OK) {
        ArmFault f;
        f.error = ucErrorName(err);
        f.pc = at;
        fault = f;
    }
    if (!fault && !stopped_by_hook_) {
        ArmFault f;
        f.error = "the ARM CPU left the program (pc " + hexWord(at) + ")";
        f.pc = at;
        f.trap = true;
        fault = f;
    }
    if (!fault && executed_count_ >= max_instructions_) {
        ArmFault f;
        f.error = "still running after " + std::to_string(max_instructions_) +
                  " ARM instructions: the x86 bytes happened to decode into a loop";
        f.pc = at;
        f.trap = true;
        fault = f;
    }
    {
        std::vector<std::pair<std::string, std::string>> regs;
        uint64_t v = 0;
        uc_reg_read(uc_.get(), UC_ARM64_REG_PC, &v);
        regs.emplace_back("pc", hexWord(static_cast<uint32_t>(v)));
        uc_reg_read(uc_.get(), UC_ARM64_REG_SP, &v);
        regs.emplace_back("sp", hexWord(static_cast<uint32_t>(v)));
        for (int i = 0; i < 8; ++i) {
            uc_reg_read(uc_.get(), UC_ARM64_REG_X0 + i, &v);
            char buf[24];
            std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
            regs.emplace_back("x" + std::to_string(i), buf);
        }
        std::lock_guard lock(mutex_);
        registers_ = std::move(regs);
    }
    if (fault) {
        failWith(*fault);
        return RunState::Failed;
    }
    std::lock_guard lock(mutex_);
    state_ = RunState::Paused;
    return state_;
}

void ArmDirectEngine::failWith(ArmFault f) {
    {
        // The code hook saw the faulting instruction before it ran; it did not complete.
        std::lock_guard lock(mutex_);
        if (!f.trap && !executed_.empty() && executed_.back().address == f.pc) {
            executed_.pop_back();
            executed_count_ = executed_count_ - 1;
        }
    }
    const ArmWord w = readWord(f.pc);
    f.word = w.word;
    f.decoded = w.valid ? w.arm64 : "(not an AArch64 instruction)";
    f.line = f.error + " at pc " + hexWord(f.pc) + ": word " + hexWord(f.word) + " = " + f.decoded;
    if (f.access_address) f.line += ", accessing " + hexWord(static_cast<uint32_t>(*f.access_address));
    f.line += "; " + std::to_string(executed_count_.load()) + " ARM instruction(s) executed before";
    events().append("fault", f.line);
    std::lock_guard lock(mutex_);
    fault_ = std::move(f);
    state_ = RunState::Failed;
}

void ArmDirectEngine::pause() { pause_requested_ = true; }

void ArmDirectEngine::onCode(uc_engine* uc, uint64_t address, uint32_t, void* self) {
    auto& e = *static_cast<ArmDirectEngine*>(self);
    if (e.pause_requested_ || e.executed_count_ >= e.stop_after_) {
        e.stopped_by_hook_ = true;
        uc_emu_stop(uc);  // before this instruction runs
        return;
    }
    ArmWord w = e.readWord(static_cast<uint32_t>(address));
    e.events().append("arm64", "pc " + hexWord(w.address) + ": word " + hexWord(w.word) + " decodes as " + w.arm64);
    e.executed_count_ = e.executed_count_ + 1;
    std::lock_guard lock(e.mutex_);
    e.executed_.push_back(std::move(w));
}

void ArmDirectEngine::onInterrupt(uc_engine* uc, uint32_t number, void* self) {
    auto& e = *static_cast<ArmDirectEngine*>(self);
    ArmFault f;
    f.error = armExceptionName(number);
    f.pc = e.pc();
    // For an svc/brk the reported pc is past the instruction; point at the instruction itself.
    f.trap = number == 2 || number == 7 || number == 11 || number == 13;
    if (f.trap && f.pc >= 4) f.pc -= 4;
    e.pending_ = f;
    e.stopped_by_hook_ = true;
    uc_emu_stop(uc);
}

bool ArmDirectEngine::onBadMemory(uc_engine* uc, uc_mem_type type, uint64_t address, int, int64_t, void* self) {
    auto& e = *static_cast<ArmDirectEngine*>(self);
    ArmFault f;
    f.error = memoryAccessWords(type);
    f.pc = e.pc();
    f.access_address = address;
    e.pending_ = f;
    (void)uc;
    return false;
}

ArmWord ArmDirectEngine::readWord(uint32_t address) const {
    ArmWord w;
    w.address = address;
    uint8_t bytes[4] = {};
    if (uc_mem_read(uc_.get(), address, bytes, 4) != UC_ERR_OK) {
        w.arm64 = "(no memory here)";
        return w;
    }
    w.word = uint32_t(bytes[0]) | uint32_t(bytes[1]) << 8 | uint32_t(bytes[2]) << 16 | uint32_t(bytes[3]) << 24;
    Instruction in;
    w.valid = arm64_.decodeOne(bytes, 4, address, in);
    w.arm64 = w.valid ? in.text() : ".inst " + hexWord(w.word) + " (undefined in AArch64)";
    return w;
}

uint32_t ArmDirectEngine::pc() const {
    uint64_t v = 0;
    uc_reg_read(uc_.get(), UC_ARM64_REG_PC, &v);
    return static_cast<uint32_t>(v);
}

// How many bytes of the program file follow the entry point, up to the listing's span
// (zero-filled .bss is not program bytes worth showing).
uint32_t ArmDirectEngine::listedBytes() const {
    for (const auto& s : image_.segments)
        if (image_.entry >= s.vaddr && image_.entry < uint64_t(s.vaddr) + s.bytes.size())
            return static_cast<uint32_t>(std::min<uint64_t>(kListingWords * 4, s.vaddr + s.bytes.size() - image_.entry));
    return 0;
}

std::vector<ArmWord> ArmDirectEngine::decodedWords() const {
    std::vector<ArmWord> out;
    const uint32_t bytes = listedBytes();
    for (uint32_t offset = 0; offset + 4 <= bytes; offset += 4) out.push_back(readWord(image_.entry + offset));
    return out;
}

std::vector<Instruction> ArmDirectEngine::x86Reading() const {
    const auto bytes = image_.bytesAt(image_.entry, listedBytes());
    return x86_.decode(bytes.data(), bytes.size(), image_.entry);
}

std::vector<ArmWord> ArmDirectEngine::executedWords() const {
    std::lock_guard lock(mutex_);
    return executed_;
}

RunState ArmDirectEngine::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

std::string ArmDirectEngine::failure() const {
    std::lock_guard lock(mutex_);
    return fault_ ? fault_->line : std::string();
}

std::optional<ArmFault> ArmDirectEngine::fault() const {
    std::lock_guard lock(mutex_);
    return fault_;
}

Counters ArmDirectEngine::counters() const {
    return {{"arm64_instructions", executed_count_.load()}, {"guest_instructions", 0}};
}

Snapshot ArmDirectEngine::snapshot() const {
    Snapshot s;
    const auto words = decodedWords();
    std::lock_guard lock(mutex_);
    s.registers = registers_;
    for (const auto& w : words) {
        std::string line = hexWord(w.address) + "  " + hexWord(w.word) + "  " + w.arm64;
        for (const auto& x : executed_)
            if (x.address == w.address) {
                line += "   <- executed";
                break;
            }
        if (fault_ && fault_->pc == w.address) line += "   <- stopped here";
        s.listing.push_back(std::move(line));
    }
    return s;
}

}  // namespace vl::emu
