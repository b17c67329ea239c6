// `virtlab emulate --engine dbt`, `emulate --compare`, `translate` and `fuzz dbt`, run as a user
// runs them, with their JSON read back through QJsonDocument.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "core/assets.h"
#include "core/error.h"
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
    // Exactly as many instructions as Unicorn's x86 CPU executes for the same binary (whose
    // count depends on the compiler that built it).
    const auto reference = runVirtlab({"emulate", tour(), "--engine", "unicorn", "--json"});
    ASSERT_EQ(reference.exit_status, 0) << reference.err;
    EXPECT_EQ(o["guest_instructions"].toInteger(), parse(reference.out)["guest_instructions"].toInteger());
    for (const char* key : {"blocks_translated", "cache_hits", "chained_jumps", "helper_exits", "host_instructions"})
        EXPECT_GT(o[key].toInteger(), 0) << key;
    EXPECT_GT(o["expansion"].toDouble(), 1.0);
    EXPECT_EQ(o["registers"].toObject()["eax"].toString(), "0x00000001");
    // The cache with hit counts: every block's runs times its length add up to the guest
    // instructions (the tour neither flushes the cache nor modifies its code).
    const QJsonArray blocks = o["blocks"].toArray();
    ASSERT_EQ(blocks.size(), o["blocks_translated"].toInteger());
    qint64 instructions = 0, hot = 0;
    for (const auto& v : blocks) {
        const QJsonObject b = v.toObject();
        EXPECT_TRUE(b["address"].toString().startsWith("0x"));
        EXPECT_GT(b["host_instructions"].toInteger(), 0);
        instructions += b["hits"].toInteger() * b["guest_instructions"].toInteger();
        hot = std::max(hot, b["hits"].toInteger());
    }
    EXPECT_EQ(instructions, o["guest_instructions"].toInteger());
    EXPECT_GT(hot, 1000);  // the sieve's inner loop
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
    const std::string src = vl::test::writeTempFile("rdtsc.asm", "        org 0x00400000\n        mov eax, 7\n        rdtsc\n");
    const auto r = runVirtlab({"emulate", src, "--engine", "dbt", "--json"});
    EXPECT_EQ(r.exit_status, 1);
    EXPECT_EQ(parse(r.out)["failure"].toString(), "unsupported instruction rdtsc at 0x00400005");
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

namespace {

std::string readFile(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    std::string bytes;
    if (!f) return bytes;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) bytes.append(buf, n);
    std::fclose(f);
    return bytes;
}

// stdout of `qemu-i386 ELF`, or nothing when qemu-i386 is not installed.
std::optional<std::string> qemuOutput(const std::string& elf) {
    if (std::system("command -v qemu-i386 >/dev/null 2>&1") != 0) return std::nullopt;
    std::FILE* p = popen(("qemu-i386 '" + elf + "' 2>/dev/null").c_str(), "r");
    if (!p) return std::nullopt;
    std::string out;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    pclose(p);
    return out;
}

}  // namespace

TEST(DbtCli, BenchQuickPrintsTheDesignFields) {
    const auto r = runVirtlab({"bench", "dbt", "--json", "--quick"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = parse(r.out);
    const QJsonArray workloads = o["workloads"].toArray();
    ASSERT_GE(workloads.size(), 5);
    QStringList names;
    for (const auto& w : workloads) {
        const QJsonObject x = w.toObject();
        names << x["name"].toString();
        EXPECT_GT(x["dbt_mips"].toDouble(), 0.0);
        EXPECT_GT(x["unicorn_mips"].toDouble(), 0.0);
        EXPECT_GT(x["expansion"].toDouble(), 1.0);
        EXPECT_TRUE(x["qemu_seconds"].isDouble() || x["qemu_seconds"].isNull());
    }
    for (const char* w : {"sieve", "fib", "memcpy", "sort", "crc32"}) EXPECT_TRUE(names.contains(w)) << w;
    EXPECT_GT(o["geomean_ratio"].toDouble(), 0.0);
    EXPECT_GT(o["expansion"].toDouble(), 1.0);
}

// Static glibc programs on the translator: the same output as on Unicorn x86, and as under
// qemu-i386 (the real peer) when it is installed.
TEST(DbtCli, GlibcProgramsPrintWhatQemuAndUnicornPrint) {
    for (const char* name : {"programs/glibc_hello.elf", "programs/bench_strings_quick.elf"}) {
        std::string elf;
        try {
            elf = vl::builtAsset(name);
        } catch (const vl::Error&) {
            GTEST_SKIP() << name << " not built (gcc-multilib missing)";
        }
        const auto dbt = runVirtlab({"emulate", elf, "--engine", "dbt", "--json"});
        ASSERT_EQ(dbt.exit_status, 0) << name << ": " << dbt.out << dbt.err;
        const auto uni = runVirtlab({"emulate", elf, "--engine", "unicorn", "--json"});
        ASSERT_EQ(uni.exit_status, 0) << name << ": " << uni.err;
        const QString dbt_out = parse(dbt.out)["stdout"].toString();
        EXPECT_FALSE(dbt_out.isEmpty()) << name;
        EXPECT_EQ(dbt_out, parse(uni.out)["stdout"].toString()) << name;
        EXPECT_EQ(parse(dbt.out)["exit_code"].toInt(), 0) << name;
        if (const auto qemu = qemuOutput(elf)) {
            EXPECT_EQ(dbt_out.toStdString(), *qemu) << name;
        }
        // Not compared block by block: glibc's start-up reads clock_gettime, which differs
        // between two runs by nature (the first divergence is that system call's result).
    }
}

TEST(DbtCli, MalformedElfFilesAreStatusTwoNamingFileAndPlace) {
    const std::string good = readFile(vl::builtAsset("programs/fib.elf"));
    ASSERT_GT(good.size(), 100u);
    std::string wrong_machine = good;
    wrong_machine[18] = 40;  // e_machine = EM_ARM
    wrong_machine[19] = 0;
    std::string bad_phoff = good;
    for (int i = 28; i < 32; ++i) bad_phoff[static_cast<size_t>(i)] = static_cast<char>(0xF0);  // e_phoff past the end
    const struct {
        std::string file, bytes, expect;
    } cases[] = {
        {"cut.elf", good.substr(0, 20), "cut.elf: offset 20: truncated ELF header"},
        {"arm.elf", wrong_machine, "arm.elf: offset 18: e_machine 40"},
        {"phoff.elf", bad_phoff, "phoff.elf: offset 28: program header table"},
    };
    for (const auto& c : cases) {
        const std::string path = vl::test::writeTempFile(c.file, c.bytes);
        const auto r = runVirtlab({"emulate", path, "--engine", "dbt", "--json"});
        EXPECT_EQ(r.exit_status, 2) << c.file;
        EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.file << ": " << r.err;
        EXPECT_EQ(r.out, "") << c.file;
    }
}
