// The runtime's translation cache, inside the ARM64 CPU's memory: translated blocks keyed by
// guest address, placed one after another in a bounded code region (kCodeCacheSize; when it
// is full everything is flushed, as QEMU's tb_flush does), the indirect-branch lookup table
// the translated code probes itself, and chaining: a block's exit branch rewritten in place
// to go straight to its target's translation, so chained code never leaves Unicorn.
//
// Hit counts: every block is entered through a four-word counting preamble placed just
// before its translation (the block's "entry"), which adds one to the block's own 64-bit
// counter in a data region addressed from x27 -- the per-block counter QEMU's TCG plugins
// inline. Chained branches, the lookup table and the dispatcher all enter there, so the count
// is exact: every execution of the block, however it was reached. The preamble is
// instrumentation, not translation: it is not part of the block's code or of body_words.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {

// The hit counters: one 64-bit word per translated block, right after the lookup table, so
// the preamble reaches them from x27 (host_abi.h kLookupBase) with one add and an offset.
inline constexpr uint64_t kHitCounterAddress = kLookupAddress + 0x10000;
inline constexpr uint64_t kHitCounterBytes = 8ull << 20;  // a million blocks between flushes
inline constexpr uint32_t kHitPreambleWords = 4;

class CodeCache {
public:
    // Maps the code region, the exit page, the lookup table and the hit counters into `uc`.
    // With count_hits false the preamble is nops (same layout) and hits() is always 0.
    CodeCache(uc_engine* uc, bool count_hits);

    // Where execution of `block` starts: its counting preamble (every branch into a block,
    // and the dispatcher, goes there).
    static uint64_t entryOf(const TranslatedBlock& block) { return block.host_start - kHitPreambleWords * 4; }
    // How many times `block` was entered since it was translated.
    uint64_t hits(const TranslatedBlock& block) const;
    // Takes back a count the preamble made for an entry that then left before running any of
    // the block (the budget exit in its prologue).
    void uncount(const TranslatedBlock& block);

    const TranslatedBlock* find(uint32_t guest_address) const;
    // The block whose code contains host address `pc`, if any.
    const TranslatedBlock* blockAtHost(uint64_t pc) const;

    // Where the next block's code will go (after its preamble); flushes first when `words`
    // would not fit, or when every hit counter is taken.
    uint64_t reserve(size_t words);
    // Copies the block's code into the CPU's memory, publishes it in the lookup table, and
    // chains at once every direct branch between it and blocks already in the cache (both
    // ways), so most branches never take the exit path even once.
    const TranslatedBlock& insert(TranslatedBlock block);
    // Re-points the branch at host address `site` to `target`'s entry.
    void chain(uint64_t site, const TranslatedBlock& target);
    void flush();
    // Self-modifying code: retires every block whose guest bytes overlap [begin, end). A retired
    // block leaves the guest-address index and the lookup table, and every branch chained into
    // it is restored to its exit stub, so the next arrival translates the new bytes. Its code
    // stays in place (a block that wrote into itself finishes running) until the next flush.
    // Returns how many blocks were retired.
    size_t invalidate(uint32_t begin, uint32_t end);

    size_t blockCount() const { return by_guest_.size(); }
    uint64_t chains() const { return chains_; }
    uint64_t invalidations() const { return invalidations_; }
    uint64_t flushes() const { return flushes_; }
    uint64_t bytesUsed() const { return cursor_ - kCodeCacheAddress; }
    // Every block, in guest address order (for listings).
    std::vector<const TranslatedBlock*> blocks() const;

private:
    void writeLookupEntry(uint32_t index, uint64_t guest, uint64_t host);
    void chainTo(uint64_t site, uint64_t entry);
    uint64_t counterAddress(const TranslatedBlock& block) const;

    bool count_hits_;
    uc_engine* uc_;
    uint64_t cursor_ = kCodeCacheAddress;
    uint64_t flushes_ = 0;
    uint64_t chains_ = 0;
    uint64_t invalidations_ = 0;
    // Chained branches by the block (host_start) they lead into: what invalidate() restores.
    std::unordered_multimap<uint64_t, uint64_t> incoming_;
    std::vector<std::unique_ptr<TranslatedBlock>> retired_;
    // Direct-branch sites whose target has no translation yet: target guest address -> site.
    std::unordered_multimap<uint32_t, uint64_t> pending_;
    std::unordered_map<uint32_t, std::unique_ptr<TranslatedBlock>> by_guest_;
    std::map<uint64_t, const TranslatedBlock*> by_host_;  // by entry address
    // Hit counter slot of every block translated since the last flush (retired ones included).
    std::unordered_map<const TranslatedBlock*, uint32_t> counter_slot_;
    uint32_t next_slot_ = 0;
};

}  // namespace vl::emu::dbt
