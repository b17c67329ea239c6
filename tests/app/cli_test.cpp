// The front end's own contract: help, version, unknown commands and options (DESIGN.md).
#include <gtest/gtest.h>

#include <unistd.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "app/cli/plain_json.h"
#include "tests/support/cli_runner.h"

using vl::test::runVirtlab;

TEST(Cli, HelpListsTheCommandsThatWork) {
    auto r = runVirtlab({"--help"});
    EXPECT_EQ(r.exit_status, 0);
    std::vector<std::string> commands{"emulate", "vm run", "container run", "image build", "tour", "lesson"};
    if (VIRTLAB_HAS_GUI) commands.push_back("gui");
    for (const auto& command : commands)
        EXPECT_NE(r.out.find(command), std::string::npos) << command << " missing from:\n" << r.out;
}

TEST(Cli, VersionPrintsTheProjectVersion) {
    auto r = runVirtlab({"--version"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out.rfind("virtlab ", 0), 0u) << r.out;
}

TEST(Cli, WithoutADisplayAndWithoutArgumentsItPrintsHelp) {
    auto r = vl::test::runProgram({"env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", "-u", "QT_QPA_PLATFORM", VIRTLAB_EXE});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_NE(r.out.find("Usage: virtlab"), std::string::npos);
}

TEST(Cli, AnUnknownCommandIsAUsageError) {
    auto r = runVirtlab({"frobnicate"});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_EQ(r.err, "virtlab: unknown command 'frobnicate' (see virtlab --help)\n");
    EXPECT_TRUE(r.out.empty());
}

TEST(Cli, AnUnknownOptionIsAUsageErrorWithOneLine) {
    std::vector<std::string> commands{"emulate", "tour"};
    if (VIRTLAB_HAS_GUI) commands.push_back("gui");
    for (const auto& command : commands) {
        auto r = runVirtlab({command, "--no-such-option"});
        EXPECT_EQ(r.exit_status, 2) << command;
        EXPECT_NE(r.err.find("unknown option --no-such-option"), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

TEST(Cli, EverySubcommandHasHelp) {
    std::vector<std::vector<std::string>> invocations{
        {"emulate", "--help"}, {"vm", "run", "--help"}, {"container", "run", "--help"}, {"image", "build", "--help"}, {"tour", "--help"}};
    if (VIRTLAB_HAS_GUI) invocations.push_back({"gui", "--help"});
    for (const auto& words : invocations) {
        auto r = runVirtlab(words);
        EXPECT_EQ(r.exit_status, 0) << words[0];
        EXPECT_NE(r.out.find("Usage: virtlab"), std::string::npos) << words[0] << ": " << r.out;
    }
}

TEST(Cli, TourJsonHasOneRunPerWorldAndTheSameAnswersInEach) {
    auto r = runVirtlab({"tour", "--json"}, 300);
    ASSERT_EQ(r.exit_status, 0) << r.err << r.out;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(r.out), &error);
    ASSERT_EQ(error.error, QJsonParseError::NoError) << "stdout is not one JSON object: " << r.out;
    ASSERT_TRUE(doc.isObject());
    EXPECT_TRUE(doc["passed"].toBool());
    const QJsonArray runs = doc["runs"].toArray();
    ASSERT_EQ(runs.size(), 6);
    QStringList modes;
    for (const auto& run : runs) modes << run.toObject()["mode"].toString();
    EXPECT_EQ(modes, (QStringList{"emulate", "trap", "bt", "hw", "pv", "container"}));

    const QJsonObject emulated = runs[0].toObject(), trapped = runs[1].toObject(), contained = runs[5].toObject();
    const QJsonObject hardware = runs[3].toObject(), paravirtual = runs[4].toObject();
    EXPECT_GT(hardware["exits"].toObject()["HLT (12)"].toInteger(), 0) << "HLT exits in the hardware-assisted world";
    EXPECT_TRUE(emulated["console"].toString().contains("primes below 20000: 2262"));
    EXPECT_GT(emulated["guest_instructions"].toInteger(), 100000);
    EXPECT_GT(trapped["vmm_entries"].toInteger(), 1000);
    EXPECT_GT(trapped["exits"].toObject()["cli"].toInteger(), 0);
    // The paravirtual kernel asks instead of trapping: far fewer entries into the hypervisor.
    EXPECT_GT(paravirtual["vmm_entries"].toInteger(), 0);
    EXPECT_LT(paravirtual["vmm_entries"].toInteger() * 10, trapped["vmm_entries"].toInteger());
    EXPECT_GT(paravirtual["hypercalls"].toObject()["console_io"].toInteger(), 0);
    EXPECT_TRUE(trapped["hypercalls"].toObject().isEmpty());
    if (geteuid() == 0) {
        // The same program, built for x86-64, computes the same answers on the host kernel.
        EXPECT_EQ(contained["console"].toString(), emulated["console"].toString());
    } else {
        EXPECT_FALSE(contained["skipped"].toString().isEmpty());
    }
}

// ---- The two programs: the Qt-free front end `virtlab` and `virtlab-qt` beside it (app/main.cpp).

// What the front end maps and loads: tests/containers/front_end_test.cpp.

namespace {

const std::string kQtProgram = (std::filesystem::path(VIRTLAB_EXE).parent_path() / "virtlab-qt").string();

}  // namespace

TEST(FrontEnd, ARunningContainerHasNoQtInItsMonitor) {
    if (::geteuid() != 0) GTEST_SKIP() << "containers need root here";
    auto r = runVirtlab({"container", "run", "-d", "--json", "--", "/bin/sleep", "600"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(r.out)).object();
    const std::string id = o["id"].toString().toStdString();
    ASSERT_FALSE(id.empty()) << r.out;
    // The monitor is the front end forked: its mappings are those of `virtlab container run`.
    std::ifstream maps("/proc/" + std::to_string(o["monitor_pid"].toInteger()) + "/maps");
    std::stringstream text;
    text << maps.rdbuf();
    const std::string mapped = text.str();
    EXPECT_EQ(runVirtlab({"container", "rm", "--force", id}).exit_status, 0);
    EXPECT_NE(mapped.find(std::filesystem::canonical(VIRTLAB_EXE).string()), std::string::npos) << mapped;
    EXPECT_EQ(mapped.find("libQt"), std::string::npos) << mapped;
}

// Whether the front end hands a command on (help, version, emulate) or serves it itself
// (container, image), the user sees what virtlab-qt prints for it: same text, same status.
TEST(FrontEnd, AnswersEveryCommandAsVirtlabQtDoes) {
    for (const std::vector<std::string>& words : {std::vector<std::string>{"--help"},
                                                 {"frobnicate"},
                                                 {"emulate", "--no-such-option"},
                                                 {"container", "--help"},
                                                 {"container", "run", "--memory", "lots", "--", "/bin/true"}}) {
        std::vector<std::string> direct{kQtProgram};
        direct.insert(direct.end(), words.begin(), words.end());
        const auto via_front = runVirtlab(words), via_qt = vl::test::runProgram(direct);
        EXPECT_EQ(via_front.exit_status, via_qt.exit_status) << words[0];
        EXPECT_EQ(via_front.out, via_qt.out) << words[0];
        EXPECT_EQ(via_front.err, via_qt.err) << words[0];
    }
}

// ---- plain JSON (the front end's --json) prints exactly what QJsonDocument prints.

namespace {

std::string qtText(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Indented).toStdString(); }

}  // namespace

TEST(PlainJson, NumbersAreWrittenAsQtWritesThem) {
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> values{0.0, -0.0, 2.0, -3.0, 100000.0, 1e15, 9007199254740992.0, 9007199254740994.0, 1e16, 1e21,
                               1e300, 0.1, 0.001, 0.0001, 0.0015, 1.5e-7, 12.5, -3.25, 33.333333333333336, 123456789012.5,
                               5e-324, 1.7976931348623157e308, 1234.5678e10, inf, -inf, std::nan("")};
    std::mt19937_64 random(20261207);
    for (int i = 0; i < 3000; ++i) {  // every digit count and exponent around the forms' borders
        const double mantissa = std::uniform_real_distribution<double>(1.0, 10.0)(random);
        const int exponent = std::uniform_int_distribution<int>(-12, 22)(random);
        const int digits = std::uniform_int_distribution<int>(1, 17)(random);
        const double rounded = std::round(mantissa * std::pow(10.0, digits - 1)) / std::pow(10.0, digits - 1);
        values.push_back((i % 2 ? -1 : 1) * rounded * std::pow(10.0, exponent));
    }
    for (double v : values) {
        vl::cli::plain::JsonObject plain;
        plain.insert("v", v);
        ASSERT_EQ(vl::cli::plain::toIndentedJson(plain), qtText(QJsonObject{{"v", v}})) << std::hexfloat << v;
    }
}

TEST(PlainJson, TreesAndStringsAreWrittenAsQtWritesThem) {
    using vl::cli::plain::JsonArray;
    using vl::cli::plain::JsonObject;
    using vl::cli::plain::JsonValue;
    const std::string odd = "tab\there \"quoted\" back\\slash / \x01\x1f\x7f caf\xc3\xa9 \xff end\n";

    JsonObject plain{{"zeta", 1}, {"alpha", true}};
    plain.insert("null", JsonValue::Null);
    plain.insert("default", JsonValue());
    plain.insert("text", odd);
    plain.insert("empty_array", JsonArray());
    plain.insert("empty_object", JsonObject());
    plain.insert("nested", JsonArray{1, "two", JsonArray{}, JsonObject{{"k", false}}, 3.5});
    plain["big"] = static_cast<int64_t>(1) << 60;
    plain["negative"] = -42;
    plain[odd] = "a key that needs escaping";

    QJsonObject qt{{"zeta", 1}, {"alpha", true}};
    qt.insert("null", QJsonValue::Null);
    qt.insert("default", QJsonValue());
    qt.insert("text", QString::fromStdString(odd));
    qt.insert("empty_array", QJsonArray());
    qt.insert("empty_object", QJsonObject());
    qt.insert("nested", QJsonArray{1, "two", QJsonArray{}, QJsonObject{{"k", false}}, 3.5});
    qt["big"] = static_cast<qint64>(1) << 60;
    qt["negative"] = -42;
    qt[QString::fromStdString(odd)] = "a key that needs escaping";

    EXPECT_EQ(vl::cli::plain::toIndentedJson(plain), qtText(qt));
    EXPECT_EQ(vl::cli::plain::toIndentedJson(JsonObject()), qtText(QJsonObject()));
}
