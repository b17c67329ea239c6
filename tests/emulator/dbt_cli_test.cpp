// `virtlab emulate --engine dbt`, `emulate --compare`, `translate` and `fuzz dbt`, run as a user
// runs them, with their JSON read back through QJsonDocument.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/assets.h"
#include "tests/support/cli_runner.h"

using vl::test::runVirtlab;

namespace {

QJsonObject parse(const std::string& out) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(out), &error);
    EXPECT_EQ(error.error, QJsonParseError::NoError) << out;
    return doc.object();
}

std::string tour() { return vl::builtAsset("tour/tour-i386"); }

}  // namespace

TEST(DbtCli, EmulateTheTourOnTheTranslator) {
    const auto r = runVirtlab({"emulate", tour(), "--engine", "dbt", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parse(r.out);
    EXPECT_EQ(o["engine"].toString(), "dbt");
    EXPECT_EQ(o["exit_code"].toInt(), 0);
    EXPECT_TRUE(o["stdout"].toString().contains("fib(20): 6765\n"));
    EXPECT_EQ(o["guest_instructions"].toInteger(), 1289873);  // as on Unicorn x86 (see the compare test)
    for (const char* key : {"blocks_translated", "cache_hits", "chained_jumps", "helper_exits", "host_instructions"})
        EXPECT_GT(o[key].toInteger(), 0) << key;
    EXPECT_GT(o["expansion"].toDouble(), 1.0);
    EXPECT_EQ(o["registers"].toObject()["eax"].toString(), "0x00000001");
}

TEST(DbtCli, CompareReportsAMatch) {
    const auto r = runVirtlab({"emulate", tour(), "--compare", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err << r.out;
    const QJsonObject o = parse(r.out);
    EXPECT_TRUE(o["match"].toBool());
    EXPECT_TRUE(o["divergence"].isNull());
    EXPECT_GT(o["blocks_compared"].toInteger(), 100000);
    const auto text = runVirtlab({"emulate", vl::builtAsset("programs/fib.elf"), "--compare"});
    EXPECT_EQ(text.exit_status, 0);
    EXPECT_NE(text.out.find("\nmatch\n"), std::string::npos) << text.out;
}

TEST(DbtCli, UnsupportedInstructionIsAClearFailure) {
    const std::string src = vl::test::writeTempFile("cpuid.asm", "        org 0x00400000\n        mov eax, 7\n        cpuid\n");
    const auto r = runVirtlab({"emulate", src, "--engine", "dbt", "--json"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(parse(r.out)["failure"].toString(), "unsupported instruction cpuid at 0x00400005");
}

TEST(DbtCli, TranslateListsEveryBlockWithItsMap) {
    const auto r = runVirtlab({"translate", vl::builtAsset("programs/fib.elf"), "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parse(r.out);
    const QJsonArray blocks = o["blocks"].toArray();
    ASSERT_FALSE(blocks.isEmpty());
    const QJsonObject first = blocks.first().toObject();
    EXPECT_EQ(first["address"].toString(), "0x08049000");
    EXPECT_EQ(first["x86"].toArray().first().toString(), "0x08049000: xor eax, eax");
    // Each map entry [x86 index, first AArch64 index, count] points inside the arm64 listing.
    const int arm_count = static_cast<int>(first["arm64"].toArray().size());
    int previous_end = 0;
    for (const auto& m : first["map"].toArray()) {
        const QJsonArray e = m.toArray();
        ASSERT_EQ(e.size(), 3);
        EXPECT_GE(e[1].toInt(), previous_end);
        EXPECT_GE(e[2].toInt(), 1);
        previous_end = e[1].toInt() + e[2].toInt();
        EXPECT_LE(previous_end, arm_count);
    }
    EXPECT_GT(o["expansion"].toDouble(), 1.0);
    const auto text = runVirtlab({"translate", vl::builtAsset("programs/fib.elf")});
    EXPECT_NE(text.out.find("0x08049000: xor eax, eax"), std::string::npos);
    EXPECT_NE(text.out.find("eor w0, w0, w0"), std::string::npos) << text.out;
}

TEST(DbtCli, FuzzReportsCasesDivergencesAndSeed) {
    const auto r = runVirtlab({"fuzz", "dbt", "--cases", "20", "--seed", "3", "--json"});
    ASSERT_EQ(r.exit_status, 0) << r.out;
    const QJsonObject o = parse(r.out);
    EXPECT_EQ(o["cases"].toInt(), 20);
    EXPECT_EQ(o["divergences"].toInt(), 0);
    EXPECT_EQ(o["seed"].toInt(), 3);
    const auto bad = runVirtlab({"fuzz", "qemu"});
    EXPECT_EQ(bad.exit_status, 2);
    EXPECT_NE(bad.err.find("unknown fuzz target 'qemu' (valid: dbt)"), std::string::npos) << bad.err;
}
