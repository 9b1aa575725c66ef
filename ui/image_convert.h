#pragma once
// The one place where core images meet Qt images (design §4: tensor -> QImage lives in ui/).
#include <QImage>

#include "vision/image_decode.h"

namespace brivl::ui {

// Deep copy of an 8-bit RGB image into a QImage (Format_RGB888); safe to pass across threads.
QImage toQImage(const brivl::RgbImage& image);

// Deep copy back (any QImage format is converted to RGB888 first). Lossless for toQImage output.
brivl::RgbImage toRgbImage(const QImage& image);

}  // namespace brivl::ui
