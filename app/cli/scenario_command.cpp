// `virtlab scenario run FILE.js`: an instructor's script run headlessly with the same lab API
// and checks as a lesson's scenario (lessons/README.md).
#include <cstdio>

#include <chrono>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/json.h"
#include "core/error.h"
#include "lessons/result_json.h"
#include "lessons/scenario_runner.h"

namespace vl::cli {
namespace {

using namespace vl::lessons;

int runScenario(const Args& args) {
    ArgParser parser("virtlab scenario run FILE.js [--budget SECONDS] [--json]",
                     "Run a scenario script and its checks. Exit 0 all checks pass, 1 a check fails or time "
                     "runs out, 2 the script is broken (the file and line are named).");
    parser.positional("FILE", "the scenario script");
    parser.option("--budget", "SECONDS", "time budget", "30");
    parser.flag("--json", "print one JSON object: {passed, checks, answers, hints, ...}");
    if (!parser.parse(args)) return 0;
    const double budget_s = parser.doubleValue("--budget", 30);
    if (!(budget_s > 0) || budget_s > 86400) throwInput("--budget: must be between 0 and 86400 seconds");
    const QString file = qs(parser.positionalValue("FILE"));

    const ScenarioRunner runner(std::chrono::milliseconds(static_cast<long long>(budget_s * 1000)));
    const ScenarioResult result = runner.runFile(file);
    if (parser.has("--json")) {
        printJson(toJson(result, file));
    } else {
        for (const auto& c : result.checks) {
            std::printf("[%-4s] %s", c.skipped ? "skip" : c.passed ? "ok" : "FAIL", qPrintable(c.name));
            if (!c.message.isEmpty()) std::printf(" -- %s", qPrintable(c.message));
            std::printf("\n");
        }
        if (!result.timed_out.isEmpty()) std::printf("[FAIL] time budget -- %s\n", qPrintable(result.timed_out));
        if (!result.broken()) std::printf("%s\n", result.passed() ? "passed" : "failed");
    }
    if (result.broken()) {
        if (!parser.has("--json")) throwInput(result.error.toStdString());
        return 2;
    }
    return result.passed() ? 0 : 1;
}

int scenarioCommand(const Args& args) {
    if (args.empty()) throwInput("scenario: missing subcommand (run; see --help)");
    if (args[0] == "--help" || args[0] == "-h") {
        std::printf("usage: virtlab scenario run FILE.js [--budget SECONDS] [--json]\n");
        return 0;
    }
    if (args[0] == "run") return runScenario(Args(args.begin() + 1, args.end()));
    throwInput("scenario: unknown subcommand '" + args[0] + "' (valid: run)");
}

}  // namespace

VIRTLAB_COMMAND(scenario, "scenario", "scenario run FILE.js    run an instructor's scenario script and its checks",
                61, &scenarioCommand);

}  // namespace vl::cli
