// The front end's own contract: help, version, unknown commands and options (DESIGN.md).
#include <gtest/gtest.h>

#include <unistd.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

#include "tests/support/cli_runner.h"

using vl::test::runVirtlab;

TEST(Cli, HelpListsTheCommandsThatWork) {
    auto r = runVirtlab({"--help"});
    EXPECT_EQ(r.exit_status, 0);
    for (const char* command : {"emulate", "vm run", "container run", "tour", "gui"})
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
    for (const std::string command : {"emulate", "tour", "gui"}) {
        auto r = runVirtlab({command, "--no-such-option"});
        EXPECT_EQ(r.exit_status, 2) << command;
        EXPECT_NE(r.err.find("unknown option --no-such-option"), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

TEST(Cli, EverySubcommandHasHelp) {
    for (const std::vector<std::string>& words : {std::vector<std::string>{"emulate", "--help"},
                                                 {"vm", "run", "--help"},
                                                 {"container", "run", "--help"},
                                                 {"tour", "--help"},
                                                 {"gui", "--help"}}) {
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
