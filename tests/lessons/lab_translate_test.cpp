// lab.translate and lab.vm({until_console}) as a scenario sees them: live translator output,
// NASM snippets fenced off from the file system, and a run stopped at a console line.
#include <gtest/gtest.h>

#include <chrono>

#include "lessons/scenario_runner.h"

using namespace std::chrono_literals;
using vl::lessons::ScenarioResult;
using vl::lessons::ScenarioRunner;

namespace {

ScenarioResult run(const char* source) { return ScenarioRunner(20s).runSource(QString::fromUtf8(source), "t.js"); }

TEST(LabTranslate, PairsEachX86InstructionWithItsAArch64) {
    // mov eax, 40 / mov ebx, 2 / add eax, ebx (flags dead: sub overwrites them all) /
    // sub eax, 42 / mov ebx, eax / mov eax, 1 / int 0x80  -> exit(0)
    const auto r = run(
        "var run = lab.translate({source: 'mov eax, 40\\nmov ebx, 2\\nadd eax, ebx\\nsub eax, 42\\n"
        "mov ebx, eax\\nmov eax, 1\\nint 0x80'});\n"
        "expectEqual('exit', run.exit_code, 0);\n"
        "expectEqual('engine', run.engine, 'dbt');\n"
        "var insns = run.blocks[0].instructions;\n"
        "expectEqual('first', insns[0].x86, 'mov eax, 0x28');\n"
        "expectEqual('address', insns[0].address, '0x00400000');\n"
        "var add = insns[2];\n"
        "expectEqual('add', add.x86, 'add eax, ebx');\n"
        "expect('plain add', add.arm64[0].indexOf('add w0, w0, w3') === 0, JSON.stringify(add.arm64));\n"
        "expectEqual('dead flags', add.flags_skipped.length, 6);\n"
        "expect('sub computes flags at the block end', insns[3].flags_computed.indexOf('ZF') >= 0);\n"
        "expect('expansion', run.expansion > 0 && run.dynamic_expansion > 0);\n"
        "expect('counters', run.counters.blocks_translated >= 1);\n");
    EXPECT_FALSE(r.broken()) << r.error.toStdString();
    for (const auto& c : r.checks) EXPECT_TRUE(c.passed) << c.name.toStdString() << ": " << c.message.toStdString();
    EXPECT_EQ(r.checks.size(), 10u);
}

TEST(LabTranslate, SnippetMayNotReachFiles) {
    for (const char* attempt : {"incbin \"/etc/shadow\"", "%include \"/etc/passwd\"", "mov eax, 1\\n%!HOME"}) {
        const auto r = run(("lab.translate({source: '" + std::string(attempt) + "'});").c_str());
        ASSERT_TRUE(r.broken()) << attempt;
        EXPECT_NE(r.error.indexOf("is not allowed (no NASM preprocessor or incbin"), -1) << r.error.toStdString();
    }
    const auto line = run("lab.translate({source: 'nop\\nnop\\nincbin \"x\"'});");
    EXPECT_NE(line.error.indexOf("lab.translate: source line 3: 'incbin'"), -1) << line.error.toStdString();
}

TEST(LabTranslate, AssemblyErrorNamesTheSnippetLine) {
    const auto r = run("lab.translate({source: 'nop\\nmov eax,'});");
    ASSERT_TRUE(r.broken());
    EXPECT_TRUE(r.error.startsWith("t.js:1: Error: lab.translate: source line 2: ")) << r.error.toStdString();
}

TEST(LabTranslate, NeedsExactlyOneOfProgramAndSource) {
    const auto r = run("lab.translate({});");
    EXPECT_NE(r.error.indexOf("give exactly one of program"), -1) << r.error.toStdString();
}

TEST(LabVm, StopsAtAConsoleLine) {
    const auto r = run(
        "var run = lab.vm({mode: 'hw', until_console: 'cr0 = '});\n"
        "expectEqual('paused', run.state, 'paused');\n"
        "expectEqual('seen', run.until_console_seen, true);\n"
        "expect('stopped early', run.console.indexOf('powering off') < 0, run.console);\n"
        "expect('cost model', run.cost_model.length > 0 && run.cost_model[0].source.length > 0);\n"
        "expect('modes', lab.vmModes().indexOf('hw') >= 0);\n");
    EXPECT_FALSE(r.broken()) << r.error.toStdString();
    for (const auto& c : r.checks) EXPECT_TRUE(c.passed) << c.name.toStdString() << ": " << c.message.toStdString();
}

}  // namespace
