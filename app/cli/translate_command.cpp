// `virtlab translate FILE`: what the translator made of a program, block by block. The program
// is run on the DBT (so the blocks are the ones that really executed, with their real
// boundaries), then every translated block is listed: each x86 instruction beside the AArch64
// instructions it became, grouped so a viewer can colour the pairs, with the flags each
// instruction computed and those the liveness pass found dead and skipped.
#include <QJsonArray>
#include <QJsonObject>

#include <cstdio>
#include <string>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/json.h"
#include "emulator/dbt/dbt_engine.h"
#include "emulator/disassembler.h"
#include "emulator/guest_loader.h"

namespace vl::cli {
namespace {

constexpr uint64_t kDefaultMaxInstructions = 200'000'000;

std::string flagNames(uint8_t bits) {
    static const char* names[] = {"CF", "PF", "AF", "ZF", "SF", "OF"};
    std::string out;
    for (int i = 0; i < 6; ++i)
        if (bits & (1u << i)) out += (out.empty() ? "" : " ") + std::string(names[i]);
    return out;
}

std::vector<emu::Instruction> armListing(const emu::dbt::TranslatedBlock& b, uint32_t first, uint32_t count) {
    static const emu::Disassembler arm(emu::Disassembler::Arch::AArch64);
    return arm.decode(reinterpret_cast<const uint8_t*>(b.code.data() + first), count * 4,
                      static_cast<uint32_t>(b.host_start + first * 4));
}

int runTranslate(const Args& args) {
    ArgParser parser("virtlab translate FILE [options]",
                     "Runs an i386 program on VirtLab's x86 -> AArch64 translator and lists every translated\n"
                     "block: the x86 instructions, the AArch64 instructions each one became, which flags it\n"
                     "computed and which it skipped as dead, and the expansion (AArch64 per x86 instruction).");
    parser.positional("FILE", "program: x.asm, a flat binary, or a static i386 ELF")
        .option("--max-insns", "N", "stop the run after about N guest instructions", std::to_string(kDefaultMaxInstructions))
        .flag("--json", "print one JSON object instead of text");
    if (!parser.parse(args)) return 0;
    const emu::GuestImage image = emu::loadGuest(parser.positionalValue("FILE"));
    emu::EmulationOptions options;
    options.max_instructions = parser.unsignedValue("--max-insns", kDefaultMaxInstructions);
    emu::DbtEngine engine(image, options);
    const RunState state = engine.run();
    const bool json = parser.has("--json");

    uint64_t x86_total = 0, arm_total = 0;
    QJsonArray blocks_json;
    for (const emu::dbt::TranslatedBlock* b : engine.translatedBlocks()) {
        x86_total += b->insns.size();
        arm_total += b->body_words;
        QJsonArray x86, arm64, map, flags;
        const auto prologue = armListing(*b, 0, b->prologue_words);
        for (const auto& in : prologue) arm64.append(qs(in.text()));
        if (!json)
            std::printf("block %s: %zu x86 -> %u AArch64 instructions\n  (prologue: budget check and counters)\n",
                        emu::hex32(b->guest_start).c_str(), b->insns.size(), b->body_words);
        if (!json)
            for (const auto& in : prologue) std::printf("      %s\n", in.text().c_str());
        for (const auto& m : b->map) {
            const auto& g = b->insns[m.x86_index];
            x86.append(qs(emu::hex32(g.address) + ": " + g.text()));
            const auto arm = armListing(*b, m.arm64_first, m.arm64_count);
            for (const auto& in : arm) arm64.append(qs(in.text()));
            map.append(QJsonArray{static_cast<qint64>(m.x86_index), static_cast<qint64>(m.arm64_first),
                                  static_cast<qint64>(m.arm64_count)});
            QJsonObject f;
            f.insert("computed", qs(flagNames(b->flags_computed[m.x86_index])));
            f.insert("skipped", qs(flagNames(b->flags_skipped[m.x86_index])));
            flags.append(f);
            if (json) continue;
            std::string note;
            if (b->flags_computed[m.x86_index]) note += "  flags " + flagNames(b->flags_computed[m.x86_index]);
            if (b->flags_skipped[m.x86_index]) note += "  skipped (dead) " + flagNames(b->flags_skipped[m.x86_index]);
            std::printf("  %s: %s%s\n", emu::hex32(g.address).c_str(), g.text().c_str(), note.c_str());
            for (const auto& in : arm) std::printf("      %s\n", in.text().c_str());
        }
        if (b->stop_message && !json) std::printf("  %s: stops the run (%s)\n", emu::hex32(b->stop_address).c_str(), b->stop_message->c_str());
        if (!json) std::printf("\n");
        QJsonObject o;
        o.insert("address", qs(emu::hex32(b->guest_start)));
        o.insert("x86", x86);
        o.insert("arm64", arm64);
        o.insert("prologue", static_cast<qint64>(b->prologue_words));
        o.insert("map", map);
        o.insert("flags", flags);
        o.insert("expansion", b->insns.empty() ? 0.0 : static_cast<double>(b->body_words) / static_cast<double>(b->insns.size()));
        if (b->stop_message) o.insert("stop", qs(*b->stop_message));
        blocks_json.append(o);
    }
    const double expansion = x86_total ? static_cast<double>(arm_total) / static_cast<double>(x86_total) : 0.0;
    if (json) {
        QJsonObject out;
        out.insert("file", qs(image.path));
        out.insert("blocks", blocks_json);
        out.insert("expansion", expansion);
        out.insert("dynamic_expansion", engine.expansion());
        out.insert("state", state == RunState::Finished ? "exited" : "crashed");
        out.insert("failure", state == RunState::Failed ? QJsonValue(qs(engine.failure())) : QJsonValue());
        printJson(out);
    } else {
        std::printf("--- %zu blocks, %llu x86 -> %llu AArch64 instructions: static expansion %.2f, executed %.2f\n",
                    static_cast<size_t>(blocks_json.size()), static_cast<unsigned long long>(x86_total),
                    static_cast<unsigned long long>(arm_total), expansion, engine.expansion());
        if (state == RunState::Failed) std::printf("the run stopped: %s\n", engine.failure().c_str());
    }
    std::fflush(stdout);
    return state == RunState::Failed ? 1 : 0;
}

}  // namespace

VIRTLAB_COMMAND(translate, "translate", "translate FILE [--json]   x86 -> AArch64 listing, block by block", 21, &runTranslate);

}  // namespace vl::cli
