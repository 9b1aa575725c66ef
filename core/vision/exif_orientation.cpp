#include "vision/exif_orientation.h"

#include <cstdint>
#include <cstring>

namespace brivl {
namespace {

// Reads TIFF integers in the block's byte order; every read is bounds-checked by the caller.
struct Tiff {
  const uint8_t* data;
  size_t size;
  bool little;
  uint32_t u16(size_t at) const {
    return little ? data[at] | data[at + 1] << 8 : data[at] << 8 | data[at + 1];
  }
  uint32_t u32(size_t at) const {
    return little ? u16(at) | u16(at + 2) << 16 : u16(at) << 16 | u16(at + 2);
  }
};

int orientation_in_tiff(const uint8_t* data, size_t size) {
  if (size < 8) return 1;
  Tiff t{data, size, data[0] == 'I' && data[1] == 'I'};
  if (!t.little && !(data[0] == 'M' && data[1] == 'M')) return 1;
  if (t.u16(2) != 42) return 1;
  const size_t ifd = t.u32(4);
  if (ifd + 2 > size) return 1;
  const size_t entries = t.u16(ifd);
  for (size_t i = 0; i < entries; ++i) {
    const size_t e = ifd + 2 + 12 * i;
    if (e + 12 > size) return 1;
    if (t.u16(e) != 0x0112) continue;
    if (t.u16(e + 2) != 3) return 1;  // must be a SHORT
    const int o = static_cast<int>(t.u16(e + 8));
    return o >= 1 && o <= 8 ? o : 1;
  }
  return 1;
}

}  // namespace

int exif_orientation(const std::string& encoded) {
  const auto* d = reinterpret_cast<const uint8_t*>(encoded.data());
  const size_t n = encoded.size();
  if (n < 4 || d[0] != 0xFF || d[1] != 0xD8) return 1;  // not a JPEG
  size_t at = 2;
  while (at + 4 <= n) {
    if (d[at] != 0xFF) return 1;
    const uint8_t marker = d[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return 1;  // image data or end: no EXIF before it
    const size_t length = static_cast<size_t>(d[at + 2]) << 8 | d[at + 3];
    if (length < 2 || at + 2 + length > n) return 1;
    if (marker == 0xE1 && length >= 8 && std::memcmp(d + at + 4, "Exif\0\0", 6) == 0) {
      return orientation_in_tiff(d + at + 10, length - 8);
    }
    at += 2 + length;
  }
  return 1;
}

RgbImage apply_orientation(const RgbImage& image, int o) {
  if (o < 2 || o > 8) return image;
  const int w = image.width, h = image.height;
  const bool swap = o >= 5;
  RgbImage out;
  out.width = swap ? h : w;
  out.height = swap ? w : h;
  out.pixels.resize(image.pixels.size());
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sx = x, sy = y;  // the source pixel shown at (x, y)
      switch (o) {
        case 2: sx = w - 1 - x; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        case 8: sx = w - 1 - y; sy = x; break;
      }
      std::memcpy(&out.pixels[(static_cast<size_t>(y) * out.width + x) * 3],
                  &image.pixels[(static_cast<size_t>(sy) * w + sx) * 3], 3);
    }
  }
  return out;
}

}  // namespace brivl
