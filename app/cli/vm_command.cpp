// virtlab vm run --mode trap|bt|hw|pv|emulate [--guest FILE] [--max-insns N] [--json]
// virtlab vm compare [--guest FILE] [--json]
// Boots a guest kernel under a virtual machine monitor and reports its console and the
// monitor's work: traps, binary-translation callouts, VT-x-style exits by reason, hypercalls
// by Xen's name, or (emulate) the blocks the emulator translated.
#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/json.h"
#include "core/error.h"
#include "trapsim/trap_vmm.h"

namespace vl::cli {
namespace {

// Every mode, in the order `vm compare` shows them.
const char* const kModes[] = {"trap", "bt", "hw", "pv", "emulate"};

const char* modeTitle(vm::MonitorMode mode) {
    switch (mode) {
    case vm::MonitorMode::Trap: return "trap-and-emulate monitor";
    case vm::MonitorMode::BinaryTranslation: return "binary-translation monitor";
    case vm::MonitorMode::HardwareAssisted: return "VT-x-style monitor";
    case vm::MonitorMode::Paravirtual: return "Xen-style hypervisor";
    case vm::MonitorMode::Emulate: return "full-system emulator";
    }
    return "";
}

std::string validModes() {
    std::string out;
    for (const char* m : kModes) out += (out.empty() ? "" : ", ") + std::string(m);
    return out;
}

void printVmHelp(FILE* to) {
    std::fprintf(to,
                 "Usage: virtlab vm run --mode MODE [--guest FILE] [--max-insns N] [--json]\n"
                 "       virtlab vm compare [--guest FILE] [--max-insns N] [--json]\n\n"
                 "Boots a guest kernel under a virtual machine monitor and shows its console and\n"
                 "the monitor's work.\n\n"
                 "Verbs:\n"
                 "  run      run a guest under one monitor mode (modes: %s)\n"
                 "  compare  run the guest under every mode and show the runs side by side\n\n"
                 "See virtlab vm run --help and virtlab vm compare --help for the options.\n",
                 validModes().c_str());
}

const char* entryWord(vm::MonitorMode mode) {
    switch (mode) {
    case vm::MonitorMode::Trap: return "traps";
    case vm::MonitorMode::BinaryTranslation: return "callouts";
    case vm::MonitorMode::HardwareAssisted: return "exits";
    case vm::MonitorMode::Paravirtual: return "entries";
    case vm::MonitorMode::Emulate: return "entries";
    }
    return "";
}

unsigned long long at(const Counters& c, const std::string& name) {
    const auto it = c.find(name);
    return it == c.end() ? 0ull : static_cast<unsigned long long>(it->second);
}

void printText(const vm::TrapVmm& vmm, const Counters& c, double seconds) {
    const vm::MonitorMode mode = vmm.config().mode;
    const std::string console = vmm.snapshot().console;
    std::fwrite(console.data(), 1, console.size(), stdout);
    if (!console.empty() && console.back() != '\n') std::printf("\n");
    const bool hw = mode == vm::MonitorMode::HardwareAssisted;
    const bool pv = mode == vm::MonitorMode::Paravirtual;
    if (mode == vm::MonitorMode::Emulate) {
        std::printf("\n-- %s: no monitor; every device access and privileged instruction handled in software --\n",
                    modeTitle(mode));
        std::printf("\n  translated blocks   %llu (%llu instructions)\n", at(c, "blocks_translated"),
                    at(c, "translated_instructions"));
    } else {
        const char* by = hw ? "exit reason" : pv ? "reason" : "instruction";
        std::printf("\n-- %s: %s by %s --\n", modeTitle(mode), entryWord(mode), by);
        const int width = hw || pv ? 30 : 12;
        std::printf("  %-*s %12s\n", width, by, entryWord(mode));
        for (const auto& row : vm::entriesByReason(mode, c))
            std::printf("  %-*s %12llu\n", width, row.reason.c_str(), static_cast<unsigned long long>(row.count));
        std::printf("  %-*s %12llu\n", width, "total", at(c, hw ? "exits" : pv ? "vmm_entries" : "traps"));
    }
    if (hw) {
        std::printf("\n-- VMCS-like controls in use (Intel SDM Vol. 3C 24.6) --\n");
        for (const auto& setting : vmm.config().controls.settings())
            std::printf("  %-34s %-28s %s\n", setting.name.c_str(), setting.value.c_str(), setting.field.c_str());
    }
    if (mode == vm::MonitorMode::BinaryTranslation)
        std::printf("\n  translated blocks   %llu (%llu instructions, %llu rewritten into monitor calls)\n",
                    at(c, "bt.blocks"), at(c, "bt.translated_instructions"), at(c, "bt.rewritten"));
    std::printf("\n  guest instructions  %llu\n", at(c, "guest_instructions"));
    std::printf("  interrupts injected %llu (%llu at ring 3)\n", at(c, "interrupts_injected"),
                at(c, "interrupts_from_ring3"));
    std::printf("  system calls        %llu (int 0x80 from ring 3)\n", at(c, "syscalls"));
    std::printf("  vmm entries         %llu\n", at(c, "vmm_entries"));
    const vm::CostModel& cost = vmm.config().cost;
    const unsigned long long per_entry = mode == vm::MonitorMode::Trap ? cost.trap_round_trip_cycles
                                         : hw                           ? cost.vm_exit_cycles
                                         : pv                           ? cost.hypercall_cycles
                                         : mode == vm::MonitorMode::Emulate ? 0
                                                                        : cost.bt_callout_cycles;
    std::printf("  modeled cycles      %llu (%llu per instruction, %llu per vmm entry)\n", at(c, "modeled_cycles"),
                static_cast<unsigned long long>(cost.cycles_per_instruction), per_entry);
    std::printf("  wall time           %.3f s (%.1f M %s/s)\n", seconds,
                seconds > 0 ? static_cast<double>(at(c, "vmm_entries")) / seconds / 1e6 : 0.0,
                hw ? "exits" : "vmm entries");
    if (vmm.state() == RunState::Finished) std::printf("  guest exit code     %d\n", vmm.exitCode());
}

QJsonObject toJsonRun(const vm::TrapVmm& vmm, const Counters& c, double seconds) {
    const vm::MonitorMode mode = vmm.config().mode;
    QJsonObject exits;
    for (const auto& row : vm::entriesByReason(mode, c)) exits.insert(qs(row.reason), static_cast<qint64>(row.count));
    QJsonObject registers;
    for (const auto& [name, value] : vmm.snapshot().registers) registers.insert(qs(name), qs(value));
    QJsonArray cost;
    for (const auto& p : vmm.config().cost.parameters())
        cost.append(QJsonObject{{"name", qs(p.name)}, {"value", static_cast<qint64>(p.value)}, {"source", qs(p.source)}});

    QJsonObject out;
    out.insert("mode", qs(vm::modeName(mode)));
    out.insert("guest", qs(vmm.image().path));
    out.insert("console", qs(vmm.snapshot().console));
    out.insert("guest_instructions", static_cast<qint64>(c.at("guest_instructions")));
    out.insert("exits", exits);
    QJsonObject hypercalls;  // by Xen's name; empty but in pv mode, where the guest is ported
    for (const auto& [name, value] : c)
        if (name.starts_with("hypercalls.")) hypercalls.insert(qs(name.substr(11)), static_cast<qint64>(value));
    out.insert("hypercalls", hypercalls);
    if (mode == vm::MonitorMode::Emulate)
        out.insert("blocks_translated", static_cast<qint64>(at(c, "blocks_translated")));
    out.insert("interrupts", static_cast<qint64>(at(c, "interrupts_injected")));
    out.insert("syscalls", static_cast<qint64>(at(c, "syscalls")));  // int 0x80 from the guest's user tasks
    out.insert("traps", static_cast<qint64>(c.at("traps")));
    if (mode == vm::MonitorMode::BinaryTranslation) {
        out.insert("bt", QJsonObject{{"blocks", static_cast<qint64>(at(c, "bt.blocks"))},
                                     {"rewritten", static_cast<qint64>(at(c, "bt.rewritten"))},
                                     {"translated_instructions", static_cast<qint64>(at(c, "bt.translated_instructions"))}});
        QJsonArray listing;
        for (const std::string& line : vmm.snapshot().listing) listing.append(qs(line));
        out.insert("listing", listing);
    }
    if (mode == vm::MonitorMode::HardwareAssisted) {
        QJsonArray controls;
        for (const auto& setting : vmm.config().controls.settings())
            controls.append(QJsonObject{{"name", qs(setting.name)},
                                        {"field", qs(setting.field)},
                                        {"value", qs(setting.value)},
                                        {"fixed", setting.fixed}});
        out.insert("vmcs_controls", controls);
    }
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

struct Run {
    std::unique_ptr<vm::TrapVmm> vmm;
    Counters counters;
    double seconds = 0;
};

Run runMode(vm::TrapVmmConfig config) {
    Run run;
    run.vmm = std::make_unique<vm::TrapVmm>(std::move(config));
    const auto start = std::chrono::steady_clock::now();
    run.vmm->run();
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.counters = run.vmm->counters();
    return run;
}

// 0, or 1 after saying on stderr why the guest did not end well.
int guestStatus(const std::string& what, const vm::TrapVmm& vmm) {
    if (vmm.state() == RunState::Failed) {
        std::fflush(stdout);
        std::fprintf(stderr, "virtlab: %s: guest failed: %s\n", what.c_str(), vmm.failure().c_str());
        return 1;
    }
    if (vmm.exitCode() != 0) {
        std::fflush(stdout);
        std::fprintf(stderr, "virtlab: %s: the guest powered off with exit code %d\n", what.c_str(), vmm.exitCode());
        return 1;
    }
    return 0;
}

vm::TrapVmmConfig baseConfig(const ArgParser& parser) {
    vm::TrapVmmConfig config;
    config.guest_path = parser.value("--guest");
    config.max_instructions = parser.unsignedValue("--max-insns", config.max_instructions);
    if (config.max_instructions == 0) throwInput("--max-insns: must be at least 1");
    return config;
}

int runVm(const Args& args) {
    ArgParser parser("virtlab vm run --mode MODE [--guest FILE] [--max-insns N] [--json]",
                     "Boot a guest kernel under a virtual machine monitor and count what the monitor does.");
    parser.option("--mode", "MODE", "monitor mode: " + validModes(), "trap")
        .option("--guest", "FILE", "guest kernel: a flat binary (optionally with a Multiboot header) or a .asm "
                                   "source; default: the built-in kernel (under pv, its paravirtual build)")
        .option("--max-insns", "N", "fail the guest if it runs more than N instructions", "200000000")
        .flag("--json", "print one JSON object instead of text");
    if (!parser.parse(args)) return 0;

    const std::string mode = parser.value("--mode");
    const auto parsed = vm::parseMode(mode);
    if (!parsed) throwInput("vm run: unknown mode '" + mode + "' (valid modes: " + validModes() + ")");
    vm::TrapVmmConfig config = baseConfig(parser);
    config.mode = *parsed;

    const Run run = runMode(config);
    if (parser.has("--json")) printJson(toJsonRun(*run.vmm, run.counters, run.seconds));
    else printText(*run.vmm, run.counters, run.seconds);
    return guestStatus("vm run", *run.vmm);
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    size_t begin = 0;
    while (begin < text.size()) {
        const size_t end = text.find('\n', begin);
        out.push_back(text.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
        if (end == std::string::npos) break;
        begin = end + 1;
    }
    return out;
}

// The console lines that are not the same in every run (the POPF demo's lines, by design).
std::vector<std::string> differingLines(const std::vector<Run>& runs) {
    std::vector<std::string> differing;
    const std::vector<std::string> first = lines(runs.front().vmm->snapshot().console);
    for (const Run& run : runs) {
        const std::vector<std::string> other = lines(run.vmm->snapshot().console);
        for (const std::string& line : other)
            if (std::find(first.begin(), first.end(), line) == first.end() &&
                std::find(differing.begin(), differing.end(), line) == differing.end())
                differing.push_back(line);
        for (const std::string& line : first)
            if (std::find(other.begin(), other.end(), line) == other.end() &&
                std::find(differing.begin(), differing.end(), line) == differing.end())
                differing.push_back(line);
    }
    return differing;
}

void printComparison(const std::vector<Run>& runs) {
    const std::vector<std::string> differing = differingLines(runs);
    std::printf("-- console (the same in every mode except the lines marked by mode) --\n");
    const std::vector<std::string> first = lines(runs.front().vmm->snapshot().console);
    for (const std::string& line : first)
        if (std::find(differing.begin(), differing.end(), line) == differing.end()) std::printf("  %s\n", line.c_str());
    for (const Run& run : runs)
        for (const std::string& line : lines(run.vmm->snapshot().console))
            if (std::find(differing.begin(), differing.end(), line) != differing.end())
                std::printf("  [%-4s] %s\n", run.vmm->world().c_str(), line.c_str());

    std::printf("\n-- side by side --\n  %-22s", "");
    for (const Run& run : runs) std::printf(" %14s", run.vmm->world().c_str());
    std::printf("\n");
    auto row = [&](const char* label, auto value) {
        std::printf("  %-22s", label);
        for (const Run& run : runs) std::printf(" %14s", value(run).c_str());
        std::printf("\n");
    };
    auto counter = [](const char* name) {
        return [name](const Run& run) { return std::to_string(at(run.counters, name)); };
    };
    row("state", [](const Run& run) {
        return std::string(run.vmm->state() == RunState::Finished ? "finished" : "failed");
    });
    row("guest instructions", counter("guest_instructions"));
    row("traps", counter("traps"));
    row("bt blocks", counter("bt.blocks"));
    row("bt rewritten", counter("bt.rewritten"));
    row("exits", counter("exits"));
    row("hypercalls", counter("hypercalls"));
    row("event upcalls", counter("upcalls"));
    row("blocks translated", counter("blocks_translated"));
    row("interrupts injected", counter("interrupts_injected"));
    row("system calls", counter("syscalls"));
    row("vmm entries", counter("vmm_entries"));
    row("modeled cycles", counter("modeled_cycles"));
    row("wall time (ms)", [](const Run& run) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", run.seconds * 1e3);
        return std::string(buf);
    });
}

int compareVm(const Args& args) {
    ArgParser parser("virtlab vm compare [--guest FILE] [--max-insns N] [--json]",
                     "Run one guest under every monitor mode (" + validModes() + ") and show the runs side by side.");
    parser.option("--guest", "FILE", "guest kernel (flat binary or .asm); default: the built-in kernel (under pv, its paravirtual "
                                    "build)")
        .option("--max-insns", "N", "fail a guest that runs more than N instructions", "200000000")
        .flag("--json", "print one JSON object: {\"runs\": [...], \"console_differences\": [...]}");
    if (!parser.parse(args)) return 0;
    const vm::TrapVmmConfig base = baseConfig(parser);
    std::vector<Run> runs;
    for (const char* name : kModes) {
        vm::TrapVmmConfig config = base;
        config.mode = *vm::parseMode(name);
        runs.push_back(runMode(config));
    }
    if (parser.has("--json")) {
        QJsonArray array;
        for (const Run& run : runs) array.append(toJsonRun(*run.vmm, run.counters, run.seconds));
        QJsonArray differing;
        for (const std::string& line : differingLines(runs)) differing.append(qs(line));
        printJson(QJsonObject{{"runs", array}, {"console_differences", differing}});
    } else {
        printComparison(runs);
    }
    int status = 0;
    for (const Run& run : runs) status |= guestStatus("vm compare (" + run.vmm->world() + ")", *run.vmm);
    return status;
}

int vmCommand(const Args& args) {
    if (args.empty())
        throwInput("vm: missing verb (usage: virtlab vm run --mode trap|bt|hw|pv|emulate [--guest FILE]; see virtlab vm "
                   "--help)");
    const std::string& verb = args[0];
    if (verb == "--help" || verb == "-h" || verb == "help") {
        printVmHelp(stdout);
        return 0;
    }
    if (verb == "run") return runVm(Args(args.begin() + 1, args.end()));
    if (verb == "compare") return compareVm(Args(args.begin() + 1, args.end()));
    throwInput("vm: unknown verb '" + verb + "' (valid verbs: run, compare)");
}

}  // namespace

VIRTLAB_COMMAND(vm, "vm", "vm run --mode trap|bt|hw|pv|emulate [--guest FILE] [--json] | vm compare [--json]"
                "  boot the guest kernel under a monitor", 30, &vmCommand);

}  // namespace vl::cli
