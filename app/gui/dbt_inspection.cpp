#include "app/gui/dbt_inspection.h"

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
    latest_ = std::move(inspection);
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

RunState InspectedDbtEngine::run(uint64_t budget) {
    const RunState state = emu::DbtEngine::run(budget);
    publish();
    return state;
}

void InspectedDbtEngine::reset() {
    emu::DbtEngine::reset();
    listed_.clear();
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
    inspection.valid = true;
    channel_->publish(std::move(inspection));
}

}  // namespace vl::gui
