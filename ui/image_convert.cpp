#include "ui/image_convert.h"

#include <QImageReader>

#include <cstring>

namespace brivl::ui {

QImage toQImage(const brivl::RgbImage& image) {
  QImage out(image.width, image.height, QImage::Format_RGB888);
  if (out.isNull()) return out;
  const size_t row = static_cast<size_t>(image.width) * 3;
  for (int y = 0; y < image.height; ++y) {
    std::memcpy(out.scanLine(y), image.pixels.data() + static_cast<size_t>(y) * row, row);
  }
  return out;
}

brivl::RgbImage toRgbImage(const QImage& image) {
  const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
  brivl::RgbImage out;
  out.width = rgb.width();
  out.height = rgb.height();
  const size_t row = static_cast<size_t>(out.width) * 3;
  out.pixels.resize(row * static_cast<size_t>(out.height));
  for (int y = 0; y < out.height; ++y) {
    std::memcpy(out.pixels.data() + static_cast<size_t>(y) * row, rgb.constScanLine(y), row);
  }
  return out;
}

QImage readImageToFit(const QString& path, int side) {
  QImageReader reader(path);
  reader.setAutoTransform(true);
  const QSize full = reader.size();
  if (full.isValid() && (full.width() > side || full.height() > side)) reader.setScaledSize(full.scaled(side, side, Qt::KeepAspectRatio));
  return reader.read();
}

}  // namespace brivl::ui
