#include "emulator/unicorn_x86_engine.h"

#include <unicorn/x86.h>

#include <cstring>
#include <utility>

#include "core/error.h"
#include "emulator/cpuid_model.h"
#include "emulator/linux_process_layout.h"
#include "emulator/linux_stack.h"

namespace vl::emu {
namespace {

// uc_emu_start needs an address at which to stop. Nothing is ever mapped at the very top of
// the 32-bit space, so reaching it can only be a jump into unmapped memory (reported so).
constexpr uint64_t kUntil = 0xFFFFFFFFu;

std::string exceptionName(uint32_t vector) {
    static const char* names[] = {"#DE divide error", "#DB debug", "NMI", "#BP breakpoint (int3)",
                                  "#OF overflow (into)", "#BR bound range exceeded", "#UD invalid opcode",
                                  "#NM device not available", "#DF double fault", "coprocessor segment overrun",
                                  "#TS invalid TSS", "#NP segment not present", "#SS stack-segment fault",
                                  "#GP general protection", "#PF page fault"};
    if (vector < sizeof names / sizeof names[0]) return names[vector];
    return "software interrupt int " + std::to_string(vector) + " (only int 0x80 is a Linux system call)";
}

}  // namespace

UnicornX86Engine::UnicornX86Engine(GuestImage image, EmulationOptions options)
    : image_(std::move(image)), options_(std::move(options)) {
    tracing_.store(options_.trace);
    reset();
}

UnicornX86Engine::~UnicornX86Engine() = default;

void UnicornX86Engine::reset() {
    UcHandle uc = openUnicorn(UC_ARCH_X86, UC_MODE_32);
    mapImage(uc.get(), image_);
    if (const uc_err e = uc_mem_map(uc.get(), kStackTop - kStackSize, kStackSize, UC_PROT_READ | UC_PROT_WRITE); e != UC_ERR_OK)
        throw Error(Error::Kind::System, std::string("unicorn: cannot map the stack: ") + uc_strerror(e));
    const std::vector<std::string> argv = options_.argv.empty() ? std::vector<std::string>{image_.path} : options_.argv;
    const InitialStack stack = buildInitialStack(image_, argv, options_.envp, kStackTop);
    uc_mem_write(uc.get(), stack.pointer, stack.bytes.data(), stack.bytes.size());

    installFlatSegments(uc.get());
    // Linux starts a process with every general register zero except esp, and IF set.
    const uint32_t zero = 0, esp = stack.pointer, eip = image_.entry, eflags = 0x202;
    for (int reg : {UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_ESI,
                    UC_X86_REG_EDI, UC_X86_REG_EBP})
        uc_reg_write(uc.get(), reg, &zero);
    uc_reg_write(uc.get(), UC_X86_REG_ESP, &esp);
    uc_reg_write(uc.get(), UC_X86_REG_EIP, &eip);
    uc_reg_write(uc.get(), UC_X86_REG_EFLAGS, &eflags);

    uc_hook block_hook, intr_hook, mem_hook, sync_hook;
    uc_hook_add(uc.get(), &block_hook, UC_HOOK_BLOCK, reinterpret_cast<void*>(&UnicornX86Engine::onBlock), this, 1, 0);
    uc_hook_add(uc.get(), &intr_hook, UC_HOOK_INTR, reinterpret_cast<void*>(&UnicornX86Engine::onInterrupt), this, 1, 0);
    uc_hook_add(uc.get(), &mem_hook, UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(&UnicornX86Engine::onBadMemory), this, 1, 0);
    // Unicorn 2.0.1 leaves eip at the start of the block when a memory access faults, unless a
    // read/write hook exists: then it stores eip before each access. A hook on an address
    // nothing can reach buys that precision without a callback (measured: no slowdown).
    uc_hook_add(uc.get(), &sync_hook, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, reinterpret_cast<void*>(&UnicornX86Engine::onNoAccess),
                nullptr, kUntil, kUntil);
    // cpuid answers VirtLab's documented CPU model (cpuid_model.h), as the translator does.
    uc_hook cpuid_hook;
    uc_hook_add(uc.get(), &cpuid_hook, UC_HOOK_INSN, reinterpret_cast<void*>(&UnicornX86Engine::onCpuid), nullptr, 1, 0,
                UC_X86_INS_CPUID);

    uc_ = std::move(uc);
    syscalls_ = std::make_unique<LinuxSyscalls>(static_cast<SyscallHost&>(*this), events(), image_.endOfImage());
    instructions_ = 0;
    blocks_executed_ = 0;
    pause_requested_ = false;
    current_block_ = nullptr;
    last_block_key_ = ~0ull;
    last_block_ = nullptr;
    memory_fault_.reset();
    events().clear();
    std::lock_guard lock(mutex_);
    blocks_.clear();
    state_ = RunState::Ready;
    exit_code_ = 0;
    failure_.clear();
    registers_ = readRegisters();
}

RunState UnicornX86Engine::run(uint64_t budget) {
    {
        std::lock_guard lock(mutex_);
        if (state_ == RunState::Finished || state_ == RunState::Failed) return state_;
    }
    pause_requested_ = false;  // pause() only concerns a run in progress
    tail_block_ = nullptr;
    uint64_t target = budget ? instructions_ + budget : UINT64_MAX;
    const bool limited_by_max = options_.max_instructions && options_.max_instructions <= target;
    if (limited_by_max) target = options_.max_instructions;

    RunState result = RunState::Paused;
    for (;;) {
        if (instructions_ >= target) {
            if (limited_by_max) {
                fail("instruction limit of " + std::to_string(options_.max_instructions) + " reached at eip " + hex32(eip()));
                result = RunState::Failed;
            }
            break;
        }
        // Whole blocks run until the next one would pass the target; that block is then run
        // again only up to the target by making the first instruction past it an exit address.
        // Unicorn bakes a mid-block exit into the translation, so the block's cached code is
        // dropped before and after (cheap; a whole flush costs ~0.35 s, and Unicorn's own
        // `count` needs one).
        uint64_t until = kUntil;
        const Block* tail = std::exchange(tail_block_, nullptr);
        const uint64_t before = instructions_;
        if (tail && target - before >= tail->instructions.size()) {
            // Cannot happen while counts agree; stop rather than loop if they ever do not.
            fail("internal error: instruction count out of step at eip " + hex32(eip()));
            result = RunState::Failed;
            break;
        }
        if (tail) {
            until = tail->instructions[target - before].address;
            uc_ctl_remove_cache(uc_.get(), uint64_t(tail->start), uint64_t(tail->start) + tail->size);
        }
        fast_target_ = target;
        stop_ = Stop::None;
        memory_fault_.reset();
        const uc_err err = uc_emu_start(uc_.get(), eip(), until, 0, 0);
        if (tail) uc_ctl_remove_cache(uc_.get(), uint64_t(tail->start), uint64_t(tail->start) + tail->size);
        const uint32_t now_eip = eip();

        if (err != UC_ERR_OK) {
            rewindCountTo(now_eip);
            fail(memory_fault_ ? *memory_fault_ : ucErrorName(err) + " at " + describeAt(now_eip));
            result = RunState::Failed;
            break;
        }
        if (stop_ == Stop::Exit) {
            result = RunState::Finished;
            break;
        }
        if (stop_ == Stop::Fault) {
            result = RunState::Failed;
            break;
        }
        if (stop_ == Stop::Pause) break;
        if (stop_ == Stop::Handover) continue;  // tail_block_ is set: run its first part
        if (tail && now_eip == until) {
            instructions_ = target;  // straight-line code: exactly the instructions before `until` ran
            continue;
        }
        fail("instruction fetch from unmapped memory at " + hex32(now_eip));
        result = RunState::Failed;
        break;
    }
    finishRun();
    return setState(result);
}

void UnicornX86Engine::pause() {
    // Only a flag: the emulation thread sees it at the next block and stops itself, so no
    // Unicorn call ever crosses threads.
    pause_requested_ = true;
}

RunState UnicornX86Engine::setState(RunState s) {
    std::lock_guard lock(mutex_);
    if (state_ != RunState::Failed && state_ != RunState::Finished) state_ = s;
    return state_;
}

void UnicornX86Engine::finishRun() {
    const X86Registers regs = readRegisters();
    std::lock_guard lock(mutex_);
    registers_ = regs;
}

void UnicornX86Engine::fail(const std::string& line) {
    events().append("fault", line);
    std::lock_guard lock(mutex_);
    state_ = RunState::Failed;
    failure_ = line;
}

// ---- hooks (emulation thread) ----

void UnicornX86Engine::onBlock(uc_engine* uc, uint64_t address, uint32_t size, void* self) {
    auto& e = *static_cast<UnicornX86Engine*>(self);
    const Block& block = e.blockAt(static_cast<uint32_t>(address), size);
    e.current_block_.store(&block, std::memory_order_release);
    // A stop requested here keeps this block from running (measured on Unicorn 2.0.1), so a
    // block is counted only once it is certain to run.
    const uint64_t before = e.instructions_.load(std::memory_order_relaxed);
    if (e.pause_requested_.load(std::memory_order_relaxed)) {
        e.stop_ = Stop::Pause;
        uc_emu_stop(uc);
        return;
    }
    if (before + block.instructions.size() > e.fast_target_) {
        e.tail_block_ = &block;
        e.stop_ = Stop::Handover;
        uc_emu_stop(uc);
        return;
    }
    e.count_before_block_ = before;
    // Single writer: plain stores, not read-modify-write, keep the hot path cheap.
    e.instructions_.store(before + block.instructions.size(), std::memory_order_relaxed);
    e.blocks_executed_.store(e.blocks_executed_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (e.tracing_.load(std::memory_order_relaxed)) {
        std::string text = "block " + hex32(block.start) + " (" + std::to_string(block.instructions.size()) + " instructions)";
        for (const auto& in : block.instructions) text += "\n  " + in.line();
        e.events().append("block", std::move(text));
    }
}

void UnicornX86Engine::onInterrupt(uc_engine* uc, uint32_t vector, void* self) {
    auto& e = *static_cast<UnicornX86Engine*>(self);
    if (vector != 0x80) {
        // Faults leave eip at the faulting instruction, which did not run; traps (int3, into,
        // int n) leave it after the instruction, which did.
        uint32_t at = e.eip();
        if (vector == 3 || vector == 4) at -= 1;
        else if (vector >= 32) at -= 2;
        else e.rewindCountTo(at);
        e.fail("CPU exception: " + exceptionName(vector) + " at " + e.describeAt(at));
        e.stop_ = Stop::Fault;
        uc_emu_stop(uc);
        return;
    }
    const X86Registers r = e.readRegisters();
    SyscallRequest request;
    request.number = r.eax;
    request.args = {r.ebx, r.ecx, r.edx, r.esi, r.edi, r.ebp};
    const SyscallOutcome outcome = e.syscalls_->handle(request);
    if (outcome.exited) {
        {
            std::lock_guard lock(e.mutex_);
            e.exit_code_ = outcome.exit_code;
        }
        e.stop_ = Stop::Exit;
        uc_emu_stop(uc);
        return;
    }
    uc_reg_write(uc, UC_X86_REG_EAX, &outcome.result);
}

void UnicornX86Engine::onNoAccess(uc_engine*, uc_mem_type, uint64_t, int, int64_t, void*) {}

bool UnicornX86Engine::onBadMemory(uc_engine*, uc_mem_type type, uint64_t address, int size, int64_t, void* self) {
    auto& e = *static_cast<UnicornX86Engine*>(self);
    const uint32_t at = e.eip();
    std::string line = memoryAccessWords(type) + " at " + hex32(static_cast<uint32_t>(address));
    if (type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT) line += " (a jump or return to an address with no code)";
    else line += " (" + std::to_string(size) + " bytes, eip " + e.describeAt(at) + ")";
    e.memory_fault_ = line;
    return false;  // do not map anything: the access faults and uc_emu_start returns
}

const UnicornX86Engine::Block& UnicornX86Engine::blockAt(uint32_t address, uint32_t size) {
    const uint64_t key = (uint64_t(address) << 32) | size;
    if (key == last_block_key_) return *last_block_;
    auto it = blocks_.find(key);  // no lock: only this thread inserts
    if (it == blocks_.end()) {
        Block block;
        block.start = address;
        block.size = size;
        std::vector<uint8_t> bytes(size);
        if (size && uc_mem_read(uc_.get(), address, bytes.data(), size) == UC_ERR_OK)
            block.instructions = x86_.decode(bytes.data(), size, address);
        std::lock_guard lock(mutex_);
        it = blocks_.emplace(key, std::move(block)).first;
    }
    last_block_key_ = key;
    last_block_ = &it->second;
    return it->second;
}

// A block is counted whole when it is entered; when it stops at a faulting instruction, only
// the instructions before that one ran.
void UnicornX86Engine::rewindCountTo(uint32_t at) {
    const Block* block = current_block_.load();
    if (!block) return;
    for (size_t i = 0; i < block->instructions.size(); ++i)
        if (block->instructions[i].address == at) {
            instructions_ = count_before_block_ + i;
            return;
        }
}

std::string UnicornX86Engine::describeAt(uint32_t address) {
    uint8_t bytes[16];
    Instruction in;
    if (uc_mem_read(uc_.get(), address, bytes, sizeof bytes) == UC_ERR_OK && x86_.decodeOne(bytes, sizeof bytes, address, in))
        return hex32(address) + ": " + in.text();
    return hex32(address);
}

// ---- SyscallHost ----

bool UnicornX86Engine::readMemory(uint32_t address, void* out, size_t length) {
    return uc_mem_read(uc_.get(), address, out, length) == UC_ERR_OK;
}

bool UnicornX86Engine::writeMemory(uint32_t address, const void* data, size_t length) {
    return uc_mem_write(uc_.get(), address, data, length) == UC_ERR_OK;
}

bool UnicornX86Engine::mapMemory(uint32_t address, uint32_t length) {
    return uc_mem_map(uc_.get(), address, length, UC_PROT_READ | UC_PROT_WRITE) == UC_ERR_OK;
}

bool UnicornX86Engine::unmapMemory(uint32_t address, uint32_t length) {
    return uc_mem_unmap(uc_.get(), address, length) == UC_ERR_OK;
}

namespace {

// A GDT descriptor (Intel SDM vol. 3, 3.4.5): access = P|DPL|S|type, flags = G|D/B.
void writeDescriptor(uc_engine* uc, uint32_t entry, uint32_t base, uint32_t limit, uint32_t access, uint32_t flags) {
    const uint32_t d[2] = {
        (limit & 0xFFFF) | ((base & 0xFFFF) << 16),
        ((base >> 16) & 0xFF) | (access << 8) | (limit & 0xF0000) | (flags << 20) | (base & 0xFF000000),
    };
    uc_mem_write(uc, kGdtAddress + entry * 8, d, sizeof d);
}

}  // namespace

// Unicorn starts with flat segment caches but no GDT behind them, and the stack segment's
// cached descriptor is not marked 32-bit. The first segment load a guest makes (glibc's
// `mov gs` after set_thread_area) makes the CPU recompute its stack size from that cache and
// fall back to a 16-bit stack (measured: the next call wrote to esp & 0xffff). So the
// process gets a real GDT with flat 32-bit code and data segments, loaded into ss/ds/es,
// at ring 0 as Unicorn starts (Linux user code would see selectors 0x73/0x7b at ring 3).
void UnicornX86Engine::installFlatSegments(uc_engine* uc) {
    if (uc_mem_map(uc, kGdtAddress, kPageSize, UC_PROT_READ | UC_PROT_WRITE) != UC_ERR_OK)
        throw Error(Error::Kind::System, "unicorn: cannot map the GDT page");
    writeDescriptor(uc, kFlatCodeEntry, 0, 0xFFFFF, 0x9B, 0xC);  // present, ring 0, code r/x, 4 GiB, 32-bit
    writeDescriptor(uc, kFlatDataEntry, 0, 0xFFFFF, 0x93, 0xC);  // present, ring 0, data r/w, 4 GiB, 32-bit
    uc_x86_mmr gdtr{0, kGdtAddress, kGdtEntries * 8 - 1, 0};
    uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr);
    const uint32_t data_selector = kFlatDataEntry * 8;
    for (int reg : {UC_X86_REG_SS, UC_X86_REG_DS, UC_X86_REG_ES})
        if (uc_reg_write(uc, reg, &data_selector) != UC_ERR_OK)
            throw Error(Error::Kind::System, "unicorn: cannot load the flat data segment");
}

bool UnicornX86Engine::installTlsSegment(uint32_t entry, uint32_t base, uint32_t limit, bool limit_in_pages) {
    // A present, DPL 3, writable, accessed, 32-bit data segment.
    writeDescriptor(uc_.get(), entry, base, limit, 0x80 | 0x60 | 0x10 | 0x02 | 0x01, (limit_in_pages ? 0x8 : 0) | 0x4);
    return true;
}

int UnicornX86Engine::onCpuid(uc_engine* uc, void*) {
    uint32_t leaf = 0, subleaf = 0;
    uc_reg_read(uc, UC_X86_REG_EAX, &leaf);
    uc_reg_read(uc, UC_X86_REG_ECX, &subleaf);
    const CpuidAnswer a = virtlabCpuid(leaf, subleaf);
    uc_reg_write(uc, UC_X86_REG_EAX, &a.eax);
    uc_reg_write(uc, UC_X86_REG_EBX, &a.ebx);
    uc_reg_write(uc, UC_X86_REG_ECX, &a.ecx);
    uc_reg_write(uc, UC_X86_REG_EDX, &a.edx);
    return 1;  // the hook is the instruction: Unicorn skips its own cpuid
}

// ---- state ----

uint32_t UnicornX86Engine::eip() const {
    uint32_t v = 0;
    uc_reg_read(uc_.get(), UC_X86_REG_EIP, &v);
    return v;
}

X86Registers UnicornX86Engine::readRegisters() const {
    X86Registers r;
    const int ids[] = {UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_ESI,
                       UC_X86_REG_EDI, UC_X86_REG_EBP, UC_X86_REG_ESP, UC_X86_REG_EIP, UC_X86_REG_EFLAGS};
    uint32_t* out[] = {&r.eax, &r.ebx, &r.ecx, &r.edx, &r.esi, &r.edi, &r.ebp, &r.esp, &r.eip, &r.eflags};
    for (size_t i = 0; i < std::size(ids); ++i) uc_reg_read(uc_.get(), ids[i], out[i]);
    return r;
}

RunState UnicornX86Engine::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

int UnicornX86Engine::exitCode() const {
    std::lock_guard lock(mutex_);
    return exit_code_;
}

std::string UnicornX86Engine::failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
}

X86Registers UnicornX86Engine::registers() const {
    std::lock_guard lock(mutex_);
    return registers_;
}

std::string UnicornX86Engine::guestStdout() const { return syscalls_->stdoutText(); }
std::string UnicornX86Engine::guestStderr() const { return syscalls_->stderrText(); }

Counters UnicornX86Engine::counters() const {
    Counters c = syscalls_->counters();
    c["syscalls"] += 0;  // present even when the guest made none
    c["guest_instructions"] = instructions_.load();
    c["blocks"] = blocks_executed_.load();
    std::lock_guard lock(mutex_);
    c["unique_blocks"] = blocks_.size();
    return c;
}

Snapshot UnicornX86Engine::snapshot() const {
    Snapshot s;
    s.console = syscalls_->stdoutText();
    std::lock_guard lock(mutex_);
    s.registers = registers_.named();
    if (const Block* block = current_block_.load(std::memory_order_acquire))
        for (const auto& in : block->instructions) s.listing.push_back(in.line());
    return s;
}

}  // namespace vl::emu
