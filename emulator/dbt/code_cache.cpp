#include "emulator/dbt/code_cache.h"

#include "core/error.h"

namespace vl::emu::dbt {
namespace {

void check(uc_err err, const char* what) {
    if (err != UC_ERR_OK) throw Error(Error::Kind::System, std::string("unicorn arm64: ") + what + ": " + uc_strerror(err));
}

constexpr uint64_t kLookupBytes = uint64_t(kLookupEntries) * 16;

}  // namespace

CodeCache::CodeCache(uc_engine* uc) : uc_(uc) {
    check(uc_mem_map(uc_, kCodeCacheAddress, kCodeCacheSize, UC_PROT_READ | UC_PROT_EXEC), "map the code cache");
    check(uc_mem_map(uc_, kLookupAddress, kLookupBytes, UC_PROT_READ), "map the lookup table");
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

uint64_t CodeCache::reserve(size_t words) {
    if (cursor_ + words * 4 > kCodeCacheAddress + kCodeCacheSize) flush();
    return cursor_;
}

const TranslatedBlock& CodeCache::insert(TranslatedBlock block) {
    if (block.host_start != cursor_) throw std::logic_error("dbt: block translated for another cache position");
    check(uc_mem_write(uc_, block.host_start, block.code.data(), block.code.size() * 4), "write translated code");
    cursor_ += block.code.size() * 4;
    auto owned = std::make_unique<TranslatedBlock>(std::move(block));
    const TranslatedBlock& b = *owned;
    writeLookupEntry(b.guest_start % kLookupEntries, b.guest_start, b.host_start);
    by_host_[b.host_start] = &b;
    by_guest_[b.guest_start] = std::move(owned);
    for (const ChainSite& c : b.chain_sites) {
        const uint64_t site = b.host_start + uint64_t(c.word_index) * 4;
        if (const TranslatedBlock* target = find(c.guest_target)) chain(site, target->host_start);
        else pending_.emplace(c.guest_target, site);
    }
    const auto [first, last] = pending_.equal_range(b.guest_start);
    std::vector<uint64_t> waiting;
    for (auto it = first; it != last; ++it) waiting.push_back(it->second);
    pending_.erase(b.guest_start);
    for (uint64_t site : waiting) chain(site, b.host_start);
    return b;
}

void CodeCache::chain(uint64_t site, uint64_t target) {
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

void CodeCache::flush() {
    pending_.clear();
    by_guest_.clear();
    by_host_.clear();
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
