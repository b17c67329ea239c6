#include "app/gui/listing_colours.h"

namespace vl::gui {

namespace {
// Hues far enough apart that neighbouring bands never look alike (degrees on the colour wheel).
constexpr int kHues[] = {210, 40, 130, 330, 180, 270, 0, 90};
constexpr int kHueCount = sizeof kHues / sizeof kHues[0];

bool darkBase(const QPalette& palette) { return palette.color(QPalette::Base).lightness() < 128; }
}  // namespace

QColor bandColour(int index, const QPalette& palette) {
    const int hue = kHues[((index % kHueCount) + kHueCount) % kHueCount];
    // Saturation and value chosen so black text on the light bands and white text on the dark
    // ones keep a contrast ratio above 7:1 (WCAG AAA).
    return darkBase(palette) ? QColor::fromHsv(hue, 150, 70) : QColor::fromHsv(hue, 45, 250);
}

QColor neutralBand(const QPalette& palette) {
    return darkBase(palette) ? QColor(40, 40, 40) : QColor(232, 232, 232);
}

}  // namespace vl::gui
