// `virtlab bench dbt`: the translator's speed beside its peers, on the workloads of
// assets/programs/bench_*.{asm,c} (a sieve, recursive fib, memcpy/strlen loops, an insertion
// sort, CRC-32, a string-heavy glibc program). For each: guest MIPS on the translator (Unicorn's
// ARM64 CPU running the AArch64 it emitted, translation time included), guest MIPS on Unicorn's
// x86 CPU running the same ELF directly, the whole-process time of qemu-i386 on that ELF (the
// real peer: QEMU's own TCG, with no Unicorn hooks in the way), and the expansion ratio (AArch64
// instructions executed per x86 instruction). Both engines must print the same output, or the
// benchmark fails: a fast wrong answer is no result.
//
// JSON (DESIGN.md): workloads [{name, dbt_mips, unicorn_mips, qemu_seconds, expansion}],
// geomean_ratio (geometric mean of dbt_mips / unicorn_mips), expansion (over the whole mix).
#include <QJsonArray>
#include <QJsonObject>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/bench_targets.h"
#include "app/cli/json.h"
#include "core/assets.h"
#include "core/error.h"
#include "emulator/dbt/dbt_engine.h"
#include "emulator/guest_loader.h"
#include "emulator/unicorn_x86_engine.h"

extern char** environ;

namespace vl::cli {
namespace {

const char* const kWorkloads[] = {"sieve", "fib", "memcpy", "sort", "crc32", "strings"};

struct Result {
    std::string name;
    double dbt_mips = 0, unicorn_mips = 0, expansion = 0;
    std::optional<double> qemu_seconds;
    uint64_t guest_instructions = 0, host_instructions = 0;
};

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::optional<std::string> findInPath(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    size_t at = 0;
    while (at <= dirs.size()) {
        const size_t end = dirs.find(':', at);
        const std::string dir = dirs.substr(at, end == std::string::npos ? std::string::npos : end - at);
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        if (end == std::string::npos) break;
        at = end + 1;
    }
    return std::nullopt;
}

// Wall-clock seconds of `qemu-i386 ELF` with its output discarded; nothing when it failed.
std::optional<double> timeQemu(const std::string& qemu, const std::string& elf) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> argv{const_cast<char*>(qemu.c_str()), const_cast<char*>(elf.c_str()), nullptr};
    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int err = posix_spawn(&pid, qemu.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) return std::nullopt;
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
    return secondsSince(start);
}

template <class E>
double runTimed(E& engine, const std::string& name, const char* engine_name) {
    const auto start = std::chrono::steady_clock::now();
    const RunState s = engine.run();
    const double seconds = secondsSince(start);
    if (s != RunState::Finished || engine.exitCode() != 0)
        throw Error(Error::Kind::Guest, "bench dbt: workload " + name + " did not finish on " + engine_name + ": " + engine.failure());
    return seconds;
}

Result measure(const std::string& name, const std::string& path, const std::optional<std::string>& qemu) {
    const emu::GuestImage image = emu::loadGuest(path);
    Result r;
    r.name = name;
    emu::EmulationOptions no_hit_counts;
    no_hit_counts.count_block_hits = false;  // instrumentation for the GUI and `emulate`, not the translator
    emu::DbtEngine dbt(image, no_hit_counts);
    const double dbt_seconds = runTimed(dbt, name, "the translator");
    emu::UnicornX86Engine ref(image);
    const double ref_seconds = runTimed(ref, name, "Unicorn x86");
    if (dbt.guestStdout() != ref.guestStdout())
        throw Error(Error::Kind::Guest, "bench dbt: workload " + name + " printed different output on the translator and on Unicorn x86");
    r.guest_instructions = dbt.guestInstructions();
    r.host_instructions = dbt.hostInstructions();
    r.dbt_mips = static_cast<double>(dbt.guestInstructions()) / dbt_seconds / 1e6;
    r.unicorn_mips = static_cast<double>(ref.guestInstructions()) / ref_seconds / 1e6;
    r.expansion = dbt.expansion();
    if (qemu) r.qemu_seconds = timeQemu(*qemu, path);
    return r;
}

int runBenchDbt(const Args& args) {
    ArgParser parser("virtlab bench dbt [options]",
                     "Guest MIPS of the x86 -> AArch64 translator and of Unicorn's x86 CPU on the same ELF\n"
                     "workloads, qemu-i386's whole-process time on them, and the expansion ratio.");
    parser.flag("--json", "print one JSON object instead of text")
        .flag("--quick", "tiny builds of the workloads (checks the shape, measures nothing useful)");
    if (!parser.parse(args)) return 0;
    const bool json = parser.has("--json"), quick = parser.has("--quick");
    const std::optional<std::string> qemu = findInPath("qemu-i386");

    std::vector<Result> results;
    std::vector<std::string> notes;
    if (!qemu) notes.push_back("qemu-i386 not found in PATH (Debian package qemu-user): qemu_seconds is null");
    for (const char* w : kWorkloads) {
        const std::string asset = std::string("programs/bench_") + w + (quick ? "_quick" : "") + ".elf";
        std::string path;
        try {
            path = builtAsset(asset);
        } catch (const Error&) {
            notes.push_back(std::string("workload ") + w + " skipped: " + asset + " was not built (the glibc one needs gcc-multilib)");
            continue;
        }
        if (!json) std::fprintf(stderr, "bench dbt: %s...\n", w);
        results.push_back(measure(w, path, qemu));
    }

    double log_sum = 0, guest = 0, host = 0;
    for (const Result& r : results) {
        log_sum += std::log(r.dbt_mips / r.unicorn_mips);
        guest += static_cast<double>(r.guest_instructions);
        host += static_cast<double>(r.host_instructions);
    }
    const double geomean = results.empty() ? 0 : std::exp(log_sum / static_cast<double>(results.size()));
    const double expansion = guest > 0 ? host / guest : 0;

    if (json) {
        QJsonObject out;
        QJsonArray workloads;
        for (const Result& r : results) {
            QJsonObject o;
            o.insert("name", qs(r.name));
            o.insert("dbt_mips", r.dbt_mips);
            o.insert("unicorn_mips", r.unicorn_mips);
            o.insert("qemu_seconds", r.qemu_seconds ? QJsonValue(*r.qemu_seconds) : QJsonValue());
            o.insert("expansion", r.expansion);
            o.insert("guest_instructions", static_cast<qint64>(r.guest_instructions));
            workloads.append(o);
        }
        out.insert("workloads", workloads);
        out.insert("geomean_ratio", geomean);
        out.insert("expansion", expansion);
        out.insert("quick", quick);
        QJsonArray note_list;
        for (const auto& n : notes) note_list.append(qs(n));
        out.insert("notes", note_list);
        printJson(out);
        return 0;
    }
    std::printf("%-8s %12s %12s %10s %12s %10s\n", "workload", "guest insns", "dbt MIPS", "unicorn", "qemu-i386 s", "expansion");
    for (const Result& r : results) {
        char qemu_text[32] = "-";
        if (r.qemu_seconds) std::snprintf(qemu_text, sizeof qemu_text, "%.3f", *r.qemu_seconds);
        std::printf("%-8s %12llu %12.1f %10.1f %12s %10.2f\n", r.name.c_str(), static_cast<unsigned long long>(r.guest_instructions),
                    r.dbt_mips, r.unicorn_mips, qemu_text, r.expansion);
    }
    std::printf("geometric mean of dbt/unicorn MIPS: %.2fx; expansion on the mix: %.2f AArch64 per x86 instruction\n", geomean,
                expansion);
    for (const auto& n : notes) std::printf("note: %s\n", n.c_str());
    return 0;
}

}  // namespace

VIRTLAB_BENCH(dbt, "dbt", "the x86 -> AArch64 translator beside Unicorn x86 and qemu-i386 (MIPS, expansion)", &runBenchDbt);

}  // namespace vl::cli
