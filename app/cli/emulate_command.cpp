// `virtlab emulate FILE`: runs an i386 program (NASM source, flat binary or static ELF) on an
// emulated CPU and shows what it printed, how it ended, what it cost, and its registers.
// --engine unicorn runs it on Unicorn's x86 CPU with VirtLab's Linux syscall layer;
// --engine arm-direct hands the same bytes to an ARM64 CPU to show why that cannot work.
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/json.h"
#include "core/error.h"
#include "emulator/arm_direct_engine.h"
#include "emulator/dbt/dbt_engine.h"
#include "emulator/dbt/lockstep.h"
#include "emulator/disassembler.h"
#include "emulator/engine_factory.h"
#include "emulator/guest_loader.h"
#include "emulator/unicorn_x86_engine.h"

namespace vl::cli {
namespace {

constexpr uint64_t kDefaultMaxInstructions = 2'000'000'000;
constexpr uint64_t kTraceSlice = 10'000;  // instructions per run() while tracing, so no block event is dropped

void printRegisters(const std::vector<std::pair<std::string, std::string>>& registers) {
    std::printf("registers:\n");
    for (size_t i = 0; i < registers.size(); ++i)
        std::printf("  %-6s %s%s", registers[i].first.c_str(), registers[i].second.c_str(), i % 4 == 3 || i + 1 == registers.size() ? "\n" : "");
}

QJsonObject registersJson(const std::vector<std::pair<std::string, std::string>>& registers) {
    QJsonObject out;
    for (const auto& [name, value] : registers) out.insert(qs(name), qs(value));
    return out;
}

QJsonObject syscallsJson(const Counters& counters) {
    QJsonObject out;
    for (const auto& [name, value] : counters)
        if (name.starts_with("syscalls.")) out.insert(qs(name.substr(9)), static_cast<qint64>(value));
    return out;
}

// The translator's own numbers, beside the counters both x86 engines share.
void addDbtJson(QJsonObject& out, const emu::DbtEngine& engine) {
    const Counters c = engine.counters();
    for (const char* key : {"blocks_translated", "cache_hits", "chained_jumps", "helper_exits", "invalidations", "host_instructions"})
        out.insert(key, static_cast<qint64>(c.at(key)));
    out.insert("expansion", engine.expansion());
    // The translation cache with how often each block ran (code_cache.h's counters).
    QJsonArray blocks;
    for (const emu::DbtBlockStats& b : engine.blockStats()) {
        QJsonObject o;
        o.insert("address", qs(emu::hex32(b.guest_address)));
        o.insert("guest_instructions", static_cast<qint64>(b.guest_instructions));
        o.insert("host_instructions", static_cast<qint64>(b.host_instructions));
        o.insert("hits", static_cast<qint64>(b.hits));
        blocks.append(o);
    }
    out.insert("blocks", blocks);
}
void addDbtJson(QJsonObject&, const emu::UnicornX86Engine&) {}

void printDbtText(const emu::DbtEngine& engine) {
    const Counters c = engine.counters();
    std::printf("blocks translated   %llu\n", static_cast<unsigned long long>(c.at("blocks_translated")));
    std::printf("cache hits          %llu\n", static_cast<unsigned long long>(c.at("cache_hits")));
    std::printf("chained jumps       %llu\n", static_cast<unsigned long long>(c.at("chained_jumps")));
    std::printf("helper exits        %llu\n", static_cast<unsigned long long>(c.at("helper_exits")));
    std::printf("invalidations       %llu (translations retired by writes to their code)\n",
                static_cast<unsigned long long>(c.at("invalidations")));
    std::printf("host instructions   %llu (AArch64)\n", static_cast<unsigned long long>(c.at("host_instructions")));
    std::printf("expansion           %.2f AArch64 instructions per x86 instruction\n", engine.expansion());
    std::vector<emu::DbtBlockStats> hot = engine.blockStats();
    std::stable_sort(hot.begin(), hot.end(), [](const auto& a, const auto& b) { return a.hits > b.hits; });
    if (hot.size() > 5) hot.resize(5);
    std::printf("hottest blocks      (guest address: runs, x86 -> AArch64 instructions)\n");
    for (const emu::DbtBlockStats& b : hot)
        std::printf("  %s: %llu runs, %u -> %u\n", emu::hex32(b.guest_address).c_str(), static_cast<unsigned long long>(b.hits),
                    b.guest_instructions, b.host_instructions);
}
void printDbtText(const emu::UnicornX86Engine&) {}

const char* engineBanner(const emu::DbtEngine&) { return "dbt (x86 -> AArch64 translation on Unicorn's ARM64 CPU, Linux i386 syscall layer)"; }
const char* engineBanner(const emu::UnicornX86Engine&) { return "unicorn (Unicorn x86 CPU, Linux i386 syscall layer)"; }

template <class X86Engine>
int runX86(const emu::GuestImage& image, bool trace, uint64_t max_insns, bool json) {
    emu::EmulationOptions options;
    options.trace = trace;
    options.max_instructions = max_insns;
    X86Engine engine(image, options);
    const std::string engine_name = engine.engineName();

    QJsonArray trace_json;
    RunState state;
    do {
        state = engine.run(trace ? kTraceSlice : 0);
        for (const auto& event : engine.events().drain()) {
            if (event.kind != "block" && event.kind != "translation") continue;
            if (json) trace_json.append(qs(event.detail));
            else std::printf("%s\n", event.detail.c_str());
        }
    } while (state == RunState::Paused);

    const Counters counters = engine.counters();
    const bool exited = state == RunState::Finished;
    const auto registers = engine.registers().named();
    if (json) {
        QJsonObject out;
        out.insert("engine", qs(engine_name));
        out.insert("file", qs(image.path));
        out.insert("state", exited ? "exited" : "crashed");
        out.insert("exit_code", exited ? QJsonValue(engine.exitCode()) : QJsonValue());
        out.insert("failure", exited ? QJsonValue() : QJsonValue(qs(engine.failure())));
        out.insert("stdout", qs(engine.guestStdout()));
        out.insert("stderr", qs(engine.guestStderr()));
        out.insert("guest_instructions", static_cast<qint64>(engine.guestInstructions()));
        out.insert("registers", registersJson(registers));
        out.insert("counters", toJson(counters));
        out.insert("syscalls", syscallsJson(counters));
        addDbtJson(out, engine);
        if (trace) out.insert("trace", trace_json);
        printJson(out);
    } else {
        const std::string out = engine.guestStdout();
        std::fwrite(out.data(), 1, out.size(), stdout);
        if (!out.empty() && out.back() != '\n') std::fputc('\n', stdout);  // keep the summary on its own lines
        std::fputs(engine.guestStderr().c_str(), stderr);
        std::printf("--- engine %s\n", engineBanner(engine));
        if (exited) std::printf("exit code           %d\n", engine.exitCode());
        else std::printf("crashed             %s\n", engine.failure().c_str());
        std::printf("guest instructions  %llu\n", static_cast<unsigned long long>(engine.guestInstructions()));
        std::printf("blocks executed     %llu\n", static_cast<unsigned long long>(counters.at("blocks")));
        std::string calls;
        for (const auto& [name, value] : counters)
            if (name.starts_with("syscalls."))
                calls += (calls.empty() ? " (" : ", ") + name.substr(9) + " " + std::to_string(value);
        std::printf("syscalls            %llu%s\n", static_cast<unsigned long long>(counters.at("syscalls")),
                    calls.empty() ? "" : (calls + ")").c_str());
        printDbtText(engine);
        printRegisters(registers);
    }
    std::fflush(stdout);
    return exited && engine.exitCode() == 0 ? 0 : 1;
}

// --compare: the translator and Unicorn's x86 CPU in lockstep, block by block.
int runCompare(const emu::GuestImage& image, uint64_t max_insns, bool json) {
    emu::EmulationOptions options;
    options.max_instructions = max_insns;
    const emu::dbt::CompareResult r = emu::dbt::compareLockstep(image, options);
    if (json) {
        QJsonObject out;
        out.insert("engine", "dbt");
        out.insert("compare_with", "unicorn");
        out.insert("file", qs(image.path));
        out.insert("match", r.match);
        if (r.divergence) {
            QJsonObject d;
            d.insert("block", qs(emu::hex32(r.divergence->block)));
            d.insert("guest_instructions", static_cast<qint64>(r.divergence->guest_instructions));
            d.insert("kind", qs(r.divergence->kind));
            d.insert(r.divergence->kind == "flag" ? "flag" : r.divergence->kind == "register" ? "register" : "what",
                     qs(r.divergence->name));
            d.insert("dbt", qs(r.divergence->dbt));
            d.insert("unicorn", qs(r.divergence->unicorn));
            d.insert("message", qs(r.divergence->message()));
            out.insert("divergence", d);
        } else {
            out.insert("divergence", QJsonValue());
        }
        out.insert("blocks_compared", static_cast<qint64>(r.blocks_compared));
        out.insert("guest_instructions", static_cast<qint64>(r.guest_instructions));
        out.insert("state", r.exited ? "exited" : "crashed");
        out.insert("exit_code", r.exited ? QJsonValue(r.exit_code) : QJsonValue());
        out.insert("failure", r.dbt_failure.empty() ? QJsonValue() : QJsonValue(qs(r.dbt_failure)));
        out.insert("stdout", qs(r.stdout_text));
        printJson(out);
    } else {
        std::fwrite(r.stdout_text.data(), 1, r.stdout_text.size(), stdout);
        if (!r.stdout_text.empty() && r.stdout_text.back() != '\n') std::fputc('\n', stdout);
        std::printf("--- compare: dbt (x86 -> AArch64) against unicorn (x86), block by block\n");
        std::printf("blocks compared     %llu\n", static_cast<unsigned long long>(r.blocks_compared));
        std::printf("guest instructions  %llu\n", static_cast<unsigned long long>(r.guest_instructions));
        if (r.divergence) std::printf("divergence          %s\n", r.divergence->message().c_str());
        else if (!r.dbt_failure.empty()) std::printf("stopped             %s\n", r.dbt_failure.c_str());
        if (r.match) std::printf("match\n");
    }
    std::fflush(stdout);
    return r.match ? 0 : 1;
}

int runArmDirect(const emu::GuestImage& image, uint64_t max_insns, bool json) {
    emu::ArmDirectEngine engine(image, max_insns ? max_insns : 100000);
    engine.run();
    const auto fault = engine.fault();
    const auto words = engine.decodedWords();
    const auto x86 = engine.x86Reading();
    const auto executed = engine.executedWords();
    auto wasExecuted = [&](uint32_t address) {
        for (const auto& w : executed)
            if (w.address == address) return true;
        return false;
    };
    if (json) {
        QJsonArray arm64;
        for (const auto& w : words) {
            QJsonObject o;
            o.insert("address", qs(emu::hex32(w.address)));
            o.insert("word", qs(emu::hex32(w.word)));
            o.insert("arm64", qs(w.arm64));
            o.insert("valid", w.valid);
            o.insert("executed", wasExecuted(w.address));
            arm64.append(o);
        }
        QJsonArray x86_json, executed_json;
        for (const auto& in : x86) x86_json.append(qs(emu::hex32(in.address) + ": " + in.text()));
        for (const auto& w : executed) executed_json.append(qs(emu::hex32(w.address) + ": " + w.arm64));
        QJsonObject fault_json;
        if (fault) {
            fault_json.insert("error", qs(fault->error));
            fault_json.insert("pc", qs(emu::hex32(fault->pc)));
            fault_json.insert("word", qs(emu::hex32(fault->word)));
            fault_json.insert("decoded", qs(fault->decoded));
            fault_json.insert("access_address", fault->access_address ? QJsonValue(qs(emu::hex32(static_cast<uint32_t>(*fault->access_address)))) : QJsonValue());
            fault_json.insert("message", qs(fault->line));
        }
        QJsonObject out;
        out.insert("engine", "arm-direct");
        out.insert("file", qs(image.path));
        out.insert("state", "crashed");
        out.insert("exit_code", QJsonValue());
        out.insert("failure", qs(engine.failure()));
        out.insert("stdout", "");
        out.insert("guest_instructions", 0);
        out.insert("arm64_instructions_executed", static_cast<qint64>(engine.armInstructions()));
        out.insert("registers", registersJson(engine.snapshot().registers));
        out.insert("counters", toJson(engine.counters()));
        out.insert("syscalls", QJsonObject());
        out.insert("arm64", arm64);
        out.insert("arm64_executed", executed_json);
        out.insert("x86", x86_json);
        out.insert("fault", fault ? QJsonValue(fault_json) : QJsonValue());
        printJson(out);
    } else {
        std::printf("The x86 program's bytes, as the x86 instructions they are:\n");
        for (const auto& in : x86) std::printf("  %s\n", in.line().c_str());
        std::printf("\nThe same bytes, as the ARM64 CPU reads them (4-byte AArch64 words):\n");
        for (const auto& line : engine.snapshot().listing) std::printf("  %s\n", line.c_str());
        std::printf("\n--- engine arm-direct (Unicorn ARM64 CPU, x86 bytes)\n");
        std::printf("ARM instructions executed before the crash: %llu\n", static_cast<unsigned long long>(engine.armInstructions()));
        for (const auto& w : executed) std::printf("  %s: %s\n", emu::hex32(w.address).c_str(), w.arm64.c_str());
        std::printf("crashed  %s\n", engine.failure().c_str());
        printRegisters(engine.snapshot().registers);
    }
    std::fflush(stdout);
    return 1;  // an ARM CPU cannot run x86 code: the crash is the lesson
}

int runEmulate(const Args& args) {
    ArgParser parser("virtlab emulate FILE [options]",
                     "Runs an i386 program on an emulated CPU and shows its output, exit code, instruction\n"
                     "count, system calls and final registers. FILE is a NASM source (.asm, assembled with\n"
                     "nasm -f bin and loaded at 0x00400000), a flat binary (loaded at 0x00400000) or a static\n"
                     "i386 Linux ELF executable. --engine arm-direct hands the same bytes to an ARM64 CPU\n"
                     "instead, and reports what it decoded and how it crashed.");
    parser.positional("FILE", "program to run: x.asm, a flat binary, or a static i386 ELF")
        .option("--engine", "NAME",
                "unicorn (x86 CPU, Linux syscalls), dbt (x86 translated to AArch64 on an ARM64 CPU) or arm-direct (x86 bytes on an ARM64 CPU)",
                "unicorn")
        .flag("--trace", "print the disassembly of every executed block, in order")
        .flag("--compare", "run the translator and Unicorn's x86 CPU in lockstep and report the first divergence")
        .option("--max-insns", "N", "fail the run after N guest instructions (0: no limit; arm-direct: 100000)",
                std::to_string(kDefaultMaxInstructions))
        .flag("--json", "print one JSON object instead of text");
    if (!parser.parse(args)) return 0;

    const std::string engine = parser.value("--engine");
    try {
        emu::checkEmulationEngineName(engine);
    } catch (const Error& e) {
        throw e.wrapped("--engine");
    }
    const uint64_t max_insns = parser.unsignedValue("--max-insns", kDefaultMaxInstructions);
    const emu::GuestImage image = emu::loadGuest(parser.positionalValue("FILE"));
    const bool json = parser.has("--json");
    if (parser.has("--compare")) return runCompare(image, max_insns, json);
    if (engine == "arm-direct") return runArmDirect(image, parser.has("--max-insns") ? max_insns : 0, json);
    if (engine == "dbt") return runX86<emu::DbtEngine>(image, parser.has("--trace"), max_insns, json);
    return runX86<emu::UnicornX86Engine>(image, parser.has("--trace"), max_insns, json);
}

}  // namespace

VIRTLAB_COMMAND(emulate, "emulate", "emulate FILE [--engine unicorn|dbt|arm-direct] [--compare] [--trace] [--max-insns N] [--json]"
                "  run an i386 program on an emulated CPU", 20,
                &runEmulate);

}  // namespace vl::cli
