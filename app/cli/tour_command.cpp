// `virtlab tour`: one workload in every world, side by side (the worlds and the rows of the
// comparison are in app/tour/tour.h, shared with the GUI's tour view).
#include <QJsonArray>
#include <QJsonObject>

#include <cstdio>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/json.h"
#include "app/tour/tour.h"
#include "trapsim/monitor_mode.h"

namespace vl::cli {
namespace {

qint64 count(const tour::WorldRun& run, const std::string& name) {
    auto it = run.counters.find(name);
    return it == run.counters.end() ? 0 : static_cast<qint64>(it->second);
}

QJsonObject toJson(const tour::WorldRun& run) {
    QJsonObject o{{"world", qs(run.world)}, {"mode", qs(run.mode)}};
    if (run.skipped()) {
        o["skipped"] = qs(run.skip_reason);
        return o;
    }
    o["passed"] = run.passed();
    o["exit_code"] = run.exit_code;
    if (!run.failure.empty()) o["failure"] = qs(run.failure);
    o["console"] = qs(run.console);
    o["guest_instructions"] = count(run, "guest_instructions");
    // The same table `vm run --json` gives: traps by instruction, or exits by SDM reason in hw.
    QJsonObject exits;
    if (const auto mode = vm::parseMode(run.mode))
        for (const auto& row : vm::entriesByReason(*mode, run.counters)) exits[qs(row.reason)] = static_cast<qint64>(row.count);
    o["exits"] = exits;
    QJsonObject hypercalls;  // by Xen's name, in the paravirtual world
    const std::string prefix = "hypercalls.";
    for (const auto& [name, value] : run.counters)
        if (name.rfind(prefix, 0) == 0 && value) hypercalls[qs(name.substr(prefix.size()))] = static_cast<qint64>(value);
    o["hypercalls"] = hypercalls;
    o["vmm_entries"] = count(run, "vmm_entries");
    o["syscalls"] = count(run, "syscalls");
    o["modeled_cycles"] = count(run, "modeled_cycles");
    o["seconds"] = run.seconds;
    o["counters"] = cli::toJson(run.counters);
    return o;
}

std::string cellText(const tour::WorldRun& run, const tour::Metric& metric) {
    if (run.skipped()) return "skipped";
    const auto value = metric.value(run);
    if (!value) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, metric.json_key == "milliseconds" ? "%.1f" : "%.0f", *value);
    return buf;
}

void printTable(const std::vector<tour::WorldRun>& runs) {
    std::printf("%-24s", "");
    for (const auto& r : runs) std::printf(" %19s", r.world.c_str());
    std::printf("\n%-24s", "result");
    for (const auto& r : runs)
        std::printf(" %19s", r.skipped()                     ? "skipped"
                            : r.state == RunState::Finished ? ("exit " + std::to_string(r.exit_code)).c_str()
                                                            : "failed");
    std::printf("\n");
    for (const auto& metric : tour::metrics()) {
        std::printf("%-24s", metric.label.c_str());
        for (const auto& r : runs) std::printf(" %19s", cellText(r, metric).c_str());
        std::printf("\n");
    }
}

int tourCommand(const Args& args) {
    ArgParser parser("virtlab tour [--json]",
                     "Run one workload in every world and show them side by side: the tour program under "
                     "full emulation and in a real container, and the guest kernel under trap-and-emulate.");
    parser.flag("--json", "print one JSON object with a `runs` array");
    if (!parser.parse(args)) return 0;

    std::vector<tour::WorldRun> runs;
    for (const auto& world : tour::worlds()) runs.push_back(tour::run(world));
    bool all_passed = true;
    for (const auto& r : runs) all_passed = all_passed && (r.skipped() || r.passed());

    if (parser.has("--json")) {
        QJsonArray array;
        for (const auto& r : runs) array.append(toJson(r));
        printJson(QJsonObject{{"runs", array}, {"passed", all_passed}});
        return all_passed ? 0 : 1;
    }
    for (const auto& r : runs) {
        std::printf("== %s ==\n", r.world.c_str());
        if (r.skipped()) std::printf("(skipped: %s)\n", r.skip_reason.c_str());
        else std::fputs(r.console.c_str(), stdout);
        if (!r.failure.empty()) std::printf("(%s)\n", r.failure.c_str());
        std::printf("\n");
    }
    printTable(runs);
    return all_passed ? 0 : 1;
}

}  // namespace

VIRTLAB_COMMAND(tour, "tour", "tour [--json]           one workload in every world, side by side", 20, &tourCommand);

}  // namespace vl::cli
