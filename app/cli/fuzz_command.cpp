// `virtlab fuzz dbt`: random programs from the instructions the translator covers, each run on
// the translator and on Unicorn's x86 CPU; every difference in registers, flags or memory is a
// failure, printed as a minimal NASM program that reproduces it (see emulator/dbt/dbt_fuzzer.h).
#include <QJsonArray>
#include <QJsonObject>

#include <csignal>
#include <chrono>
#include <cstdio>
#include <string>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/json.h"
#include "core/error.h"
#include "emulator/dbt/dbt_fuzzer.h"

namespace vl::cli {
namespace {

// Ctrl-C or SIGTERM ends the run after the case in progress; the report covers the cases done.
volatile std::sig_atomic_t g_stop_requested = 0;
extern "C" void requestStop(int) { g_stop_requested = 1; }

int runFuzz(const Args& args) {
    ArgParser parser("virtlab fuzz dbt [options]",
                     "Differential fuzzing of the x86 -> AArch64 translator against Unicorn's x86 CPU: random\n"
                     "instruction sequences with random registers and memory, compared block by block.\n"
                     "Exit status 1 when any case diverges; each divergence is shrunk to a minimal program.");
    parser.positional("TARGET", "what to fuzz: dbt")
        .option("--cases", "N", "number of random programs", "1000")
        .option("--seed", "S", "random seed (the same seed gives the same programs)", "1")
        .option("--progress", "N", "a progress line on stderr every N cases (0: none)", "1000")
        .flag("--json", "print one JSON object instead of text");
    if (!parser.parse(args)) return 0;
    if (parser.positionalValue("TARGET") != "dbt")
        throwInput("unknown fuzz target '" + parser.positionalValue("TARGET") + "' (valid: dbt)");
    const uint64_t cases = parser.unsignedValue("--cases", 1000);
    const uint64_t seed = parser.unsignedValue("--seed", 1);
    const bool json = parser.has("--json");

    const uint64_t every = parser.unsignedValue("--progress", 1000);

    g_stop_requested = 0;
    struct sigaction action {};
    action.sa_handler = requestStop;
    sigemptyset(&action.sa_mask);
    struct sigaction old_int {}, old_term {};
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    const emu::dbt::FuzzReport report = emu::dbt::fuzzDbt(
        cases, seed,
        [&](uint64_t done, size_t divergences) {
            if (every == 0 || (done % every != 0 && done != cases)) return;
            std::fprintf(stderr, "fuzz dbt: %llu/%llu cases, %zu divergences, %.0f s, %.1f cases/s (seed %llu)\n",
                         static_cast<unsigned long long>(done), static_cast<unsigned long long>(cases), divergences, seconds(),
                         static_cast<double>(done) / seconds(), static_cast<unsigned long long>(seed));
        },
        [] { return g_stop_requested != 0; });
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    const double elapsed = seconds();
    if (report.stopped) std::fprintf(stderr, "fuzz dbt: stopped after %llu cases\n", static_cast<unsigned long long>(report.cases));
    if (json) {
        QJsonObject out;
        out.insert("target", "dbt");
        out.insert("cases", static_cast<qint64>(report.cases));
        out.insert("seed", static_cast<qint64>(report.seed));
        out.insert("divergences", static_cast<qint64>(report.divergences.size()));
        out.insert("stopped", report.stopped);
        out.insert("seconds", elapsed);
        out.insert("cases_per_second", elapsed > 0 ? static_cast<double>(report.cases) / elapsed : 0.0);
        out.insert("guest_instructions", static_cast<qint64>(report.guest_instructions));
        // Coverage: how often each generated mnemonic occurred in the cases run.
        QJsonObject mnemonics;
        for (const auto& [name, count] : report.mnemonics) mnemonics.insert(qs(name), static_cast<qint64>(count));
        out.insert("mnemonics", mnemonics);
        QJsonArray failures;
        for (const auto& f : report.divergences) {
            QJsonObject o;
            o.insert("case", static_cast<qint64>(f.case_index));
            o.insert("reason", qs(f.reason));
            o.insert("reproducer", qs(f.reproducer));
            failures.append(o);
        }
        out.insert("failures", failures);
        printJson(out);
    } else {
        for (const auto& f : report.divergences)
            std::printf("case %llu: %s\nminimal reproducer:\n%s\n", static_cast<unsigned long long>(f.case_index), f.reason.c_str(),
                        f.reproducer.c_str());
        std::printf("%llu cases, %zu divergences (seed %llu)\n", static_cast<unsigned long long>(report.cases), report.divergences.size(),
                    static_cast<unsigned long long>(report.seed));
    }
    std::fflush(stdout);
    return report.divergences.empty() ? 0 : 1;
}

}  // namespace

VIRTLAB_COMMAND(fuzz, "fuzz", "fuzz dbt [--cases N] [--seed S] [--progress N] [--json]   translator against Unicorn x86", 22,
                &runFuzz);

}  // namespace vl::cli
