#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/temp_dir.h"
#include "lessons/progress.h"

using vl::lessons::Progress;

namespace {

TEST(Progress, SurvivesARestart) {
    vl::TempDir dir;
    const QString path = QString::fromStdString(dir.path()) + "/sub/progress.json";
    {
        Progress p(path);
        p.markStepDone("02-x86-on-arm", 1);
        p.markStepDone("02-x86-on-arm", 0);
        p.markStepDone("02-x86-on-arm", 1);
        p.saveAnswer("02-x86-on-arm", "primes", 2262);
        p.markPassed("02-x86-on-arm", true);
        p.save();
    }
    Progress again(path);
    EXPECT_EQ(again.stepsDone("02-x86-on-arm"), (std::vector<int>{0, 1}));
    EXPECT_TRUE(again.stepDone("02-x86-on-arm", 0));
    EXPECT_FALSE(again.stepDone("02-x86-on-arm", 2));
    EXPECT_EQ(again.answers("02-x86-on-arm").value("primes").toInt(), 2262);
    EXPECT_TRUE(again.passed("02-x86-on-arm"));
    EXPECT_FALSE(again.passed("04-trap-and-emulate"));
    // Atomic replacement leaves no temporary file beside the target.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path() + "/sub"), {}), 1);
}

TEST(Progress, CorruptFileIsReportedNotOverwritten) {
    vl::TempDir dir;
    const std::string path = dir.path() + "/progress.json";
    std::ofstream(path) << "{\n  \"lessons\": {,\n}\n";
    try {
        Progress p(QString::fromStdString(path));
        FAIL() << "loaded a corrupt file";
    } catch (const vl::Error& e) {
        EXPECT_NE(std::string(e.what()).find(path + ":2: "), std::string::npos) << e.what();
    }
}

TEST(Progress, DefaultPathFollowsXdgDataHome) {
    qputenv("XDG_DATA_HOME", "/tmp/xdg-test");
    EXPECT_EQ(Progress::defaultPath(), "/tmp/xdg-test/virtlab/progress.json");
    qunsetenv("XDG_DATA_HOME");
}

}  // namespace
