// `virtlab bench TARGET [options]`: dispatches to the benchmark a world registered with
// VIRTLAB_BENCH (bench_targets.h). Speed lives here, reported as ratios against real peers,
// and never in timed test assertions.
#include <algorithm>
#include <cstdio>

#include "app/cli/bench_targets.h"
#include "core/error.h"

namespace vl::cli {
namespace {

std::vector<BenchTarget>& registry() {
    static std::vector<BenchTarget> all;  // filled by static registrars before main()
    return all;
}

std::string targetNames() {
    std::string names;
    for (const auto& t : benchTargets()) names += (names.empty() ? "" : "|") + t.name;
    return names;
}

void printHelp() {
    std::printf("usage: virtlab bench %s [--json]\n\nMeasure a world beside its real peer; results are ratios.\n\ntargets:\n",
                targetNames().c_str());
    for (const auto& t : benchTargets()) std::printf("  %-12s %s\n", t.name.c_str(), t.description.c_str());
    std::printf("\n`virtlab bench TARGET --help` lists the target's options.\n");
}

int runBench(const Args& args) {
    if (args.empty()) throwInput("bench: missing TARGET (valid: " + targetNames() + ")");
    if (args[0] == "--help" || args[0] == "-h") {
        printHelp();
        return 0;
    }
    for (const auto& t : benchTargets())
        if (t.name == args[0]) return t.run(Args(args.begin() + 1, args.end()));
    throwInput("bench: unknown target '" + args[0] + "' (valid: " + targetNames() + ")");
}

}  // namespace

BenchRegistrar::BenchRegistrar(BenchTarget target) {
    auto& all = registry();
    all.push_back(std::move(target));
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
}

const std::vector<BenchTarget>& benchTargets() { return registry(); }

VIRTLAB_COMMAND(bench, "bench", "bench dbt|vm|containers [--json]   speed beside the real peers, as ratios", 24, &runBench);

}  // namespace vl::cli
