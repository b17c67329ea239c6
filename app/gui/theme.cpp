#include "app/gui/theme.h"

#include <QGuiApplication>
#include <QStyleHints>

namespace vl::gui {

namespace {

QPalette darkPalette() {
    // Dark grey rather than black: long reading sessions, and the same roles the Fusion
    // style uses, so every widget (tables, tabs, disabled text) gets a dark colour.
    QPalette p;
    const QColor window(45, 45, 48), base(30, 30, 32), text(230, 230, 230), disabled(130, 130, 130);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Light, window.lighter(150));
    p.setColor(QPalette::Midlight, window.lighter(125));
    p.setColor(QPalette::Mid, window.darker(120));
    p.setColor(QPalette::Dark, window.darker(150));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Link, QColor(110, 170, 255));
    p.setColor(QPalette::Highlight, QColor(42, 130, 218));
    p.setColor(QPalette::HighlightedText, Qt::white);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

QPalette lightPalette() {
    QPalette p(QColor(239, 239, 239));  // Fusion's own light window colour; Qt derives the rest
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::Text, Qt::black);
    p.setColor(QPalette::WindowText, Qt::black);
    p.setColor(QPalette::ButtonText, Qt::black);
    p.setColor(QPalette::Highlight, QColor(48, 140, 198));
    p.setColor(QPalette::HighlightedText, Qt::white);
    return p;
}

QPalette highContrast(bool dark) {
    QPalette p = dark ? darkPalette() : lightPalette();
    const QColor back = dark ? Qt::black : Qt::white, fore = dark ? Qt::white : Qt::black;
    for (auto role : {QPalette::Window, QPalette::Base, QPalette::Button, QPalette::AlternateBase}) p.setColor(role, back);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) p.setColor(role, fore);
    // Dark blue on white, yellow on black: both well past WCAG's 7:1 contrast for text.
    p.setColor(QPalette::Highlight, dark ? QColor(255, 215, 0) : QColor(0, 0, 160));
    p.setColor(QPalette::HighlightedText, dark ? Qt::black : Qt::white);
    return p;
}

}  // namespace

QString themeKey(ThemeChoice choice) {
    switch (choice) {
    case ThemeChoice::Light: return "light";
    case ThemeChoice::Dark: return "dark";
    case ThemeChoice::FollowDesktop: break;
    }
    return "desktop";
}

ThemeChoice parseThemeKey(const QString& key) {
    if (key == "light") return ThemeChoice::Light;
    if (key == "dark") return ThemeChoice::Dark;
    return ThemeChoice::FollowDesktop;
}

const QPalette& desktopPalette() {
    static const QPalette palette = QGuiApplication::palette();
    return palette;
}

bool isDark(const QPalette& palette) { return palette.color(QPalette::Window).lightness() < 128; }

bool desktopPrefersDark() {
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    switch (QGuiApplication::styleHints()->colorScheme()) {
    case Qt::ColorScheme::Dark: return true;
    case Qt::ColorScheme::Light: return false;
    case Qt::ColorScheme::Unknown: break;
    }
#endif
    return isDark(desktopPalette());
}

QPalette themePalette(ThemeChoice choice, bool high_contrast) {
    const bool dark = choice == ThemeChoice::Dark || (choice == ThemeChoice::FollowDesktop && desktopPrefersDark());
    if (high_contrast) return highContrast(dark);
    if (choice == ThemeChoice::FollowDesktop) return desktopPalette();
    return dark ? darkPalette() : lightPalette();
}

}  // namespace vl::gui
