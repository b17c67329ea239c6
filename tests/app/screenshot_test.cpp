// The real window under a real X server (Xvfb): the screenshot must show a drawn window with
// the worlds' results, not a blank image.
#include <gtest/gtest.h>

#include <QImage>
#include <QSet>

#include <filesystem>

#include "core/temp_dir.h"
#include "tests/support/cli_runner.h"

TEST(Screenshot, TheWindowUnderXvfbIsDrawnAfterEveryPaneRan) {
    if (!std::filesystem::exists("/usr/bin/xvfb-run")) GTEST_SKIP() << "xvfb-run is not installed";
    vl::TempDir dir("virtlab-shot");
    const std::string file = dir.path() + "/window.png";
    auto r = vl::test::runProgram({"xvfb-run", "-a", "-s", "-screen 0 1600x900x24", VIRTLAB_EXE, "gui",
                                   "--screenshot", file, "--run"}, 180);
    ASSERT_EQ(r.exit_status, 0) << r.err;

    QImage image(QString::fromStdString(file));
    ASSERT_FALSE(image.isNull()) << "not a readable PNG";
    EXPECT_GE(image.width(), 1000);
    EXPECT_GE(image.height(), 600);
    // A drawn window has text, frames and widgets: many distinct colours, not one flat fill.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4)
        for (int x = 0; x < image.width(); x += 4) colours.insert(image.pixel(x, y));
    EXPECT_GT(colours.size(), 20);
}
