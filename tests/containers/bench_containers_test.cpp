// The shape of `virtlab bench containers --json` (DESIGN.md): medians in milliseconds for
// VirtLab (in process, its front end, virtlab-qt), crun, runc and unshare, and the ratio to crun.
// Speed itself is never asserted.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <unistd.h>

#include "residue.h"
#include "tests/support/cli_runner.h"

namespace vl::test {
namespace {

TEST(BenchContainers, JsonHasEveryMedianAndTheRatio) {
    if (::geteuid() != 0) GTEST_SKIP() << "the runtimes need root";
    const CliResult r = runVirtlab({"bench", "containers", "--runs", "2", "--json"}, 120);
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    QJsonParseError error{};
    const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(r.out), &error).object();
    ASSERT_EQ(error.error, QJsonParseError::NoError) << r.out;
    for (const char* key : {"virtlab_ms", "virtlab_cli_ms", "virtlab_qt_cli_ms", "crun_ms", "runc_ms", "unshare_ms", "ratio_vs_crun"}) {
        ASSERT_TRUE(o[key].isDouble()) << key << " in " << r.out;
        EXPECT_GT(o[key].toDouble(), 0.0) << key;
    }
    EXPECT_DOUBLE_EQ(o["ratio_vs_crun"].toDouble(), o["virtlab_ms"].toDouble() / o["crun_ms"].toDouble());
    EXPECT_EQ(o["runs"].toInt(), 2);
    EXPECT_TRUE(o["problems"].toArray().isEmpty());
    EXPECT_TRUE(residueOf("").empty());
    EXPECT_TRUE(cgroupsNamed("vlab-bench").empty()) << "crun's and runc's cgroups went with their containers";
    EXPECT_EQ(runVirtlab({"bench", "containers", "--runs", "0"}).exit_status, 2);
}

}  // namespace
}  // namespace vl::test
