// virtlab vm run --mode trap [--guest FILE] [--max-insns N] [--json]
// Boots a guest kernel under a virtual machine monitor and reports its console and the
// monitor's work: traps (or, in later modes, exits and hypercalls) by reason.
#include <QJsonArray>
#include <QJsonObject>

#include <chrono>
#include <cstdio>
#include <string>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/json.h"
#include "core/error.h"
#include "trapsim/trap_vmm.h"

namespace vl::cli {
namespace {

// The monitor modes that exist today; `vm run` refuses the others by name.
const char* const kModes[] = {"trap"};

std::string validModes() {
    std::string out;
    for (const char* m : kModes) out += (out.empty() ? "" : ", ") + std::string(m);
    return out;
}

void printVmHelp(FILE* to) {
    std::fprintf(to,
                 "Usage: virtlab vm run --mode MODE [--guest FILE] [--max-insns N] [--json]\n\n"
                 "Boots a guest kernel under a virtual machine monitor and shows its console and\n"
                 "the monitor's work.\n\n"
                 "Verbs:\n"
                 "  run    run a guest under one monitor mode (modes: %s)\n\n"
                 "See virtlab vm run --help for the options.\n",
                 validModes().c_str());
}

struct TrapRow {
    std::string reason;
    uint64_t count;
};

std::vector<TrapRow> trapsByInstruction(const Counters& counters) {
    std::vector<TrapRow> rows;
    for (const auto& [name, value] : counters)
        if (name.rfind("traps.", 0) == 0 && value > 0) rows.push_back({name.substr(6), value});
    return rows;
}

void printText(const vm::TrapVmm& vmm, const Counters& c, double seconds) {
    const std::string console = vmm.snapshot().console;
    std::fwrite(console.data(), 1, console.size(), stdout);
    if (!console.empty() && console.back() != '\n') std::printf("\n");
    std::printf("\n-- trap-and-emulate monitor: traps by instruction --\n");
    std::printf("  %-12s %12s\n", "instruction", "traps");
    for (const auto& row : trapsByInstruction(c)) std::printf("  %-12s %12llu\n", row.reason.c_str(),
                                                               static_cast<unsigned long long>(row.count));
    std::printf("  %-12s %12llu\n", "total", static_cast<unsigned long long>(c.at("traps")));
    std::printf("\n  guest instructions  %llu\n", static_cast<unsigned long long>(c.at("guest_instructions")));
    std::printf("  vmm entries         %llu\n", static_cast<unsigned long long>(c.at("vmm_entries")));
    std::printf("  modeled cycles      %llu (%llu per instruction, %llu per trap round trip)\n",
                static_cast<unsigned long long>(c.at("modeled_cycles")),
                static_cast<unsigned long long>(vmm.config().cost.cycles_per_instruction),
                static_cast<unsigned long long>(vmm.config().cost.trap_round_trip_cycles));
    std::printf("  wall time           %.3f s (%.1f M traps/s)\n", seconds,
                seconds > 0 ? static_cast<double>(c.at("vmm_entries")) / seconds / 1e6 : 0.0);
    if (vmm.state() == RunState::Finished) std::printf("  guest exit code     %d\n", vmm.exitCode());
}

QJsonObject toJsonRun(const vm::TrapVmm& vmm, const Counters& c, double seconds) {
    QJsonObject exits;
    for (const auto& row : trapsByInstruction(c)) exits.insert(qs(row.reason), static_cast<qint64>(row.count));
    QJsonObject registers;
    for (const auto& [name, value] : vmm.snapshot().registers) registers.insert(qs(name), qs(value));
    QJsonArray cost;
    for (const auto& p : vmm.config().cost.parameters())
        cost.append(QJsonObject{{"name", qs(p.name)}, {"value", static_cast<qint64>(p.value)}, {"source", qs(p.source)}});

    QJsonObject out;
    out.insert("mode", "trap");
    out.insert("guest", qs(vmm.image().path));
    out.insert("console", qs(vmm.snapshot().console));
    out.insert("guest_instructions", static_cast<qint64>(c.at("guest_instructions")));
    out.insert("exits", exits);
    out.insert("hypercalls", QJsonObject{});  // trap-and-emulate has none: the guest is unmodified
    out.insert("interrupts", 0);              // no interrupt source in this machine yet
    out.insert("traps", static_cast<qint64>(c.at("traps")));
    out.insert("vmm_entries", static_cast<qint64>(c.at("vmm_entries")));
    out.insert("modeled_cycles", static_cast<qint64>(c.at("modeled_cycles")));
    out.insert("seconds", seconds);
    out.insert("state", vmm.state() == RunState::Finished ? "finished" : "failed");
    if (vmm.state() == RunState::Finished) out.insert("exit_code", vmm.exitCode());
    else out.insert("failure", qs(vmm.failure()));
    out.insert("registers", registers);
    out.insert("counters", toJson(c));
    out.insert("cost_model", cost);
    return out;
}

int runVm(const Args& args) {
    ArgParser parser("virtlab vm run --mode MODE [--guest FILE] [--max-insns N] [--json]",
                     "Boot a guest kernel under a virtual machine monitor and count what the monitor does.");
    parser.option("--mode", "MODE", "monitor mode: " + validModes(), "trap")
        .option("--guest", "FILE", "guest kernel: a flat binary (optionally with a Multiboot header) or a .asm "
                                   "source; default: the built-in kernel")
        .option("--max-insns", "N", "fail the guest if it runs more than N instructions", "200000000")
        .flag("--json", "print one JSON object instead of text");
    if (!parser.parse(args)) return 0;

    const std::string mode = parser.value("--mode");
    if (mode != "trap") throwInput("vm run: unknown mode '" + mode + "' (valid modes: " + validModes() + ")");
    vm::TrapVmmConfig config;
    config.guest_path = parser.value("--guest");
    config.max_instructions = parser.unsignedValue("--max-insns", config.max_instructions);
    if (config.max_instructions == 0) throwInput("--max-insns: must be at least 1");

    vm::TrapVmm vmm(config);
    const auto start = std::chrono::steady_clock::now();
    const RunState state = vmm.run();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const Counters counters = vmm.counters();

    if (parser.has("--json")) printJson(toJsonRun(vmm, counters, seconds));
    else printText(vmm, counters, seconds);

    if (state == RunState::Failed) {
        std::fflush(stdout);
        std::fprintf(stderr, "virtlab: vm run: guest failed: %s\n", vmm.failure().c_str());
        return 1;
    }
    if (vmm.exitCode() != 0) {
        std::fflush(stdout);
        std::fprintf(stderr, "virtlab: vm run: the guest powered off with exit code %d\n", vmm.exitCode());
        return 1;
    }
    return 0;
}

int vmCommand(const Args& args) {
    if (args.empty()) throwInput("vm: missing verb (usage: virtlab vm run --mode trap [--guest FILE]; see virtlab vm --help)");
    const std::string& verb = args[0];
    if (verb == "--help" || verb == "-h" || verb == "help") {
        printVmHelp(stdout);
        return 0;
    }
    if (verb == "run") return runVm(Args(args.begin() + 1, args.end()));
    throwInput("vm: unknown verb '" + verb + "' (valid verbs: run)");
}

}  // namespace

VIRTLAB_COMMAND(vm, "vm", "vm run --mode trap [--guest FILE] [--max-insns N] [--json]", 30, &vmCommand);

}  // namespace vl::cli
