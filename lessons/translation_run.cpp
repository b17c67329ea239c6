// lab.translate: what VirtLab's x86 -> AArch64 translator made of a program, for lessons. The
// program runs on the DBT (as `virtlab translate` does), so the blocks listed are the ones that
// really executed, with their real boundaries; each x86 instruction is paired with the AArch64
// instructions it became and the flags it computed or left dead.
//
// A `source` option assembles a NASM snippet first. NASM can read host files (incbin,
// %include) and the environment (%!VAR); a scenario must not, so the snippet may use neither
// the preprocessor nor incbin.
#include <QRegularExpression>
#include <QVariantList>

#include <fstream>
#include <optional>

#include "core/error.h"
#include "core/temp_dir.h"
#include "emulator/dbt/dbt_engine.h"
#include "emulator/disassembler.h"
#include "emulator/guest_loader.h"
#include "lessons/world_runs.h"
#include "lessons/world_support.h"

namespace vl::lessons {
namespace {

constexpr uint64_t kDefaultMaxInstructions = 50'000'000;

QStringList flagNames(uint8_t bits) {
    static const char* names[] = {"CF", "PF", "AF", "ZF", "SF", "OF"};
    QStringList out;
    for (int i = 0; i < 6; ++i)
        if (bits & (1u << i)) out << names[i];
    return out;
}

QStringList armText(const emu::Disassembler& arm, const emu::dbt::TranslatedBlock& b, uint32_t first, uint32_t count) {
    QStringList out;
    for (const auto& in : arm.decode(reinterpret_cast<const uint8_t*>(b.code.data() + first), count * 4,
                                     static_cast<uint32_t>(b.host_start + first * 4)))
        out << QString::fromStdString(in.text());
    return out;
}

// The snippet as NASM sees it: a flat program at VirtLab's load address (org), 32-bit code
// (assembleNasm's --before), and %line so NASM's messages count the snippet's own lines.
emu::GuestImage assembleSnippet(const QString& source) {
    static const QRegularExpression forbidden(R"(%|\bincbin\b)", QRegularExpression::CaseInsensitiveOption);
    if (const auto m = forbidden.match(source); m.hasMatch()) {
        const long line = 1 + source.left(m.capturedStart()).count('\n');
        throwInput("lab.translate: source line " + std::to_string(line) + ": '" + m.captured().toStdString() +
                   "' is not allowed (no NASM preprocessor or incbin: a scenario gets no file access)");
    }
    TempDir dir("virtlab-snippet");
    const std::string path = dir.path() + "/snippet.asm";
    {
        std::ofstream out(path);
        out << "org 0x00400000\n%line 0+1 snippet\n" << source.toStdString() << "\n";
        if (!out) throwSystem("lab.translate: cannot write " + path, EIO);
    }
    try {
        return emu::loadGuest(path);
    } catch (const Error& e) {
        if (e.kind() != Error::Kind::Input) throw;
        // "snippet:3: parser: instruction expected" -> "source line 3: parser: ..."
        QString message = QString::fromStdString(e.what());
        message.replace(QRegularExpression("^snippet:(\\d+): "), "source line \\1: ");
        message.replace(QString::fromStdString(path), "source");
        throwInput("lab.translate: " + message.toStdString());
    }
}

}  // namespace

QVariantMap runTranslation(const QVariantMap& options, ActiveEngine& active, WorldRun* record) {
    const QString call = "lab.translate";
    checkKeys(options, call, {"program", "source", "max_instructions"});
    if (options.contains("program") == options.contains("source"))
        throwInput("lab.translate: give exactly one of program (a built program) and source (NASM text)");
    std::optional<emu::GuestImage> image;
    const QString program = stringOption(options, call, "program", "");
    if (!program.isEmpty()) image = emu::loadGuest(programPath(call, program));
    else image = assembleSnippet(stringOption(options, call, "source", ""));
    emu::EmulationOptions emulation;
    emulation.max_instructions = countOption(options, call, "max_instructions", kDefaultMaxInstructions);

    emu::DbtEngine engine(*image, emulation);
    QVariantMap out = runToEnd(engine, active, {}, record);
    recordEvents(record, engine.events().drain());
    out["engine"] = "dbt";
    if (!program.isEmpty()) out["program"] = program;

    static const emu::Disassembler arm(emu::Disassembler::Arch::AArch64);
    uint64_t x86_total = 0, arm_total = 0;
    QVariantList blocks;
    for (const emu::dbt::TranslatedBlock* b : engine.translatedBlocks()) {
        x86_total += b->insns.size();
        arm_total += b->body_words;
        QVariantList instructions;
        for (const auto& m : b->map) {
            const auto& g = b->insns[m.x86_index];
            instructions << QVariantMap{{"address", QString::fromStdString(emu::hex32(g.address))},
                                        {"x86", QString::fromStdString(g.text())},
                                        {"arm64", armText(arm, *b, m.arm64_first, m.arm64_count)},
                                        {"flags_computed", flagNames(b->flags_computed[m.x86_index])},
                                        {"flags_skipped", flagNames(b->flags_skipped[m.x86_index])}};
        }
        QVariantMap block{{"address", QString::fromStdString(emu::hex32(b->guest_start))},
                          {"instructions", instructions},
                          {"prologue", armText(arm, *b, 0, b->prologue_words)},
                          {"arm64_count", b->body_words},
                          {"expansion", b->insns.empty() ? 0.0 : double(b->body_words) / double(b->insns.size())}};
        if (b->stop_message) block["stop"] = QString::fromStdString(*b->stop_message);
        blocks << block;
    }
    out["blocks"] = blocks;
    out["expansion"] = x86_total ? double(arm_total) / double(x86_total) : 0.0;
    out["dynamic_expansion"] = engine.expansion();
    return out;
}

}  // namespace vl::lessons
