#include "app/gui/dbt_inspection.h"

#include <algorithm>

#include "emulator/dbt/code_cache.h"
#include "emulator/dbt/host_abi.h"

namespace vl::gui {

double BlockListing::expansion() const {
    return pairs.empty() ? 0.0 : static_cast<double>(body_words) / static_cast<double>(pairs.size());
}

const BlockListing* DbtInspection::blockAt(uint32_t guest) const {
    for (const auto& b : blocks)
        if (b->guest_start == guest) return b.get();
    return nullptr;
}

void DbtInspectionChannel::publish(DbtInspection inspection) {
    std::lock_guard lock(mutex_);
    inspection.serial = ++serial_;
    latest_ = std::move(inspection);
}

uint64_t DbtInspectionChannel::latestSerial() const {
    std::lock_guard lock(mutex_);
    return serial_;
}

DbtInspection DbtInspectionChannel::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

QString flagNames(uint8_t bits) {
    static const char* const kNames[] = {"CF", "PF", "AF", "ZF", "SF", "OF"};  // FlagBit order
    QStringList names;
    for (int i = 0; i < 6; ++i)
        if (bits & (1u << i)) names << kNames[i];
    return names.join(' ');
}

InspectedDbtEngine::InspectedDbtEngine(emu::GuestImage image, std::shared_ptr<DbtInspectionChannel> channel)
    : emu::DbtEngine(std::move(image)), channel_(std::move(channel)) {
    publish();
}

namespace {
// Guest instructions between publications during a long run: a few tenths of a second at the
// translator's speed, so the pane's cache view moves several times a second without the
// publications (a copy of the block list, one counter read per block) costing the run much.
constexpr uint64_t kLiveChunk = 20'000'000;
}  // namespace

RunState InspectedDbtEngine::run(uint64_t budget) {
    pause_requested_ = false;
    switch (channel_->takeStepRequest()) {
    case DbtInspectionChannel::Step::Guest: {
        const RunState state = stepGuest();
        publish();
        return state;
    }
    case DbtInspectionChannel::Step::Host: {
        const RunState state = stepHost();
        publish();
        return state;
    }
    case DbtInspectionChannel::Step::None: break;
    }
    const uint64_t start = guestInstructions();
    for (;;) {
        const uint64_t done = guestInstructions() - start;
        const uint64_t chunk = budget ? std::min(kLiveChunk, budget - done) : kLiveChunk;
        const RunState state = emu::DbtEngine::run(chunk);
        publish();
        if (state != RunState::Paused || pause_requested_ || (budget && guestInstructions() - start >= budget)) return state;
    }
}

void InspectedDbtEngine::pause() {
    pause_requested_ = true;
    emu::DbtEngine::pause();
}

void InspectedDbtEngine::reset() {
    emu::DbtEngine::reset();
    listed_.clear();
    last_host_registers_.reset();
    publish();
}

std::shared_ptr<const BlockListing> InspectedDbtEngine::listingOf(const emu::dbt::TranslatedBlock& b) {
    auto& slot = listed_[{b.guest_start, b.host_start}];
    if (slot) return slot;
    auto arm = [&](uint32_t first, uint32_t count) {
        QStringList lines;
        for (const auto& in : arm64_.decode(reinterpret_cast<const uint8_t*>(b.code.data() + first), count * 4u,
                                            static_cast<uint32_t>(b.host_start + first * 4u)))
            lines << QString::fromStdString(in.text());
        return lines;
    };
    auto listing = std::make_shared<BlockListing>();
    listing->guest_start = b.guest_start;
    listing->guest_end = b.guest_end;
    listing->host_start = b.host_start;
    listing->body_words = b.body_words;
    listing->prologue = arm(0, b.prologue_words);
    for (const auto& m : b.map) {
        const auto& g = b.insns[m.x86_index];
        PairedInstruction pair;
        pair.address = g.address;
        pair.x86 = QString::fromStdString(g.text());
        pair.arm64 = arm(m.arm64_first, m.arm64_count);
        pair.flags_computed = flagNames(b.flags_computed[m.x86_index]);
        pair.flags_skipped = flagNames(b.flags_skipped[m.x86_index]);
        listing->pairs.push_back(std::move(pair));
    }
    for (const auto& site : b.chain_sites) listing->branch_targets.push_back(site.guest_target);
    if (b.stop_message) listing->stop_message = QString::fromStdString(*b.stop_message);
    slot = std::move(listing);
    return slot;
}

void InspectedDbtEngine::publish() {
    DbtInspection inspection;
    std::map<std::pair<uint32_t, uint64_t>, std::shared_ptr<const BlockListing>> still_cached;
    for (const emu::dbt::TranslatedBlock* b : translatedBlocks()) {
        inspection.blocks.push_back(listingOf(*b));
        still_cached.emplace(std::pair{b->guest_start, b->host_start}, inspection.blocks.back());
    }
    listed_.swap(still_cached);  // retired and flushed translations are forgotten
    inspection.registers = registers();
    try {
        inspection.live_flags = flagsLiveAt(inspection.registers.eip);
    } catch (const std::exception&) {
        // No code at eip (the program has ended, or jumped nowhere): every flag counts as live.
    }
    for (const emu::DbtBlockStats& b : blockStats()) inspection.hits[b.guest_address] = b.hits;
    inspection.counters = counters();
    inspection.host = hostStepView();
    inspection.valid = true;
    channel_->publish(std::move(inspection));
}

HostStepView InspectedDbtEngine::hostStepView() {
    HostStepView view;
    view.registers = hostRegisters();
    view.before = last_host_registers_.value_or(view.registers);
    last_host_registers_ = view.registers;
    const std::optional<emu::HostPosition> at = hostPosition();
    const emu::dbt::TranslatedBlock* block = at ? at->block : nullptr;
    if (at) {
        view.pc = at->pc;
        view.guest_index = at->guest_index;
    } else {  // between blocks: show the one the dispatcher enters next, if it is translated
        for (const emu::dbt::TranslatedBlock* b : translatedBlocks())
            if (b->guest_start == registers().eip) block = b;
    }
    if (!block) return view;
    view.block = block->guest_start;
    view.has_block = true;
    const std::vector<uint32_t> words = liveCode(*block);
    const uint64_t entry = emu::dbt::CodeCache::entryOf(*block);
    const auto decoded = arm64_.decode(reinterpret_cast<const uint8_t*>(words.data()), words.size() * 4, static_cast<uint32_t>(entry));
    // One line per word (Capstone stops at a word it cannot decode: such words read ".word").
    std::map<uint64_t, QString> text;
    for (const auto& in : decoded) text[in.address] = QString::fromStdString(in.text());
    for (size_t i = 0; i < words.size(); ++i) {
        HostWord w;
        w.address = entry + i * 4;
        const auto it = text.find(w.address);
        w.text = it != text.end() ? it->second : QStringLiteral(".word 0x%1").arg(words[i], 8, 16, QLatin1Char('0'));
        if (i < emu::dbt::kHitPreambleWords) {
            w.role = HostWord::Role::Counter;
        } else {
            const size_t word = i - emu::dbt::kHitPreambleWords;
            if (word < block->prologue_words) w.role = HostWord::Role::Prologue;
            else if (word >= block->body_words) w.role = HostWord::Role::Stub;
            else
                for (const auto& m : block->map)
                    if (word >= m.arm64_first && word < m.arm64_first + m.arm64_count) w.guest_index = static_cast<int>(m.x86_index);
        }
        view.words.push_back(std::move(w));
    }
    return view;
}

}  // namespace vl::gui
