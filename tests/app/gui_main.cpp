// GUI tests run in a real QApplication on the offscreen platform (set by CTest).
#include <gtest/gtest.h>

#include <QApplication>
#include <QTemporaryDir>

int main(int argc, char** argv) {
    // Also when CTest lists the tests (gtest discovery runs this binary without the test's
    // environment): the GUI tests never need a real display.
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    // The window remembers its layout, theme and open lesson (QSettings) and the student's
    // progress: tests keep all of it in a directory of their own, never the user's.
    QTemporaryDir home;
    if (!home.isValid()) return 1;
    qputenv("XDG_CONFIG_HOME", (home.path() + "/config").toUtf8());
    qputenv("XDG_DATA_HOME", (home.path() + "/data").toUtf8());
    QApplication app(argc, argv);
    QApplication::setOrganizationName("VirtLabTests");
    QApplication::setApplicationName("test_gui");
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
