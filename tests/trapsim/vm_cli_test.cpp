// `virtlab vm ...` as a user, a lesson or a grader script sees it.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <filesystem>
#include <fstream>
#include <regex>

#include "core/assets.h"
#include "tests/support/cli_runner.h"

namespace {

using vl::test::runVirtlab;
using vl::test::writeTempFile;

QJsonObject parseJson(const std::string& out) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(out), &error);
    EXPECT_EQ(error.error, QJsonParseError::NoError) << error.errorString().toStdString() << "\n" << out;
    EXPECT_TRUE(doc.isObject());
    return doc.object();
}

TEST(VmCli, RunTrapPrintsConsoleThenTrapTable) {
    const auto r = runVirtlab({"vm", "run", "--mode", "trap"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const size_t banner = r.out.find("VirtLab guest kernel 1.0");
    const size_t table = r.out.find("traps by instruction");
    ASSERT_NE(banner, std::string::npos) << r.out;
    ASSERT_NE(table, std::string::npos) << r.out;
    EXPECT_LT(banner, table);
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\\n  cli +2005\\n"))) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex("\\n  hlt +16\\n"))) << r.out;
    EXPECT_NE(r.out.find("guest instructions"), std::string::npos);
    EXPECT_NE(r.out.find("modeled cycles"), std::string::npos);
    EXPECT_EQ(r.err, "");
}

TEST(VmCli, JsonHasTheContractKeys) {
    const auto r = runVirtlab({"vm", "run", "--mode", "trap", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseJson(r.out);
    for (const char* key : {"mode", "console", "guest_instructions", "exits", "hypercalls", "vmm_entries",
                            "modeled_cycles", "seconds"})
        EXPECT_TRUE(o.contains(key)) << key;
    EXPECT_EQ(o["mode"].toString(), "trap");
    EXPECT_TRUE(o["console"].toString().startsWith("VirtLab guest kernel 1.0"));
    const QJsonObject exits = o["exits"].toObject();
    EXPECT_EQ(exits["cli"].toInteger(), 2005);  // kernel.asm: boot, 2000 critical sections, 2 ring-0 checks, 2 in user_tasks.inc
    EXPECT_EQ(exits["sti"].toInteger(), 2021);  // timer start, 2000 sections, 3 checks, 16 idle halts, 1 in user_tasks.inc
    EXPECT_EQ(exits["hlt"].toInteger(), 16);
    EXPECT_GT(exits["out"].toInteger(), 400);
    EXPECT_TRUE(o["hypercalls"].toObject().isEmpty());
    EXPECT_GT(o["guest_instructions"].toInteger(), 100000);
    EXPECT_GE(o["interrupts"].toInteger(), 16) << "at least one timer interrupt per idle hlt";
    // Every entry is a trap, an interrupt, a reflected exception (system calls included) or a
    // write-protect fault on a guest page table, which the shadow MMU notes.
    EXPECT_EQ(o["vmm_entries"].toInteger(),
              o["traps"].toInteger() + o["interrupts"].toInteger() + o["counters"]["exceptions_reflected"].toInteger() +
                  o["counters"]["shadow.page_table_writes"].toInteger());
    EXPECT_EQ(o["exit_code"].toInt(), 0);
    EXPECT_GT(o["modeled_cycles"].toInteger(), o["guest_instructions"].toInteger());
}

TEST(VmCli, GuestAsmSourceRunsAndMaxInsnsStopsARunawayGuest) {
    const std::string spin = writeTempFile("spin.asm", "BITS 32\nORG 0x100000\nspin: jmp spin\n");
    const auto r = runVirtlab({"vm", "run", "--mode", "trap", "--guest", spin, "--max-insns", "5000"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_NE(r.err.find("guest failed: the guest ran past its limit of 5000 instructions"), std::string::npos) << r.err;
}

TEST(VmCli, FailingGuestExitsOneWithTheReportAlsoInJson) {
    const std::string wild = writeTempFile("wild.asm", "BITS 32\nORG 0x100000\nmov eax, 0x900000\njmp eax\n");
    const auto r = runVirtlab({"vm", "run", "--guest", wild, "--json"});
    EXPECT_EQ(r.exit_status, 1);
    const QJsonObject o = parseJson(r.out);
    EXPECT_EQ(o["state"].toString(), "failed");
    EXPECT_TRUE(o["failure"].toString().contains("jumped to unmapped memory at 0x00900000"));
    EXPECT_NE(r.err.find("jumped to unmapped memory"), std::string::npos);
}

TEST(VmCli, UnknownModeListsTheValidOnes) {
    const auto r = runVirtlab({"vm", "run", "--mode", "kvm"});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.err.find("unknown mode 'kvm' (valid modes: trap, bt, hw, pv, emulate)"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(VmCli, HwModeReportsExitsBySdmReason) {
    const auto r = runVirtlab({"vm", "run", "--mode", "hw", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseJson(r.out);
    EXPECT_EQ(o["mode"].toString(), "hw");
    const QJsonObject exits = o["exits"].toObject();
    EXPECT_EQ(exits["HLT (12)"].toInteger(), 16);
    EXPECT_GT(exits["I/O instruction (30)"].toInteger(), 1000);
    // cr0 write, paging: 3 cr3 loads, cr0.PG; then a cr3 load per switch of the user tasks' spaces
    EXPECT_GT(exits["control-register access (28)"].toInteger(), 5 + 10);
    EXPECT_EQ(o["syscalls"].toInteger(), 19) << "the tour's 13 system calls and the counter's 6 writes";
    EXPECT_TRUE(o["console"].toString().contains("ring-0 checks passed: 7 of 7"));
    EXPECT_EQ(o["traps"].toInteger(), 0);
    const auto text = runVirtlab({"vm", "run", "--mode", "hw"});
    EXPECT_TRUE(std::regex_search(text.out, std::regex("\\n  HLT \\(12\\) +16\\n"))) << text.out;
}

TEST(VmCli, HwModeShowsTheVmcsControlsInUse) {
    const auto r = runVirtlab({"vm", "run", "--mode", "hw", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonArray controls = parseJson(r.out)["vmcs_controls"].toArray();
    ASSERT_FALSE(controls.isEmpty()) << r.out;
    bool saw_hlt = false;
    for (const auto& entry : controls) {
        const QJsonObject c = entry.toObject();
        for (const char* key : {"name", "field", "value", "fixed"}) EXPECT_TRUE(c.contains(key)) << key;
        if (c["name"].toString() == "HLT exiting") {
            saw_hlt = true;
            EXPECT_EQ(c["value"].toString(), "on");  // the default, and the 16 HLT exits above need it
            EXPECT_EQ(c["field"].toString(), "primary processor-based controls, bit 7");
        }
    }
    EXPECT_TRUE(saw_hlt);
    const auto text = runVirtlab({"vm", "run", "--mode", "hw"});
    EXPECT_TRUE(std::regex_search(text.out, std::regex("\\n  CR3-load exiting +on +primary processor-based controls, bit 15\\n")))
        << text.out;
    // Only hw has a VMCS.
    const auto trap = runVirtlab({"vm", "run", "--mode", "trap", "--json"});
    EXPECT_FALSE(parseJson(trap.out).contains("vmcs_controls"));
}

TEST(VmCli, BtModeShowsTheTranslationBesideTheOriginal) {
    const auto r = runVirtlab({"vm", "run", "--mode", "bt", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseJson(r.out);
    EXPECT_EQ(o["mode"].toString(), "bt");
    EXPECT_GT(o["bt"]["blocks"].toInteger(), 10);
    EXPECT_GT(o["bt"]["rewritten"].toInteger(), 10);
    EXPECT_EQ(o["exits"]["popf"].toInteger(), 2);
    bool cli_rewritten = false;
    for (const auto& line : o["listing"].toArray())
        cli_rewritten |= line.toString().contains(QRegularExpression("^0x00100020  cli +->  call vmm_cli$"));
    EXPECT_TRUE(cli_rewritten);
}

TEST(VmCli, CompareRunsEveryModeAndOnlyThePopfDemoLinesDiffer) {
    const auto r = runVirtlab({"vm", "compare", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseJson(r.out);
    const QJsonArray runs = o["runs"].toArray();
    ASSERT_EQ(runs.size(), 5);
    const char* const modes[] = {"trap", "bt", "hw", "pv", "emulate"};
    for (int i = 0; i < 5; ++i) EXPECT_EQ(runs[i].toObject()["mode"].toString(), modes[i]);
    for (int i = 2; i < 5; ++i)
        EXPECT_EQ(runs[1].toObject()["console"].toString(), runs[i].toObject()["console"].toString()) << modes[i];
    const QJsonArray differing = o["console_differences"].toArray();
    EXPECT_EQ(differing.size(), 16) << "the eight ring-0 check lines, as trap and as the others print them";
    for (const auto& line : differing) {
        const QString text = line.toString();
        EXPECT_TRUE(text.contains(" -> ") || text.startsWith("ring-0 checks passed")) << text.toStdString();
    }
    const auto text = runVirtlab({"vm", "compare"});
    ASSERT_EQ(text.exit_status, 0) << text.err;
    EXPECT_NE(text.out.find("[trap] ring-0 checks passed: 0 of 7"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("[hw  ] ring-0 checks passed: 7 of 7"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("side by side"), std::string::npos);
}

TEST(VmCli, PvModeBootsTheParavirtualBuildAndCountsHypercallsByXenName) {
    const auto r = runVirtlab({"vm", "run", "--mode", "pv", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseJson(r.out);
    EXPECT_EQ(o["mode"].toString(), "pv");
    EXPECT_TRUE(o["guest"].toString().endsWith("kernel-pv.bin"));
    const QJsonObject hypercalls = o["hypercalls"].toObject();
    EXPECT_GT(hypercalls["console_io"].toInteger(), 20);
    EXPECT_EQ(hypercalls["multicall"].toInteger(), 2);  // the timer's set-up; the page tables and space A
    // The paging demo: one mmu_update of 6 entries inside a multicall and 3 mmuext_ops. The user
    // tasks (user_tasks.inc): one single-entry mmu_update per user page mapped (33), and one
    // mmuext_op NEW_BASEPTR per switch between address spaces.
    EXPECT_EQ(hypercalls["mmu_update"].toInteger(), 1 + 33);
    EXPECT_EQ(o["counters"].toObject()["pv.page_table_updates"].toInteger(), 6 + 33);
    EXPECT_GT(hypercalls["mmuext_op"].toInteger(), 3);
    EXPECT_EQ(hypercalls["sched_op"].toInteger(), 17);
    EXPECT_EQ(o["exits"].toObject()["hypercall console_io"].toInteger(), hypercalls["console_io"].toInteger());
    EXPECT_TRUE(o["console"].toString().contains("ring-0 checks passed: 7 of 7"));
    const auto text = runVirtlab({"vm", "run", "--mode", "pv"});
    ASSERT_EQ(text.exit_status, 0) << text.err;
    EXPECT_NE(text.out.find("Xen-style hypervisor: entries by reason"), std::string::npos) << text.out;
    EXPECT_TRUE(std::regex_search(text.out, std::regex("\\n  hypercall sched_op +17\\n"))) << text.out;
}

TEST(VmCli, EmulateModeCountsTranslatedBlocksAndNoMonitorEntries) {
    const auto r = runVirtlab({"vm", "run", "--mode", "emulate", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseJson(r.out);
    EXPECT_EQ(o["vmm_entries"].toInteger(), 0);
    EXPECT_GT(o["blocks_translated"].toInteger(), 50);
    EXPECT_TRUE(o["exits"].toObject().isEmpty());
}

TEST(VmCli, BenchVmReportsEveryModeAndTheTrapStorm) {
    const auto r = runVirtlab({"bench", "vm", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseJson(r.out);
    const QJsonArray modes = o["modes"].toArray();
    ASSERT_EQ(modes.size(), 5);
    for (const auto& m : modes) {
        const QJsonObject run = m.toObject();
        for (const char* key : {"mode", "seconds", "vmm_entries", "entries_per_second"})
            EXPECT_TRUE(run.contains(key)) << key;
        EXPECT_TRUE(run["finished"].toBool()) << run["mode"].toString().toStdString();
    }
    const QJsonArray storm = o["trap_storm"].toArray();
    ASSERT_EQ(storm.size(), 2);
    EXPECT_EQ(storm[0].toObject()["vmm_entries"].toInteger(), 1000001);  // a million outs, and the power-off
    EXPECT_EQ(storm[1].toObject()["vmm_entries"].toInteger(), 1000001);
    EXPECT_GE(o["pv_vs_trap_entries_ratio"].toDouble(), 10.0);
}

TEST(VmCli, MalformedAsmNamesFileAndLine) {
    const std::string bad = writeTempFile("broken.asm", "BITS 32\nORG 0x100000\n  cli\n  mov eax,, 1\n");
    const auto r = runVirtlab({"vm", "run", "--mode", "trap", "--guest", bad});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.err.find(bad + ":4: "), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(VmCli, TruncatedAndEmptyGuestsAreBadInput) {
    std::ifstream in(vl::builtAsset("guest/kernel.bin"), std::ios::binary);
    std::string kernel((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(kernel.size(), 200u);
    const std::string truncated = writeTempFile("truncated.bin", kernel.substr(0, kernel.size() / 2));
    auto r = runVirtlab({"vm", "run", "--mode", "trap", "--guest", truncated});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.err.find(truncated + ": truncated"), std::string::npos) << r.err;

    const std::string empty = writeTempFile("empty.bin", "");
    r = runVirtlab({"vm", "run", "--mode", "trap", "--guest", empty});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.err.find("empty guest image"), std::string::npos) << r.err;
}

TEST(VmCli, VerbsAndHelp) {
    auto r = runVirtlab({"vm"});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.err.find("missing verb"), std::string::npos) << r.err;
    r = runVirtlab({"vm", "frobnicate"});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.err.find("unknown verb 'frobnicate'"), std::string::npos) << r.err;
    r = runVirtlab({"vm", "--help"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_NE(r.out.find("virtlab vm run"), std::string::npos);
    r = runVirtlab({"vm", "run", "--help"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_NE(r.out.find("--max-insns"), std::string::npos) << r.out;
    r = runVirtlab({"vm", "run", "--bogus"});
    EXPECT_EQ(r.exit_status, 2);
    r = runVirtlab({"vm", "run", "--max-insns", "lots"});
    EXPECT_EQ(r.exit_status, 2);
}

}  // namespace
