#include "emulator/dbt/code_cache.h"

#include <algorithm>

#include "core/error.h"

namespace vl::emu::dbt {
namespace {

void check(uc_err err, const char* what) {
    if (err != UC_ERR_OK) throw Error(Error::Kind::System, std::string("unicorn arm64: ") + what + ": " + uc_strerror(err));
}

constexpr uint64_t kLookupBytes = uint64_t(kLookupEntries) * 16;
static_assert(kHitCounterAddress >= kLookupAddress + kLookupBytes, "hit counters overlap the lookup table");
static_assert(kHitCounterAddress + kHitCounterBytes <= kExitAddress, "hit counters overlap the exit page");
// The preamble's `add x9, x27, #hi, lsl #12` reaches 16 MiB past the lookup table.
static_assert(kHitCounterAddress + kHitCounterBytes - kLookupAddress <= (uint64_t(4095) << 12), "hit counters out of reach");
constexpr uint32_t kCounterSlots = static_cast<uint32_t>(kHitCounterBytes / 8);
// Scratch registers of the preamble: free at every block entry (host_abi.h kScratch).
constexpr A64Reg kCounterAddressReg = 9, kCounterValueReg = 10;

// add x9, x27, #hi, lsl #12; ldr x10, [x9, #lo]; add x10, x10, #1; str x10, [x9, #lo]. Leaves
// NZCV alone (it holds live guest flags at a block entry).
std::vector<uint32_t> countingPreamble(uint64_t at, uint64_t counter) {
    const uint64_t offset = counter - kLookupAddress;
    const auto low = static_cast<uint32_t>(offset & 0xFFF);
    A64Emitter e(at);
    e.addImm(Width::X, kCounterAddressReg, kLookupBase, static_cast<uint32_t>(offset >> 12), true);
    e.ldrImm(MemSize::Dword, kCounterValueReg, kCounterAddressReg, low);
    e.addImm(Width::X, kCounterValueReg, kCounterValueReg, 1);
    e.strImm(MemSize::Dword, kCounterValueReg, kCounterAddressReg, low);
    return e.words();
}

}  // namespace

CodeCache::CodeCache(uc_engine* uc, bool count_hits) : count_hits_(count_hits), uc_(uc) {
    check(uc_mem_map(uc_, kCodeCacheAddress, kCodeCacheSize, UC_PROT_READ | UC_PROT_EXEC), "map the code cache");
    check(uc_mem_map(uc_, kLookupAddress, kLookupBytes, UC_PROT_READ), "map the lookup table");
    check(uc_mem_map(uc_, kHitCounterAddress, kHitCounterBytes, UC_PROT_READ | UC_PROT_WRITE), "map the hit counters");
    // Execution stops when it reaches kExitAddress (uc_emu_start's `until`), before any
    // instruction there runs; the page holds brk instructions in case that ever changes.
    check(uc_mem_map(uc_, kExitAddress, 0x1000, UC_PROT_READ | UC_PROT_EXEC), "map the exit page");
    const std::vector<uint32_t> brk(0x400, 0xD4200000u);
    uc_mem_write(uc_, kExitAddress, brk.data(), brk.size() * 4);
    flush();
    flushes_ = 0;
}

const TranslatedBlock* CodeCache::find(uint32_t guest) const {
    const auto it = by_guest_.find(guest);
    return it == by_guest_.end() ? nullptr : it->second.get();
}

const TranslatedBlock* CodeCache::blockAtHost(uint64_t pc) const {
    auto it = by_host_.upper_bound(pc);
    if (it == by_host_.begin()) return nullptr;
    --it;
    const TranslatedBlock* b = it->second;
    return pc < b->host_start + b->code.size() * 4 ? b : nullptr;
}

uint64_t CodeCache::counterAddress(const TranslatedBlock& block) const {
    const auto it = counter_slot_.find(&block);
    return it == counter_slot_.end() ? 0 : kHitCounterAddress + uint64_t(it->second) * 8;
}

uint64_t CodeCache::hits(const TranslatedBlock& block) const {
    uint64_t count = 0;
    if (const uint64_t at = counterAddress(block)) uc_mem_read(uc_, at, &count, sizeof count);
    return count;
}

void CodeCache::uncount(const TranslatedBlock& block) {
    const uint64_t at = counterAddress(block);
    if (!at) return;
    uint64_t count = hits(block);
    if (count == 0) return;
    --count;
    check(uc_mem_write(uc_, at, &count, sizeof count), "correct a hit counter");
}

uint64_t CodeCache::reserve(size_t words) {
    if (cursor_ + (kHitPreambleWords + words) * 4 > kCodeCacheAddress + kCodeCacheSize || next_slot_ == kCounterSlots) flush();
    return cursor_ + kHitPreambleWords * 4;
}

const TranslatedBlock& CodeCache::insert(TranslatedBlock block) {
    if (block.host_start != cursor_ + kHitPreambleWords * 4 || next_slot_ == kCounterSlots)
        throw std::logic_error("dbt: block translated for another cache position");
    const uint32_t slot = next_slot_++;
    const uint64_t counter = kHitCounterAddress + uint64_t(slot) * 8;
    const uint64_t zero = 0;
    check(uc_mem_write(uc_, counter, &zero, sizeof zero), "clear a hit counter");
    constexpr uint32_t kNop = 0xD503201F;
    const std::vector<uint32_t> preamble =
        count_hits_ ? countingPreamble(cursor_, counter) : std::vector<uint32_t>(kHitPreambleWords, kNop);
    check(uc_mem_write(uc_, cursor_, preamble.data(), preamble.size() * 4), "write a counting preamble");
    cursor_ += (kHitPreambleWords + block.code.size()) * 4;
    auto owned = std::make_unique<TranslatedBlock>(std::move(block));
    const TranslatedBlock& b = *owned;
    counter_slot_[&b] = slot;
    by_host_[entryOf(b)] = &b;
    by_guest_[b.guest_start] = std::move(owned);
    // The block's own branches to blocks already here are chained in the words before they go
    // into the CPU's memory: code that never ran has no Unicorn translation to drop, which
    // saves a uc_ctl_remove_cache per site (glibc's start-up chains thousands). b.code keeps
    // the unchained words, which invalidate() restores.
    std::vector<uint32_t> image = b.code;
    for (const ChainSite& c : b.chain_sites) {
        const uint64_t site = b.host_start + uint64_t(c.word_index) * 4;
        const TranslatedBlock* target = find(c.guest_target);
        if (!target) {
            pending_.emplace(c.guest_target, site);
            continue;
        }
        image[c.word_index] = A64Emitter::encodeB(site, entryOf(*target));
        if (c.shortcut_word >= 0) {
            const uint64_t from = b.host_start + uint64_t(c.shortcut_word) * 4;
            if (const auto shortcut = A64Emitter::retarget(b.code[static_cast<size_t>(c.shortcut_word)], from, entryOf(*target)))
                image[static_cast<size_t>(c.shortcut_word)] = *shortcut;
        }
        ++chains_;
        incoming_.emplace(target->host_start, site);
    }
    check(uc_mem_write(uc_, b.host_start, image.data(), image.size() * 4), "write translated code");
    writeLookupEntry(b.guest_start % kLookupEntries, b.guest_start, entryOf(b));
    const auto [first, last] = pending_.equal_range(b.guest_start);
    std::vector<uint64_t> waiting;
    for (auto it = first; it != last; ++it) waiting.push_back(it->second);
    pending_.erase(b.guest_start);
    for (uint64_t site : waiting) chain(site, b);
    return b;
}

void CodeCache::chain(uint64_t site, const TranslatedBlock& target) {
    incoming_.emplace(target.host_start, site);
    chainTo(site, entryOf(target));
}

void CodeCache::chainTo(uint64_t site, uint64_t target) {
    const uint32_t word = A64Emitter::encodeB(site, target);
    check(uc_mem_write(uc_, site, &word, 4), "patch a chained branch");
    ++chains_;
    // Unicorn keeps its own translation of the branch: drop it so the patch takes effect.
    uc_ctl_remove_cache(uc_, site, site + 4);
    const TranslatedBlock* b = blockAtHost(site);
    if (!b) return;
    for (const ChainSite& c : b->chain_sites) {
        if (b->host_start + uint64_t(c.word_index) * 4 != site || c.shortcut_word < 0) continue;
        const uint64_t from = b->host_start + uint64_t(c.shortcut_word) * 4;
        if (const auto shortcut = A64Emitter::retarget(b->code[static_cast<size_t>(c.shortcut_word)], from, target)) {
            check(uc_mem_write(uc_, from, &*shortcut, 4), "patch a conditional branch");
            uc_ctl_remove_cache(uc_, from, from + 4);
        }
    }
}

size_t CodeCache::invalidate(uint32_t begin, uint32_t end) {
    std::vector<uint32_t> doomed;
    for (const auto& [guest, block] : by_guest_)
        if (block->guest_start < end && std::max(block->guest_end, block->guest_start + 1) > begin) doomed.push_back(guest);
    for (uint32_t guest : doomed) {
        auto node = by_guest_.extract(guest);
        std::unique_ptr<TranslatedBlock>& b = node.mapped();
        const uint32_t index = b->guest_start % kLookupEntries;
        writeLookupEntry(index, ~uint64_t(0), 0);
        // Every branch chained into it goes back to its original word: the exit stub.
        const auto [first, last] = incoming_.equal_range(b->host_start);
        for (auto it = first; it != last; ++it) {
            const uint64_t site = it->second;
            const TranslatedBlock* owner = blockAtHost(site);
            if (!owner) continue;
            const auto word_index = static_cast<size_t>((site - owner->host_start) / 4);
            std::vector<uint64_t> words{site};
            for (const ChainSite& c : owner->chain_sites)
                if (c.word_index == word_index && c.shortcut_word >= 0) words.push_back(owner->host_start + uint64_t(c.shortcut_word) * 4);
            for (uint64_t w : words) {
                const uint32_t original = owner->code[static_cast<size_t>((w - owner->host_start) / 4)];
                check(uc_mem_write(uc_, w, &original, 4), "unchain a branch");
                uc_ctl_remove_cache(uc_, w, w + 4);
            }
            // Arriving there again goes through the dispatcher, which chains to the new code.
            pending_.emplace(b->guest_start, site);
        }
        incoming_.erase(b->host_start);
        retired_.push_back(std::move(b));
        ++invalidations_;
    }
    return doomed.size();
}

void CodeCache::flush() {
    incoming_.clear();
    retired_.clear();
    pending_.clear();
    by_guest_.clear();
    by_host_.clear();
    counter_slot_.clear();
    next_slot_ = 0;
    // Guest addresses are 32-bit, so an all-ones tag never matches.
    std::vector<uint64_t> empty(kLookupEntries * 2);
    for (size_t i = 0; i < empty.size(); i += 2) empty[i] = ~uint64_t(0);
    check(uc_mem_write(uc_, kLookupAddress, empty.data(), kLookupBytes), "clear the lookup table");
    if (cursor_ != kCodeCacheAddress) uc_ctl_remove_cache(uc_, kCodeCacheAddress, cursor_);
    cursor_ = kCodeCacheAddress;
    ++flushes_;
}

void CodeCache::writeLookupEntry(uint32_t index, uint64_t guest, uint64_t host) {
    const uint64_t entry[2] = {guest, host};
    check(uc_mem_write(uc_, kLookupAddress + uint64_t(index) * 16, entry, sizeof entry), "write the lookup table");
}

std::vector<const TranslatedBlock*> CodeCache::blocks() const {
    std::map<uint32_t, const TranslatedBlock*> ordered;
    for (const auto& [guest, block] : by_guest_) ordered[guest] = block.get();
    std::vector<const TranslatedBlock*> out;
    for (const auto& [guest, block] : ordered) out.push_back(block);
    return out;
}

}  // namespace vl::emu::dbt
