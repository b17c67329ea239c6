#include "emulator/dbt/dbt_engine.h"

#include <unicorn/arm64.h>

#include <algorithm>
#include <utility>

#include "core/error.h"
#include "emulator/linux_process_layout.h"
#include "emulator/linux_stack.h"
#include "emulator/dbt/flag_liveness.h"
#include "emulator/dbt/runtime_helpers.h"

namespace vl::emu {

using namespace dbt;

namespace {

// Unicorn's ARM64 exception number for `svc` (QEMU's EXCP_SWI).
constexpr uint32_t kExcpSwi = 2;
// Direct successors translated ahead per dispatcher translation (see blockFor).
constexpr size_t kEagerBlocks = 16;
// Guest instructions per entry into Unicorn at most, so pause() is seen within ~0.1 s.
constexpr uint64_t kSlice = 50'000'000;
// The budget a host step runs with: no prologue can exhaust it, so a step never takes the
// budget exit (the step itself is the limit).
constexpr uint64_t kStepBudget = uint64_t(1) << 62;

// Unicorn numbers x0..x28 consecutively but x29 (fp) and x30 (lr) apart, before them.
int xReg(unsigned n) {
    if (n == 29) return UC_ARM64_REG_X29;
    if (n == 30) return UC_ARM64_REG_X30;
    return UC_ARM64_REG_X0 + static_cast<int>(n);
}

}  // namespace

DbtEngine::DbtEngine(GuestImage image, EmulationOptions options) : image_(std::move(image)), options_(std::move(options)) {
    reset();
}

DbtEngine::~DbtEngine() = default;

void DbtEngine::reset() {
    cache_.reset();
    UcHandle uc = openUnicorn(UC_ARCH_ARM64, UC_MODE_ARM);
    mapImage(uc.get(), image_, kGuestBase, false);
    if (const uc_err e = uc_mem_map(uc.get(), kGuestBase + kStackTop - kStackSize, kStackSize, UC_PROT_READ | UC_PROT_WRITE); e != UC_ERR_OK)
        throw Error(Error::Kind::System, std::string("unicorn arm64: cannot map the stack: ") + uc_strerror(e));
    const std::vector<std::string> argv = options_.argv.empty() ? std::vector<std::string>{image_.path} : options_.argv;
    const InitialStack stack = buildInitialStack(image_, argv, options_.envp, kStackTop);
    uc_mem_write(uc.get(), kGuestBase + stack.pointer, stack.bytes.data(), stack.bytes.size());

    uc_hook intr_hook, mem_hook, smc_hook;
    uc_hook_add(uc.get(), &intr_hook, UC_HOOK_INTR, reinterpret_cast<void*>(&DbtEngine::onInterrupt), this, 1, 0);
    // The write-protect hook is added first, so it sees a write to translated code before the
    // catch-all hook below would report it as a fault.
    uc_hook_add(uc.get(), &smc_hook, UC_HOOK_MEM_WRITE_PROT, reinterpret_cast<void*>(&DbtEngine::onWriteProtected), this, 1, 0);
    uc_hook_add(uc.get(), &mem_hook, UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(&DbtEngine::onBadMemory), this, 1, 0);
    uc_ = std::move(uc);
    cache_ = std::make_unique<CodeCache>(uc_.get(), options_.count_block_hits);

    // Linux starts a process with every general register zero except esp, and eflags 0x202.
    for (unsigned i = 0; i < 31; ++i) setReg(xReg(i), 0);
    setReg(xReg(4), stack.pointer);
    const HostFlags flags = hostFromEflags(0x202);
    setReg(UC_ARM64_REG_NZCV, flags.nzcv);
    setReg(xReg(kPfSource), flags.pf_source);
    setReg(xReg(kAfSource), flags.af_source);
    setReg(xReg(kMemBase), kGuestBase);
    setReg(xReg(kLookupBase), kLookupAddress);
    setReg(xReg(kDirection), 1);  // DF = 0
    system_flags_ = kInterruptFlag;
    setReg(xReg(kSegmentBases), 0);
    eip_ = image_.entry;
    tls_bases_.clear();
    fs_selector_ = gs_selector_ = 0;
    protected_pages_.clear();
    invalidations_ = 0;
    step_pc_.reset();
    step_block_ = nullptr;
    step_done_ = 0;
    step_charged_ = false;
    counting_hook_ = false;  // a fresh Unicorn instance

    syscalls_ = std::make_unique<LinuxSyscalls>(static_cast<SyscallHost&>(*this), events(), image_.endOfImage());
    guest_instructions_ = 0;
    blocks_translated_ = 0;
    cache_hits_ = 0;
    chained_jumps_ = 0;
    helper_exits_ = 0;
    host_instructions_ = 0;
    blocks_executed_ = 0;
    pause_requested_ = false;
    events().clear();
    std::lock_guard lock(mutex_);
    state_ = RunState::Ready;
    exit_code_ = 0;
    failure_.clear();
    registers_ = readRegisters();
}

dbt::CodeFetch DbtEngine::codeFetch() {
    return [this](uint32_t address, uint8_t* out, size_t want) -> size_t {
        if (readMemory(address, out, want)) return want;
        size_t n = 0;  // the tail of mapped memory: byte by byte up to the hole
        while (n < want && readMemory(address + static_cast<uint32_t>(n), out + n, 1)) ++n;
        return n;
    };
}

uint8_t DbtEngine::flagsLiveAt(uint32_t eip) {
    return dbt::flagsLiveIn(decoder_, codeFetch(), eip, [](uint32_t, uint32_t) { return true; });
}

const TranslatedBlock& DbtEngine::translateAndInsert(uint32_t guest) {
    const CodeFetch fetch = codeFetch();
    // Translate at the current position; if the cache is full, flush and translate again
    // there (branch offsets depend on where the code goes).
    uint64_t at = cache_->reserve(0);
    // Direct jumps and calls into code no store can change are followed (translator.h).
    const CodeWindow read_only = [this](uint32_t address, uint32_t length) {
        return !pageWasWritable(address & ~(kPageSize - 1)) && !pageWasWritable((address + length - 1) & ~(kPageSize - 1));
    };
    TranslatedBlock block = translateBlock(decoder_, fetch, guest, at, read_only);
    if (cache_->reserve(block.code.size()) != at) block = translateBlock(decoder_, fetch, guest, cache_->reserve(0), read_only);
    blocks_translated_.fetch_add(1, std::memory_order_relaxed);
    if (options_.trace) {
        std::string text = "translate " + hex32(guest) + " (" + std::to_string(block.insns.size()) + " x86 -> " +
                           std::to_string(block.body_words) + " arm64)";
        events().append("translation", std::move(text));
    }
    const TranslatedBlock& inserted = cache_->insert(std::move(block));
    protectCode(inserted);
    return inserted;
}

const TranslatedBlock& DbtEngine::blockFor(uint32_t guest) {
    if (const TranslatedBlock* b = cache_->find(guest)) {
        cache_hits_.fetch_add(1, std::memory_order_relaxed);
        return *b;
    }
    translateAndInsert(guest);
    // Translate the direct successors too (a few, breadth first), so the code chains at
    // insertion and the first pass through a loop does not exit once per new block. Only
    // while the cache is far from full: a flush here would pull blocks from under the caller.
    std::vector<uint32_t> queue{guest};
    for (size_t i = 0, extra = 0; i < queue.size() && extra < kEagerBlocks; ++i) {
        const TranslatedBlock* b = cache_->find(queue[i]);
        if (!b) continue;
        for (const ChainSite& c : b->chain_sites) {
            if (extra >= kEagerBlocks || cache_->find(c.guest_target) || cache_->bytesUsed() > kCodeCacheSize / 2) continue;
            try {
                translateAndInsert(c.guest_target);
            } catch (const Error&) {
                continue;  // no code there: if the branch is ever taken, the run fails then
            }
            queue.push_back(c.guest_target);
            ++extra;
        }
    }
    return *cache_->find(guest);
}

RunState DbtEngine::run(uint64_t budget) {
    {
        std::lock_guard lock(mutex_);
        if (state_ == RunState::Finished || state_ == RunState::Failed) return state_;
    }
    pause_requested_ = false;
    uint64_t remaining = budget ? budget : UINT64_MAX;
    bool limited_by_max = false;
    if (options_.max_instructions) {
        const uint64_t left = options_.max_instructions > guest_instructions_ ? options_.max_instructions - guest_instructions_ : 0;
        if (left <= remaining) {
            remaining = left;
            limited_by_max = true;
        }
    }
    RunState result = RunState::Paused;
    for (;;) {
        if (pause_requested_.load(std::memory_order_relaxed)) break;
        if (remaining == 0) {
            if (limited_by_max) {
                fail("instruction limit of " + std::to_string(options_.max_instructions) + " reached at eip " + hex32(eip_));
                result = RunState::Failed;
            }
            break;
        }
        uint64_t slice = std::min(remaining, kSlice);
        uint64_t entry = 0;
        // Guest instructions of a block host stepping left half run: its prologue charged them
        // to the budget of the steps, so they count here as though charged to this slice.
        uint64_t precharged = 0;
        if (step_pc_) {
            entry = *step_pc_;
            if (step_charged_ && step_block_) precharged = step_block_->insns.size() - std::min<uint64_t>(step_done_, step_block_->insns.size());
            step_pc_.reset();
            step_block_ = nullptr;
        } else {
            const TranslatedBlock* block;
            try {
                block = &blockFor(eip_);
            } catch (const Error& e) {
                fail(e.what());
                result = RunState::Failed;
                break;
            }
            // A block runs only when the budget covers all of it. A budget smaller than the next
            // block still runs that one block (run(1) is a block step); a --max-insns limit does not.
            if (slice < block->insns.size()) {
                if (limited_by_max) {
                    fail("instruction limit of " + std::to_string(options_.max_instructions) + " reached at eip " + hex32(eip_));
                    result = RunState::Failed;
                    break;
                }
                slice = block->insns.size();
            }
            entry = CodeCache::entryOf(*block);
        }
        setReg(xReg(kBudget), slice);
        exited_in_hook_ = false;
        memory_fault_.reset();
        hook_fault_.reset();
        // After host steps Unicorn holds an instruction-counting hook; a count of 0 would
        // remove it, and removing it flushes all of Unicorn's translations (tb_flush, which
        // clears its whole 1 GiB code buffer: seconds, and 1 GB resident). A count no run
        // reaches keeps the hook instead, at some cost in speed until reset().
        const size_t count = counting_hook_ ? SIZE_MAX / 2 : 0;
        const uc_err err = uc_emu_start(uc_.get(), entry, kExitAddress, 0, count);
        helper_exits_.fetch_add(1, std::memory_order_relaxed);
        const auto left = static_cast<int64_t>(reg(xReg(kBudget)));
        uint64_t ran = static_cast<uint64_t>(static_cast<int64_t>(slice) - left) + precharged;
        host_instructions_.store(reg(xReg(kHostCount)), std::memory_order_relaxed);
        chained_jumps_.store(cache_->chains(), std::memory_order_relaxed);
        cache_flushes_.store(cache_->flushes(), std::memory_order_relaxed);
        blocks_executed_.store(reg(xReg(kBlockCount)), std::memory_order_relaxed);
        invalidations_.store(cache_->invalidations(), std::memory_order_relaxed);

        if (hook_fault_) {
            // A helper stopped the run at its instruction, which did not complete.
            guest_instructions_ += ran - std::min(ran, hook_fault_not_run_);
            eip_ = hook_fault_eip_;
            fail(*hook_fault_);
            result = RunState::Failed;
            break;
        }
        if (exited_in_hook_) {
            guest_instructions_ += ran;
            eip_ = exit_eip_;
            result = RunState::Finished;
            break;
        }
        if (err != UC_ERR_OK) {
            uint64_t not_run = 0;
            const uint32_t at = guestAtHost(reg(UC_ARM64_REG_PC), &not_run);
            guest_instructions_ += ran - std::min(ran, not_run);
            eip_ = at;
            // Worded as UnicornX86Engine words it, so --compare sees the same failure.
            fail(memory_fault_ ? *memory_fault_ + ", eip " + describeAt(at) + ")" : ucErrorName(err) + " at " + describeAt(at));
            result = RunState::Failed;
            break;
        }
        const auto reason = static_cast<ExitReason>(reg(xReg(kExitReason)) & 0xFFFFFFFF);
        const auto exit_eip = static_cast<uint32_t>(reg(xReg(kExitEip)));
        if (reason == ExitReason::DivideError) {
            // The divide was counted with its block but did not complete, nor did what follows.
            bool found = false;
            for (const TranslatedBlock* b : cache_->blocks())
                for (size_t i = 0; i < b->insns.size() && !found; ++i)
                    if (b->insns[i].address == exit_eip) {
                        ran -= std::min<uint64_t>(ran, b->insns.size() - i);
                        found = true;
                    }
            guest_instructions_ += ran;
            eip_ = exit_eip;
            fail("CPU exception: #DE divide error at " + describeAt(exit_eip));
            result = RunState::Failed;
            break;
        }
        guest_instructions_ += ran;
        remaining -= std::min(ran, remaining);
        eip_ = exit_eip;
        if (reason == ExitReason::Unsupported) {
            const TranslatedBlock* b = nullptr;
            for (const TranslatedBlock* candidate : cache_->blocks())
                if (candidate->stop_message && candidate->stop_address == exit_eip) b = candidate;
            fail(b ? *b->stop_message : "unsupported instruction at " + hex32(exit_eip));
            result = RunState::Failed;
            break;
        }
        if (reason == ExitReason::Miss) {
            const uint64_t site = reg(xReg(kExitSite));
            try {
                const TranslatedBlock& target = blockFor(exit_eip);
                // The site's block may have been flushed away while translating the target.
                if (site && cache_->blockAtHost(site)) cache_->chain(site, target);
            } catch (const Error& e) {
                fail(e.what());
                result = RunState::Failed;
                break;
            }
        }
        // ExitReason::Budget: the loop checks what is left. The block's preamble counted an
        // entry its prologue then refused.
        if (reason == ExitReason::Budget)
            if (const TranslatedBlock* b = cache_->find(exit_eip)) cache_->uncount(*b);
    }
    publishState();
    return setState(result);
}

void DbtEngine::publishState() {
    const X86Registers regs = readRegisters();
    std::vector<std::string> listing = listingAt(eip_);
    std::lock_guard lock(mutex_);
    registers_ = regs;
    listing_ = std::move(listing);
}

// ---- host stepping ----

uint32_t DbtEngine::progressAt(const TranslatedBlock& block, uint64_t pc, uint32_t in_stub) {
    const auto size = static_cast<uint32_t>(block.insns.size());
    if (pc < block.host_start) return 0;  // the counting preamble
    const auto word = static_cast<uint32_t>((pc - block.host_start) / 4);
    if (word < block.prologue_words) return 0;
    // A cold stub: reached from the instruction in progress (a #DE check, an exit), which it
    // does not complete; leaving through the exit address does.
    if (word >= block.body_words) return in_stub;
    for (const InsnMapping& m : block.map)
        if (word >= m.arm64_first && word < m.arm64_first + m.arm64_count) return m.x86_index;
    return size;
}

RunState DbtEngine::stepHost() {
    if (const RunState s = state(); s == RunState::Finished || s == RunState::Failed) return s;
    if (!step_pc_) {
        // At the dispatcher: enter the block at eip, as run() would.
        if (options_.max_instructions && guest_instructions_ >= options_.max_instructions) {
            fail("instruction limit of " + std::to_string(options_.max_instructions) + " reached at eip " + hex32(eip_));
            publishState();
            return setState(RunState::Failed);
        }
        try {
            step_block_ = &blockFor(eip_);
        } catch (const Error& e) {
            fail(e.what());
            publishState();
            return setState(RunState::Failed);
        }
        step_pc_ = CodeCache::entryOf(*step_block_);
        step_done_ = 0;
        step_charged_ = false;
    }
    setReg(xReg(kBudget), kStepBudget);
    exited_in_hook_ = false;
    memory_fault_.reset();
    hook_fault_.reset();
    // The prologue's charge of the whole block (counted below as its instructions complete)
    // comes from the entry; any other change of the budget register is a rep pass's.
    const bool from_entry = *step_pc_ < step_block_->host_start + uint64_t(step_block_->prologue_words) * 4;
    counting_hook_ = true;  // Unicorn installs it for count = 1 (see run())
    const uc_err err = uc_emu_start(uc_.get(), *step_pc_, kExitAddress, 0, 1);
    const RunState result = afterHostStep(err, from_entry);
    publishState();
    return setState(result);
}

RunState DbtEngine::afterHostStep(uc_err err, bool from_entry) {
    const auto charged = static_cast<int64_t>(kStepBudget - reg(xReg(kBudget)));
    if (from_entry && charged != 0) {
        step_charged_ = true;  // the prologue's charge ran
    } else if (charged != 0) {
        // A rep string instruction charges each pass (and refunds one when it stops on ZF),
        // as a run counts them.
        guest_instructions_ += static_cast<uint64_t>(charged);
    }
    host_instructions_.store(reg(xReg(kHostCount)), std::memory_order_relaxed);
    blocks_executed_.store(reg(xReg(kBlockCount)), std::memory_order_relaxed);
    chained_jumps_.store(cache_->chains(), std::memory_order_relaxed);
    cache_flushes_.store(cache_->flushes(), std::memory_order_relaxed);
    invalidations_.store(cache_->invalidations(), std::memory_order_relaxed);

    const TranslatedBlock& block = *step_block_;
    const auto size = static_cast<uint32_t>(block.insns.size());
    auto indexOf = [&](uint32_t guest) {
        for (uint32_t i = 0; i < size; ++i)
            if (block.insns[i].address == guest) return i;
        return step_done_;
    };
    // Leaves the block with its first `done` instructions complete; the next step starts at
    // the dispatcher.
    auto leave = [&](uint32_t done) {
        guest_instructions_ += done - std::min(done, step_done_);
        step_pc_.reset();
        step_block_ = nullptr;
        step_done_ = 0;
        step_charged_ = false;
    };

    if (hook_fault_) {  // a helper stopped at its instruction, which did not complete
        leave(indexOf(hook_fault_eip_));
        eip_ = hook_fault_eip_;
        fail(*hook_fault_);
        return RunState::Failed;
    }
    if (exited_in_hook_) {  // exit(2): int 0x80 is the block's last instruction
        leave(size);
        eip_ = exit_eip_;
        return RunState::Finished;
    }
    const uint64_t pc = reg(UC_ARM64_REG_PC);
    if (err != UC_ERR_OK) {
        // One instruction per Unicorn TB here, so pc is the faulting AArch64 instruction.
        const uint32_t done = cache_->blockAtHost(pc) == &block ? progressAt(block, pc, step_done_) : step_done_;
        if (done < size) eip_ = block.insns[done].address;
        leave(done);
        fail(memory_fault_ ? *memory_fault_ + ", eip " + describeAt(eip_) + ")" : ucErrorName(err) + " at " + describeAt(eip_));
        return RunState::Failed;
    }
    if (pc == kExitAddress) {  // the exit protocol, served as run() serves it
        helper_exits_.fetch_add(1, std::memory_order_relaxed);
        const auto reason = static_cast<ExitReason>(reg(xReg(kExitReason)) & 0xFFFFFFFF);
        const auto exit_eip = static_cast<uint32_t>(reg(xReg(kExitEip)));
        const uint64_t site = reg(xReg(kExitSite));
        if (reason == ExitReason::DivideError) {
            leave(indexOf(exit_eip));
            eip_ = exit_eip;
            fail("CPU exception: #DE divide error at " + describeAt(exit_eip));
            return RunState::Failed;
        }
        const std::optional<std::string> stop = block.stop_message;
        leave(reason == ExitReason::Budget ? 0 : size);
        eip_ = exit_eip;
        if (reason == ExitReason::Unsupported) {
            fail(stop ? *stop : "unsupported instruction at " + hex32(exit_eip));
            return RunState::Failed;
        }
        if (reason == ExitReason::Miss) {
            try {
                const TranslatedBlock& target = blockFor(exit_eip);
                if (site && cache_->blockAtHost(site)) cache_->chain(site, target);
            } catch (const Error& e) {
                fail(e.what());
                return RunState::Failed;
            }
        }
        return RunState::Paused;
    }
    const TranslatedBlock* now = cache_->blockAtHost(pc);
    if (!now) {
        leave(step_done_);
        fail("host step left the translated code at pc " + hex32(static_cast<uint32_t>(pc)));
        return RunState::Failed;
    }
    if (pc == CodeCache::entryOf(*now) || now != &block) {
        // A chained branch or a lookup-table hit entered a block: the one before is complete.
        guest_instructions_ += size - std::min(size, step_done_);
        step_block_ = now;
        step_done_ = 0;
        step_charged_ = false;
        eip_ = now->guest_start;
    } else {
        const uint32_t done = progressAt(block, pc, step_done_);
        if (done > step_done_) guest_instructions_ += done - step_done_;
        step_done_ = std::max(step_done_, done);
        if (step_done_ < size) eip_ = block.insns[step_done_].address;
    }
    step_pc_ = pc;
    return RunState::Paused;
}

RunState DbtEngine::stepGuest() {
    pause_requested_ = false;
    RunState s = stepHost();
    auto atBoundary = [this] {
        if (!step_pc_ || !step_block_ || *step_pc_ < step_block_->host_start) return false;
        const uint64_t word = (*step_pc_ - step_block_->host_start) / 4;
        for (const InsnMapping& m : step_block_->map)
            if (m.arm64_count && m.arm64_first == word) return true;
        return false;
    };
    while (s == RunState::Paused && !atBoundary() && !pause_requested_.load(std::memory_order_relaxed)) s = stepHost();
    return s;
}

std::optional<HostPosition> DbtEngine::hostPosition() const {
    if (!step_pc_ || !step_block_) return std::nullopt;
    HostPosition p;
    p.block = step_block_;
    p.pc = *step_pc_;
    const uint64_t word = p.pc < step_block_->host_start ? 0 : (p.pc - step_block_->host_start) / 4;
    if (p.pc < step_block_->host_start || word < step_block_->prologue_words) p.guest_index = -1;
    else if (word >= step_block_->body_words) p.guest_index = -2;
    else p.guest_index = static_cast<int>(progressAt(*step_block_, p.pc, 0));
    return p;
}

Arm64Registers DbtEngine::hostRegisters() const {
    Arm64Registers r;
    for (unsigned i = 0; i < 31; ++i) r.x[i] = reg(xReg(i));
    r.pc = step_pc_ ? *step_pc_ : reg(UC_ARM64_REG_PC);
    r.nzcv = reg(UC_ARM64_REG_NZCV);
    return r;
}

std::vector<uint32_t> DbtEngine::liveCode(const TranslatedBlock& block) const {
    std::vector<uint32_t> words(kHitPreambleWords + block.code.size());
    if (uc_mem_read(uc_.get(), CodeCache::entryOf(block), words.data(), words.size() * 4) != UC_ERR_OK) return {};
    return words;
}

std::vector<DbtBlockStats> DbtEngine::blockStats() const {
    std::vector<DbtBlockStats> out;
    for (const TranslatedBlock* b : cache_->blocks())
        out.push_back({b->guest_start, static_cast<uint32_t>(b->insns.size()), b->body_words, cache_->hits(*b)});
    return out;
}

void DbtEngine::pause() { pause_requested_ = true; }

RunState DbtEngine::setState(RunState s) {
    std::lock_guard lock(mutex_);
    if (state_ != RunState::Failed && state_ != RunState::Finished) state_ = s;
    return state_;
}

void DbtEngine::fail(const std::string& line) {
    events().append("fault", line);
    std::lock_guard lock(mutex_);
    state_ = RunState::Failed;
    failure_ = line;
}

// ---- hooks (emulation thread) ----

void DbtEngine::onInterrupt(uc_engine* uc, uint32_t intno, void* self) {
    auto& e = *static_cast<DbtEngine*>(self);
    e.helper_exits_.fetch_add(1, std::memory_order_relaxed);
    if (intno != kExcpSwi) {
        e.memory_fault_ = "unexpected ARM64 exception in translated code (number " + std::to_string(intno);
        uc_emu_stop(uc);
        return;
    }
    // Which helper: the svc's immediate (bits 5..20 of the instruction word before pc).
    uint32_t word = 0;
    uc_mem_read(uc, e.reg(UC_ARM64_REG_PC) - 4, &word, 4);
    const auto immediate = static_cast<uint16_t>(word >> 5);
    if (immediate != static_cast<uint16_t>(HelperKind::Syscall)) {
        e.serveHelper(immediate);
        return;
    }
    SyscallRequest request;
    request.number = static_cast<uint32_t>(e.reg(xReg(0)));
    const unsigned order[6] = {3, 1, 2, 6, 7, 5};  // ebx ecx edx esi edi ebp
    for (size_t i = 0; i < 6; ++i) request.args[i] = static_cast<uint32_t>(e.reg(xReg(order[i])));
    const SyscallOutcome outcome = e.syscalls_->handle(request);
    if (outcome.exited) {
        {
            std::lock_guard lock(e.mutex_);
            e.exit_code_ = outcome.exit_code;
        }
        // int 0x80 is always the last instruction of its block (translator.cpp).
        const TranslatedBlock* b = e.cache_->blockAtHost(e.reg(UC_ARM64_REG_PC) - 4);
        e.exit_eip_ = b && !b->insns.empty() ? b->insns.back().next() : 0;
        e.exited_in_hook_ = true;
        uc_emu_stop(uc);
        return;
    }
    e.setReg(xReg(0), outcome.result);
}

void DbtEngine::serveHelper(uint16_t immediate) {
    const auto kind = static_cast<HelperKind>(immediate & 0xFF);
    const auto size = static_cast<uint8_t>(immediate >> 8);
    const uint64_t pc = reg(UC_ARM64_REG_PC) - 4;
    auto stop = [&](const std::string& why_prefix) {
        uint64_t not_run = 0;
        hook_fault_eip_ = guestAtHost(pc, &not_run);
        hook_fault_not_run_ = not_run;
        hook_fault_ = why_prefix + describeAt(hook_fault_eip_);
        uc_emu_stop(uc_.get());
    };
    if (kind == HelperKind::LoadSegment || kind == HelperKind::ReadSegment) {
        const bool is_gs = reg(xReg(21)) == 5;
        uint16_t& selector = is_gs ? gs_selector_ : fs_selector_;
        if (kind == HelperKind::ReadSegment) {
            setReg(xReg(20), selector);
            return;
        }
        const auto value = static_cast<uint16_t>(reg(xReg(20)));
        uint32_t base = 0;
        if (value >> 3 != 0) {
            const auto it = tls_bases_.find(value >> 3);
            if (it == tls_bases_.end()) return stop("CPU exception: #GP general protection at ");
            base = it->second;
        }
        selector = value;
        uint64_t bases = reg(xReg(kSegmentBases));
        bases = is_gs ? (bases & ~uint64_t(0xFFFFFFFF)) | base : (bases & 0xFFFFFFFF) | uint64_t(base) << 32;
        setReg(xReg(kSegmentBases), bases);
        return;
    }
    if (kind == HelperKind::PushFlags) {
        const uint32_t eflags = readRegisters().eflags;
        setReg(xReg(20), size == 2 ? eflags & 0xFFFF : eflags);
        return;
    }
    if (kind == HelperKind::PopFlags) {
        // QEMU's gen_popf at CPL 0: the arithmetic flags and DF, plus TF, IF, IOPL, NT, AC, ID
        // (the 16-bit form only the low half of those).
        const auto value = static_cast<uint32_t>(reg(xReg(20)));
        if (value & kTrapFlag) return stop("unsupported instruction popf setting TF (single-step traps) at ");
        const uint32_t mask = size == 2 ? kPopfSystemBits & 0xFFFF : kPopfSystemBits;
        system_flags_ = (system_flags_ & ~mask) | (value & mask);
        const HostFlags out = hostFromEflags(value);
        setReg(UC_ARM64_REG_NZCV, out.nzcv);
        setReg(xReg(kPfSource), out.pf_source);
        setReg(xReg(kAfSource), out.af_source);
        setReg(xReg(kDirection), (value & 0x400) ? 0xFFFFFFFFu : 1u);  // as std/cld set it
        return;
    }
    HelperState state;
    for (unsigned i = 0; i < 8; ++i) state.regs[i] = static_cast<uint32_t>(reg(xReg(i)));
    HostFlags flags;
    flags.nzcv = reg(UC_ARM64_REG_NZCV);
    flags.pf_source = static_cast<uint32_t>(reg(xReg(kPfSource)));
    flags.af_source = static_cast<uint32_t>(reg(xReg(kAfSource)));
    state.eflags = eflagsFromHost(flags);
    for (unsigned i = 0; i < 3; ++i) state.arg[i] = static_cast<uint32_t>(reg(xReg(20 + i)));
    if (runHelper(kind, size, state) == HelperOutcome::DivideError) return stop("CPU exception: #DE divide error at ");
    for (unsigned i = 0; i < 8; ++i) setReg(xReg(i), state.regs[i]);
    setReg(xReg(20), state.arg[0]);
    const HostFlags out = hostFromEflags(state.eflags);
    setReg(UC_ARM64_REG_NZCV, out.nzcv);
    setReg(xReg(kPfSource), out.pf_source);
    setReg(xReg(kAfSource), out.af_source);
}

// ---- self-modifying code ----

bool DbtEngine::pageWasWritable(uint32_t page) const {
    for (const auto& seg : image_.segments)
        if (page + kPageSize > seg.vaddr && page < seg.vaddr + seg.mem_size && !(seg.flags & kSegWrite)) return false;
    return true;
}

void DbtEngine::protectCode(const TranslatedBlock& block) {
    const uint32_t last = std::max(block.guest_end, block.guest_start + 1) - 1;
    for (uint64_t page = block.guest_start & ~(kPageSize - 1); page <= last; page += kPageSize) {
        const auto p = static_cast<uint32_t>(page);
        if (protected_pages_.count(p) || !pageWasWritable(p)) continue;
        if (uc_mem_protect(uc_.get(), kGuestBase + p, kPageSize, UC_PROT_READ) == UC_ERR_OK) protected_pages_.insert(p);
    }
}

void DbtEngine::invalidateCode(uint32_t address, size_t length) {
    if (protected_pages_.empty() || length == 0) return;
    const uint64_t end = uint64_t(address) + length;
    for (uint64_t page = address & ~(kPageSize - 1); page < end; page += kPageSize) {
        const auto p = static_cast<uint32_t>(page);
        if (!protected_pages_.erase(p)) continue;
        cache_->invalidate(p, p + kPageSize);
        uc_mem_protect(uc_.get(), kGuestBase + p, kPageSize, UC_PROT_READ | UC_PROT_WRITE);
    }
    invalidations_.store(cache_->invalidations(), std::memory_order_relaxed);
}

bool DbtEngine::onWriteProtected(uc_engine*, uc_mem_type, uint64_t address, int size, int64_t, void* self) {
    auto& e = *static_cast<DbtEngine*>(self);
    if (address < kGuestBase) return false;
    const uint64_t guest = address - kGuestBase;
    const bool first = e.protected_pages_.count(static_cast<uint32_t>(guest & ~uint64_t(kPageSize - 1))) != 0;
    const bool last = e.protected_pages_.count(static_cast<uint32_t>((guest + size - 1) & ~uint64_t(kPageSize - 1))) != 0;
    if (!first && !last) return false;  // a real write to read-only memory: onBadMemory reports it
    e.invalidateCode(static_cast<uint32_t>(guest), static_cast<size_t>(size));
    return true;  // the page is writable again: the store goes ahead
}

bool DbtEngine::onBadMemory(uc_engine*, uc_mem_type type, uint64_t address, int size, int64_t, void* self) {
    auto& e = *static_cast<DbtEngine*>(self);
    const auto guest = static_cast<uint32_t>(address - kGuestBase);
    e.memory_fault_ = memoryAccessWords(type) + " at " + hex32(guest) + " (" + std::to_string(size) + " bytes";
    return false;
}

uint32_t DbtEngine::guestAtHost(uint64_t pc, uint64_t* not_run) const {
    const TranslatedBlock* b = cache_->blockAtHost(pc);
    if (!b) return eip_;
    const auto word = static_cast<uint32_t>((pc - b->host_start) / 4);
    for (const InsnMapping& m : b->map)
        if (word >= m.arm64_first && word < m.arm64_first + m.arm64_count) {
            *not_run = b->insns.size() - m.x86_index;
            return b->insns[m.x86_index].address;
        }
    return b->guest_start;
}

std::vector<std::string> DbtEngine::listingAt(uint32_t guest) const {
    std::vector<std::string> lines;
    const TranslatedBlock* b = cache_->find(guest);
    if (!b) return lines;
    for (const InsnMapping& m : b->map) {
        const GuestInsn& in = b->insns[m.x86_index];
        lines.push_back(hex32(in.address) + "  " + in.text());
        for (const Instruction& a : arm64_.decode(reinterpret_cast<const uint8_t*>(b->code.data() + m.arm64_first), m.arm64_count * 4,
                                                  static_cast<uint32_t>(b->host_start + m.arm64_first * 4)))
            lines.push_back("      " + a.text());
    }
    return lines;
}

std::string DbtEngine::describeAt(uint32_t address) {
    uint8_t bytes[16];
    Instruction in;
    if (readMemory(address, bytes, sizeof bytes) && x86_.decodeOne(bytes, sizeof bytes, address, in))
        return hex32(address) + ": " + in.text();
    return hex32(address);
}

// ---- SyscallHost ----

bool DbtEngine::readMemory(uint32_t address, void* out, size_t length) {
    return uc_mem_read(uc_.get(), kGuestBase + address, out, length) == UC_ERR_OK;
}
bool DbtEngine::writeMemory(uint32_t address, const void* data, size_t length) {
    invalidateCode(address, length);  // read(2) into code is self-modifying code too
    return uc_mem_write(uc_.get(), kGuestBase + address, data, length) == UC_ERR_OK;
}
bool DbtEngine::mapMemory(uint32_t address, uint32_t length) {
    return uc_mem_map(uc_.get(), kGuestBase + address, length, UC_PROT_READ | UC_PROT_WRITE) == UC_ERR_OK;
}
bool DbtEngine::unmapMemory(uint32_t address, uint32_t length) {
    invalidateCode(address, length);
    return uc_mem_unmap(uc_.get(), kGuestBase + address, length) == UC_ERR_OK;
}
// set_thread_area: the descriptor's base, used when the guest loads its selector into gs/fs
// (the segment-load helper). Limits are not enforced (nor are they by the flat segments).
bool DbtEngine::installTlsSegment(uint32_t entry, uint32_t base, uint32_t, bool) {
    tls_bases_[entry] = base;
    return true;
}

// ---- state ----

uint64_t DbtEngine::reg(int id) const {
    uint64_t v = 0;
    uc_reg_read(uc_.get(), id, &v);
    return v;
}

void DbtEngine::setReg(int id, uint64_t value) { uc_reg_write(uc_.get(), id, &value); }

X86Registers DbtEngine::readRegisters() const {
    X86Registers r;
    uint32_t* out[8] = {&r.eax, &r.ecx, &r.edx, &r.ebx, &r.esp, &r.ebp, &r.esi, &r.edi};
    for (unsigned i = 0; i < 8; ++i) *out[i] = static_cast<uint32_t>(reg(xReg(i)));
    r.eip = eip_;
    HostFlags flags;
    flags.nzcv = reg(UC_ARM64_REG_NZCV);
    flags.pf_source = static_cast<uint32_t>(reg(xReg(kPfSource)));
    flags.af_source = static_cast<uint32_t>(reg(xReg(kAfSource)));
    r.eflags = (eflagsFromHost(flags) & ~kPopfSystemBits) | system_flags_;
    if (static_cast<uint32_t>(reg(xReg(kDirection))) != 1) r.eflags |= 0x400;  // DF
    return r;
}

RunState DbtEngine::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}
int DbtEngine::exitCode() const {
    std::lock_guard lock(mutex_);
    return exit_code_;
}
std::string DbtEngine::failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
}
X86Registers DbtEngine::registers() const {
    std::lock_guard lock(mutex_);
    return registers_;
}
std::string DbtEngine::guestStdout() const { return syscalls_->stdoutText(); }
std::string DbtEngine::guestStderr() const { return syscalls_->stderrText(); }
uint64_t DbtEngine::hostInstructions() const { return host_instructions_.load(); }

double DbtEngine::expansion() const {
    const uint64_t guest = guest_instructions_.load();
    return guest ? static_cast<double>(host_instructions_.load()) / static_cast<double>(guest) : 0.0;
}

Counters DbtEngine::counters() const {
    Counters c = syscalls_->counters();
    c["syscalls"] += 0;
    c["guest_instructions"] = guest_instructions_.load();
    c["blocks"] = blocks_executed_.load();
    c["blocks_translated"] = blocks_translated_.load();
    c["cache_hits"] = cache_hits_.load();
    c["chained_jumps"] = chained_jumps_.load();
    c["cache_flushes"] = cache_flushes_.load();
    c["invalidations"] = invalidations_.load();
    c["helper_exits"] = helper_exits_.load();
    c["host_instructions"] = host_instructions_.load();
    return c;
}

Snapshot DbtEngine::snapshot() const {
    Snapshot s;
    s.console = syscalls_->stdoutText();
    std::lock_guard lock(mutex_);
    s.registers = registers_.named();
    s.listing = listing_;
    return s;
}

}  // namespace vl::emu
