// Light and dark themes. "Follow the desktop" keeps the palette the desktop gave the app at
// start-up and asks the desktop whether it is dark (QStyleHints::colorScheme from Qt 6.5 on;
// before that, Debian 12's Qt 6.4, the palette's window lightness says it). Presentation mode
// turns whichever theme is in force into its high-contrast form: pure black and white with a
// strong highlight, because a projector washes out greys.
#pragma once

#include <QPalette>
#include <QString>

namespace vl::gui {

enum class ThemeChoice { FollowDesktop, Light, Dark };

QString themeKey(ThemeChoice choice);           // "desktop", "light", "dark" (QSettings values)
ThemeChoice parseThemeKey(const QString& key);  // anything unknown: FollowDesktop

// The palette the desktop gave the application; captured the first time it is asked for, so
// call this before the app sets a palette of its own.
const QPalette& desktopPalette();
bool desktopPrefersDark();
bool isDark(const QPalette& palette);  // the window colour is darker than mid-grey

// The palette for a choice; `high_contrast` for presentation mode.
QPalette themePalette(ThemeChoice choice, bool high_contrast);

}  // namespace vl::gui
