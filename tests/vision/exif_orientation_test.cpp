// EXIF orientation for display (thumbnails): the tag is found behind other APP segments in either
// byte order, damaged blocks read as "as stored", and the eight orientations turn the pixels the
// way the TIFF/EXIF specification draws them.
#include "vision/exif_orientation.h"

#include "export/image_export.h"
#include "test_support.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {

// APP1 "Exif" segment holding only IFD0 with the Orientation tag.
std::string exif_segment(int orientation, bool little_endian) {
  std::string tiff = little_endian ? std::string("II*\0\x08\0\0\0", 8) : std::string("MM\0*\0\0\0\x08", 8);
  auto u16 = [&](int v) {
    if (little_endian) tiff += {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)};
    else tiff += {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
  };
  u16(1);                             // one entry
  u16(0x0112);                        // Orientation
  u16(3);                             // SHORT
  u16(little_endian ? 1 : 0);         // count = 1 (32 bits)
  u16(little_endian ? 0 : 1);
  u16(orientation);                   // value, left-justified
  u16(0);
  tiff += std::string(4, '\0');       // no next IFD
  const std::string body = std::string("Exif\0\0", 6) + tiff;
  const size_t length = body.size() + 2;
  return std::string("\xFF\xE1", 2) + static_cast<char>(length >> 8) + static_cast<char>(length & 0xFF) + body;
}

// A real JPEG (JFIF APP0, then an XMP APP1 segment) with the EXIF segment put after the XMP one:
// the parser has to walk past both kinds to find it.
std::string jpeg_with_orientation(const test::TempDir& dir, int orientation, bool little_endian) {
  RgbImage image;
  image.width = 8;
  image.height = 8;
  image.pixels.assign(8 * 8 * 3, 100);
  const auto path = dir.file("x.jpg");
  write_image_with_settings(path, image, "{}");
  auto bytes = read_file(path);
  auto segment_end = [&](size_t at) {
    return at + 2 + ((static_cast<uint8_t>(bytes[at + 2]) << 8) | static_cast<uint8_t>(bytes[at + 3]));
  };
  const size_t xmp = segment_end(2);
  EXPECT_EQ(static_cast<uint8_t>(bytes[3]), 0xE0);
  EXPECT_EQ(static_cast<uint8_t>(bytes[xmp + 1]), 0xE1);
  EXPECT_EQ(bytes.compare(xmp + 4, 4, "http"), 0);  // XMP, not EXIF
  bytes.insert(segment_end(xmp), exif_segment(orientation, little_endian));
  return bytes;
}

TEST(ExifOrientation, FindsTheTagInBothByteOrders) {
  test::TempDir dir;
  for (int o = 1; o <= 8; ++o) {
    EXPECT_EQ(exif_orientation(jpeg_with_orientation(dir, o, true)), o);
    EXPECT_EQ(exif_orientation(jpeg_with_orientation(dir, o, false)), o);
  }
  const auto tagged = jpeg_with_orientation(dir, 6, true);
  EXPECT_EQ(decode_image_bytes(tagged, "x.jpg").width, 8);  // still a valid JPEG
}

TEST(ExifOrientation, DamagedOrMissingTagsReadAsStored) {
  test::TempDir dir;
  EXPECT_EQ(exif_orientation(jpeg_with_orientation(dir, 9, true)), 1);  // out of range
  auto cut = jpeg_with_orientation(dir, 6, true);
  const auto exif_at = cut.find("Exif");
  EXPECT_EQ(exif_orientation(cut.substr(0, exif_at + 12)), 1);  // truncated inside the block
  EXPECT_EQ(exif_orientation("\x89PNG\r\n\x1a\n"), 1);
  EXPECT_EQ(exif_orientation(""), 1);
  cut[exif_at + 6] = 'X';  // not a TIFF header
  EXPECT_EQ(exif_orientation(cut), 1);
}

TEST(ExifOrientation, TurnsThePixelsAsTheSpecificationDraws) {
  // 3x2 image, pixel value = 10 * (index in row-major order) + 1:  a b c / d e f
  RgbImage image;
  image.width = 3;
  image.height = 2;
  for (int i = 0; i < 6; ++i) image.pixels.insert(image.pixels.end(), 3, static_cast<uint8_t>(10 * i + 1));
  auto layout = [](const RgbImage& im) {
    std::string s;
    for (int y = 0; y < im.height; ++y) {
      for (int x = 0; x < im.width; ++x) s += static_cast<char>('a' + im.pixels[(y * im.width + x) * 3] / 10);
      s += '/';
    }
    return s;
  };
  EXPECT_EQ(layout(apply_orientation(image, 1)), "abc/def/");
  EXPECT_EQ(layout(apply_orientation(image, 2)), "cba/fed/");  // mirrored
  EXPECT_EQ(layout(apply_orientation(image, 3)), "fed/cba/");  // 180
  EXPECT_EQ(layout(apply_orientation(image, 4)), "def/abc/");  // flipped
  EXPECT_EQ(layout(apply_orientation(image, 5)), "ad/be/cf/");  // transposed
  EXPECT_EQ(layout(apply_orientation(image, 6)), "da/eb/fc/");  // 90 clockwise
  EXPECT_EQ(layout(apply_orientation(image, 7)), "fc/eb/da/");  // transverse
  EXPECT_EQ(layout(apply_orientation(image, 8)), "cf/be/ad/");  // 90 counter-clockwise
}

}  // namespace
}  // namespace brivl
