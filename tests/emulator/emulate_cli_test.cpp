// `virtlab emulate` as users and graders see it: text, --json, --trace, exit statuses.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <fstream>
#include <iterator>

#include "core/assets.h"
#include "tests/support/cli_runner.h"

using vl::test::runVirtlab;
using vl::test::writeTempFile;

namespace {

QJsonObject parseJson(const std::string& out) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(out), &error);
    EXPECT_EQ(error.error, QJsonParseError::NoError) << out;
    EXPECT_TRUE(doc.isObject()) << out;
    return doc.object();
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string helloAsm() { return vl::sourceAsset("programs/hello.asm"); }

}  // namespace

TEST(EmulateCli, TextShowsOutputSummaryAndRegisters) {
    const auto r = runVirtlab({"emulate", helloAsm()});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("Hello from x86\n", 0), 0u) << r.out;  // the program's output comes first
    EXPECT_TRUE(contains(r.out, "--- engine unicorn")) << r.out;
    EXPECT_TRUE(contains(r.out, "exit code           0")) << r.out;
    EXPECT_TRUE(contains(r.out, "guest instructions  8")) << r.out;
    EXPECT_TRUE(contains(r.out, "syscalls            2 (exit 1, write 1)")) << r.out;
    EXPECT_TRUE(contains(r.out, "eax    0x00000001")) << r.out;
    EXPECT_TRUE(contains(r.out, "eip    0x0040001f")) << r.out;
}

TEST(EmulateCli, JsonHasTheContractKeys) {
    const auto r = runVirtlab({"emulate", helloAsm(), "--engine", "unicorn", "--json"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parseJson(r.out);
    EXPECT_EQ(o["engine"].toString(), "unicorn");
    EXPECT_EQ(o["exit_code"].toInt(-1), 0);
    EXPECT_EQ(o["stdout"].toString(), "Hello from x86\n");
    EXPECT_EQ(o["guest_instructions"].toInt(), 8);
    EXPECT_EQ(o["registers"].toObject()["eax"].toString(), "0x00000001");
    EXPECT_EQ(o["registers"].toObject()["ecx"].toString(), "0x00400020");
    EXPECT_EQ(o["registers"].toObject().size(), 10);
    EXPECT_EQ(o["syscalls"].toObject()["write"].toInt(), 1);
    EXPECT_EQ(o["counters"].toObject()["blocks"].toInt(), 2);
    EXPECT_TRUE(o["failure"].isNull());
}

TEST(EmulateCli, TracePrintsEveryBlockBeforeTheSummary) {
    const auto r = runVirtlab({"emulate", helloAsm(), "--trace"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    const size_t first = r.out.find("block 0x00400000 (5 instructions)");
    const size_t second = r.out.find("block 0x00400016 (3 instructions)");
    const size_t summary = r.out.find("--- engine unicorn");
    ASSERT_NE(first, std::string::npos) << r.out;
    ASSERT_NE(second, std::string::npos) << r.out;
    EXPECT_LT(first, second);
    EXPECT_LT(second, summary);
    EXPECT_TRUE(contains(r.out, "int 0x80")) << r.out;
}

TEST(EmulateCli, ElfNonZeroExitGivesStatusOne) {
    const auto r = runVirtlab({"emulate", vl::builtAsset("programs/syscalls.elf"), "--json"});
    EXPECT_EQ(r.exit_status, 1);
    const QJsonObject o = parseJson(r.out);
    EXPECT_EQ(o["exit_code"].toInt(), 3);
    EXPECT_EQ(o["syscalls"].toObject()["brk"].toInt(), 2);
    EXPECT_EQ(o["stdout"].toString(), "pid 1000\nbrk grew the heap by 8192 bytes\n");
}

TEST(EmulateCli, GuestCrashIsStatusOneWithAReason) {
    const std::string path = writeTempFile("crash.asm", "org 0x00400000\nmov eax, 0x12345678\njmp eax\n");
    const auto r = runVirtlab({"emulate", path});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_TRUE(contains(r.out, "crashed             instruction fetch from unmapped memory at 0x12345678")) << r.out;
}

TEST(EmulateCli, MaxInsnsStopsAnEndlessGuest) {
    const std::string path = writeTempFile("spin.asm", "org 0x00400000\nl: jmp l\n");
    const auto r = runVirtlab({"emulate", path, "--max-insns", "1000", "--json"});
    EXPECT_EQ(r.exit_status, 1);
    const QJsonObject o = parseJson(r.out);
    EXPECT_EQ(o["guest_instructions"].toInt(), 1000);
    EXPECT_TRUE(o["exit_code"].isNull());
    EXPECT_TRUE(contains(o["failure"].toString().toStdString(), "instruction limit of 1000 reached"));
}

TEST(EmulateCli, ArmDirectCrashesAndShowsTheArmReading) {
    const auto r = runVirtlab({"emulate", helloAsm(), "--engine", "arm-direct", "--json"});
    EXPECT_EQ(r.exit_status, 1) << r.err;
    const QJsonObject o = parseJson(r.out);
    EXPECT_EQ(o["engine"].toString(), "arm-direct");
    const QJsonArray arm64 = o["arm64"].toArray();
    ASSERT_FALSE(arm64.isEmpty());
    EXPECT_EQ(arm64[0].toObject()["word"].toString(), "0x000004b8");
    EXPECT_FALSE(arm64[0].toObject()["valid"].toBool());
    const QJsonObject fault = o["fault"].toObject();
    EXPECT_EQ(fault["pc"].toString(), "0x00400000");
    EXPECT_TRUE(contains(fault["error"].toString().toStdString(), "EXCP_UDEF"));
    EXPECT_EQ(o["x86"].toArray()[0].toString(), "0x00400000: mov eax, 4");
}

TEST(EmulateCli, ArmDirectTextSaysWhatTheArmCpuDecoded) {
    const auto r = runVirtlab({"emulate", vl::builtAsset("programs/hello.elf"), "--engine", "arm-direct"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_TRUE(contains(r.out, "as the ARM64 CPU reads them")) << r.out;
    EXPECT_TRUE(contains(r.out, "0x08049000  0x000004b8  .inst 0x000004b8 (undefined in AArch64)   <- stopped here")) << r.out;
    EXPECT_TRUE(contains(r.out, "crashed  undefined instruction exception (EXCP_UDEF) at pc 0x08049000")) << r.out;
}

TEST(EmulateCli, MalformedAsmIsStatusTwoWithFileAndLine) {
    const std::string path = writeTempFile("broken.asm", "mov eax, 1\nmov eax, [ebx\n");
    const auto r = runVirtlab({"emulate", path});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_EQ(r.err, "virtlab: " + path + ":2: expecting ] at end of memory operand\n");
    EXPECT_EQ(r.out, "");
}

TEST(EmulateCli, TruncatedElfIsStatusTwo) {
    std::ifstream in(vl::builtAsset("programs/hello.elf"), std::ios::binary);
    std::string bytes(std::istreambuf_iterator<char>(in), {});
    const std::string path = writeTempFile("truncated.elf", bytes.substr(0, 30));
    const auto r = runVirtlab({"emulate", path, "--json"});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_TRUE(contains(r.err, "truncated.elf: offset 30: truncated ELF header (30 bytes, need 52)")) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(EmulateCli, UsageErrorsAreStatusTwo) {
    const auto unknown_option = runVirtlab({"emulate", helloAsm(), "--bogus"});
    EXPECT_EQ(unknown_option.exit_status, 2);
    EXPECT_TRUE(contains(unknown_option.err, "unknown option --bogus")) << unknown_option.err;

    const auto unknown_engine = runVirtlab({"emulate", helloAsm(), "--engine", "qemu"});
    EXPECT_EQ(unknown_engine.exit_status, 2);
    EXPECT_TRUE(contains(unknown_engine.err, "unknown engine 'qemu' (valid: unicorn, dbt, arm-direct)")) << unknown_engine.err;

    const auto missing = runVirtlab({"emulate"});
    EXPECT_EQ(missing.exit_status, 2);

    const auto bad_number = runVirtlab({"emulate", helloAsm(), "--max-insns", "lots"});
    EXPECT_EQ(bad_number.exit_status, 2);
}

TEST(EmulateCli, HelpListsOnlyWhatWorks) {
    const auto r = runVirtlab({"emulate", "--help"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_TRUE(contains(r.out, "--engine")) << r.out;
    EXPECT_TRUE(contains(r.out, "arm-direct")) << r.out;
    EXPECT_TRUE(contains(r.out, "dbt")) << r.out;       // the translator (issue 3)
    EXPECT_TRUE(contains(r.out, "--compare")) << r.out;
}
