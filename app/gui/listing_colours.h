// The colours the machine panes draw with, taken from the palette in use, so the listings stay
// readable in the light and dark themes and in presentation mode's high contrast.
#pragma once

#include <QColor>
#include <QPalette>

namespace vl::gui {

// The background of colour band `index` (Compiler Explorer's pairing of source and assembly):
// pale hues on a light base, deep ones on a dark base; the palette's text colour reads on both.
QColor bandColour(int index, const QPalette& palette);
// The band that is not an instruction's: a block's prologue, a header.
QColor neutralBand(const QPalette& palette);

}  // namespace vl::gui
