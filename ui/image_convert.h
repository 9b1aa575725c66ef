#pragma once
// The one place where core images meet Qt images (design §4: tensor -> QImage lives in ui/).
#include <QImage>

#include "vision/image_decode.h"

namespace brivl::ui {

// Deep copy of an 8-bit RGB image into a QImage (Format_RGB888); safe to pass across threads.
QImage toQImage(const brivl::RgbImage& image);

// Deep copy back (any QImage format is converted to RGB888 first). Lossless for toQImage output.
brivl::RgbImage toRgbImage(const QImage& image);

// An image file for display, shrunk while decoding to fit `side` x `side` (never enlarged) and
// turned upright by its EXIF orientation; null when it cannot be read. Safe on a pool thread.
QImage readImageToFit(const QString& path, int side);

}  // namespace brivl::ui
