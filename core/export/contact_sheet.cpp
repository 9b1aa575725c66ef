#include "export/contact_sheet.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace brivl {

RgbImage resize_area(const RgbImage& src, int width, int height) {
  BRIVL_CHECK(width > 0 && height > 0 && src.width > 0 && src.height > 0, "resize: empty image or size");
  RgbImage out;
  out.width = width;
  out.height = height;
  out.pixels.resize(static_cast<size_t>(width) * height * 3);
  const double sx = static_cast<double>(src.width) / width, sy = static_cast<double>(src.height) / height;
  for (int y = 0; y < height; ++y) {
    const int y0 = static_cast<int>(y * sy), y1 = std::max(y0 + 1, static_cast<int>(std::ceil((y + 1) * sy)));
    for (int x = 0; x < width; ++x) {
      const int x0 = static_cast<int>(x * sx), x1 = std::max(x0 + 1, static_cast<int>(std::ceil((x + 1) * sx)));
      double sum[3] = {0, 0, 0};
      int count = 0;
      for (int yy = y0; yy < std::min(y1, src.height); ++yy) {
        for (int xx = x0; xx < std::min(x1, src.width); ++xx, ++count) {
          const uint8_t* p = &src.pixels[(static_cast<size_t>(yy) * src.width + xx) * 3];
          for (int c = 0; c < 3; ++c) sum[c] += p[c];
        }
      }
      uint8_t* q = &out.pixels[(static_cast<size_t>(y) * width + x) * 3];
      for (int c = 0; c < 3; ++c) q[c] = static_cast<uint8_t>(std::lround(sum[c] / std::max(count, 1)));
    }
  }
  return out;
}

RgbImage make_contact_sheet(const std::vector<RgbImage>& frames, const ContactSheetOptions& o) {
  BRIVL_CHECK(!frames.empty(), "contact sheet: no frames");
  BRIVL_CHECK(o.columns > 0 && o.cell > 0 && o.gap >= 0, "contact sheet: columns and cell must be positive");
  const int columns = std::min<int>(o.columns, static_cast<int>(frames.size()));
  const int rows = (static_cast<int>(frames.size()) + columns - 1) / columns;
  RgbImage sheet;
  sheet.width = columns * (o.cell + o.gap) + o.gap;
  sheet.height = rows * (o.cell + o.gap) + o.gap;
  sheet.pixels.assign(static_cast<size_t>(sheet.width) * sheet.height * 3, o.background);
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto& f = frames[i];
    const double scale = std::min(static_cast<double>(o.cell) / f.width, static_cast<double>(o.cell) / f.height);
    const auto thumb = resize_area(f, std::max(1, static_cast<int>(f.width * scale)), std::max(1, static_cast<int>(f.height * scale)));
    const int cx = o.gap + static_cast<int>(i % columns) * (o.cell + o.gap) + (o.cell - thumb.width) / 2;
    const int cy = o.gap + static_cast<int>(i / columns) * (o.cell + o.gap) + (o.cell - thumb.height) / 2;
    for (int y = 0; y < thumb.height; ++y) {
      std::copy_n(&thumb.pixels[static_cast<size_t>(y) * thumb.width * 3], thumb.width * 3,
                  &sheet.pixels[(static_cast<size_t>(cy + y) * sheet.width + cx) * 3]);
    }
  }
  return sheet;
}

}  // namespace brivl
