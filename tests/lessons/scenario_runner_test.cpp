#include <gtest/gtest.h>

#include <chrono>

#include "lessons/scenario_runner.h"

using namespace std::chrono_literals;
using vl::lessons::ScenarioResult;
using vl::lessons::ScenarioRunner;

namespace {

ScenarioResult run(const char* source, const char* function = "", std::chrono::milliseconds budget = 10s) {
    return ScenarioRunner(budget).runSource(QString::fromUtf8(source), "t.js", QString::fromUtf8(function));
}

TEST(ScenarioRunner, RecordsChecksAnswersAndHints) {
    const auto r = run("function main() {\n"
                       "  expect('true holds', 1 < 2);\n"
                       "  expectEqual('sum', 2 + 2, 4);\n"
                       "  answer('q', 42);\n"
                       "  show('registers'); highlight('eax');\n"
                       "}\n",
                       "main");
    EXPECT_FALSE(r.broken()) << r.error.toStdString();
    ASSERT_EQ(r.checks.size(), 2u);
    EXPECT_TRUE(r.passed());
    EXPECT_EQ(r.answers.value("q").toInt(), 42);
    ASSERT_EQ(r.hints.size(), 2u);
    EXPECT_EQ(r.hints[0].kind, "show");
    EXPECT_EQ(r.hints[1].target, "eax");
}

TEST(ScenarioRunner, FailingCheckSaysWhy) {
    const auto r = run("expectEqual('objects', {a: 1}, {a: 2});\nexpect('flag', false, 'it was false');\n");
    ASSERT_EQ(r.checks.size(), 2u);
    EXPECT_FALSE(r.passed());
    EXPECT_EQ(r.checks[0].message, "got {\"a\":1}, expected {\"a\":2}");
    EXPECT_EQ(r.checks[1].message, "it was false");
}

TEST(ScenarioRunner, SyntaxErrorNamesFileAndLine) {
    const auto r = run("var a = 1;\nvar b = ;\n");
    ASSERT_TRUE(r.broken());
    EXPECT_TRUE(r.error.startsWith("t.js:2: SyntaxError")) << r.error.toStdString();
}

TEST(ScenarioRunner, RuntimeErrorNamesTheScriptLineEvenThroughThePrelude) {
    const auto r = run("function main() {\n  expect();\n}\n", "main");
    ASSERT_TRUE(r.broken());
    EXPECT_TRUE(r.error.startsWith("t.js:2: TypeError: expect: the first argument")) << r.error.toStdString();
}

TEST(ScenarioRunner, MissingFunctionIsBroken) {
    const auto r = run("function main() {}\n", "mian");
    EXPECT_EQ(r.error, "t.js: no function 'mian' (named by lesson.json)");
}

TEST(ScenarioRunner, EndlessLoopIsStoppedAtTheBudget) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run("expect('before', true);\nwhile (true) {}\n", "", 200ms);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
    EXPECT_FALSE(r.broken()) << r.error.toStdString();
    EXPECT_EQ(r.timed_out, "timed out after 0.2 s");
    EXPECT_FALSE(r.passed());
}

TEST(ScenarioRunner, EndlessWorldRunsAreStoppedToo) {
    // Each lab.vm() boots the guest kernel (tens of ms); the watchdog must stop the loop and
    // refuse further worlds even when it fires while one is running.
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run("while (true) lab.vm({mode: 'trap'});\n", "", 300ms);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    EXPECT_EQ(r.timed_out, "timed out after 0.3 s");
}

TEST(ScenarioRunner, NoFileSystemProcessOrNetworkAccess) {
    for (const char* attempt : {"readFile('/etc/passwd');", "require('fs');", "new XMLHttpRequest();",
                                "Qt.include('/etc/passwd');", "console.log('x');", "print('x');"}) {
        const auto r = run(attempt);
        ASSERT_TRUE(r.broken()) << attempt;
        EXPECT_TRUE(r.error.startsWith("t.js:1: ReferenceError: ")) << r.error.toStdString();
    }
    const auto imported = run("import('/etc/passwd');");
    EXPECT_TRUE(imported.error.startsWith("t.js:1: SyntaxError")) << imported.error.toStdString();
}

TEST(ScenarioRunner, ProgramsAreNamedNotPathed) {
    const auto r = run("lab.emulate({program: '/bin/sh'});");
    ASSERT_TRUE(r.broken());
    EXPECT_NE(r.error.indexOf("must be the name of a built VirtLab program"), -1) << r.error.toStdString();
    const auto up = run("lab.emulate({program: 'tour/../../../../bin/sh'});");
    EXPECT_NE(up.error.indexOf("must be the name of a built VirtLab program"), -1) << up.error.toStdString();
}

TEST(ScenarioRunner, UnknownOptionIsReported) {
    const auto r = run("lab.vm({mdoe: 'trap'});");
    EXPECT_TRUE(r.error.startsWith("t.js:1: Error: lab.vm: unknown option 'mdoe'")) << r.error.toStdString();
}

TEST(ScenarioRunner, EmulationReturnsAPlainObject) {
    const auto r = run("var run = lab.emulate({program: 'tour/tour-i386', engine: 'arm-direct'});\n"
                       "expectEqual('state', run.state, 'failed');\n"
                       "expectEqual('counter', run.counters.arm64_instructions, 0);\n"
                       "expect('listing', run.listing.length > 0);\n");
    EXPECT_FALSE(r.broken()) << r.error.toStdString();
    EXPECT_TRUE(r.passed());
}

// The GUI shows a step's own world runs in the panes: each run that ended without an error is
// kept, in order, with the settings it was given and the numbers the script saw.
TEST(ScenarioRunner, KeepsEachWorldRunForThePanes) {
    const auto r = run("var run = lab.vm({mode: 'trap', events: 'trap'});\n"
                       "answer('cli', run.counters['traps.cli']);\n"
                       "answer('events', run.events_total);\n"
                       "try { lab.vm({mode: 'nonsense'}); } catch (e) {}\n"
                       "lab.emulate({program: 'tour/tour-i386', engine: 'arm-direct'});\n");
    ASSERT_FALSE(r.broken()) << r.error.toStdString();
    ASSERT_EQ(r.world_runs.size(), 2u) << "the refused call made no run";
    const auto& vm = r.world_runs[0];
    EXPECT_EQ(vm.call, "lab.vm");
    EXPECT_EQ(vm.options.value("mode").toString(), "trap");
    EXPECT_EQ(vm.state, vl::RunState::Finished);
    EXPECT_EQ(static_cast<qint64>(vm.counters.at("traps.cli")), r.answers.value("cli").toInteger());
    EXPECT_NE(vm.snapshot.console.find("VirtLab guest kernel"), std::string::npos);
    // The script's `events` took only traps; the pane gets the latest events of every kind.
    ASSERT_FALSE(vm.events.empty());
    EXPECT_LE(vm.events.size(), vl::lessons::kRecordedEvents);
    EXPECT_LT(vm.events.front().seq, vm.events.back().seq) << "oldest first";
    EXPECT_EQ(r.world_runs[1].call, "lab.emulate");
    EXPECT_EQ(r.world_runs[1].state, vl::RunState::Failed);
}

}  // namespace
