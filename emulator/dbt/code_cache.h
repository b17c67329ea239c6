// The runtime's translation cache, inside the ARM64 CPU's memory: translated blocks keyed by
// guest address, placed one after another in a bounded code region (kCodeCacheSize; when it
// is full everything is flushed, as QEMU's tb_flush does), the indirect-branch lookup table
// the translated code probes itself, and chaining: a block's exit branch rewritten in place
// to go straight to its target's translation, so chained code never leaves Unicorn.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {

class CodeCache {
public:
    // Maps the code region, the exit page and the lookup table into `uc`.
    explicit CodeCache(uc_engine* uc);

    const TranslatedBlock* find(uint32_t guest_address) const;
    // The block whose code contains host address `pc`, if any.
    const TranslatedBlock* blockAtHost(uint64_t pc) const;

    // Where the next block's code will go; flushes first when `words` would not fit.
    uint64_t reserve(size_t words);
    // Copies the block's code into the CPU's memory, publishes it in the lookup table, and
    // chains at once every direct branch between it and blocks already in the cache (both
    // ways), so most branches never take the exit path even once.
    const TranslatedBlock& insert(TranslatedBlock block);
    // Re-points the branch at host address `site` to `target` (a block's host_start).
    void chain(uint64_t site, uint64_t target);
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
    std::map<uint64_t, const TranslatedBlock*> by_host_;
};

}  // namespace vl::emu::dbt
