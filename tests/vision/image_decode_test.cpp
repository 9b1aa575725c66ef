// Tests for decoding image files to RGB like PIL's Image.open(p).convert('RGB') (core/vision/image_decode.h).
#include "vision/image_decode.h"
#include "vision/image_header.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.h"
#include "util/error.h"
#include "util/npy.h"

namespace brivl {
namespace {

using test::read_bytes;
using test::write_bytes;

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

std::vector<std::string> fixture_image_names() {
  std::vector<std::string> names;
  std::ifstream in(test::fixture_file("images.txt"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

// --- Hand-made PNG files (stored, i.e. uncompressed, deflate blocks: no zlib needed) ---------------

std::string be(uint32_t v, int n) {
  std::string out;
  for (int i = n - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

uint32_t crc32(const std::string& bytes) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string png_chunk(const std::string& type, const std::string& data) {
  return be(static_cast<uint32_t>(data.size()), 4) + type + data + be(crc32(type + data), 4);
}

std::string zlib_stored(const std::string& raw) {
  uint32_t a = 1, b = 0;  // Adler-32
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  const auto n = static_cast<uint16_t>(raw.size());
  std::string out = "\x78\x01\x01";  // zlib header, final stored block
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>(n >> 8);
  out += static_cast<char>(~n & 0xff);
  out += static_cast<char>((~n >> 8) & 0xff);
  return out + raw + be((b << 16) | a, 4);
}

// `rows`: the raw samples of each scanline (big-endian for 16-bit), without filter bytes.
std::string make_png(int width, int bit_depth, int color_type, const std::vector<std::string>& rows) {
  std::string ihdr = be(static_cast<uint32_t>(width), 4) + be(static_cast<uint32_t>(rows.size()), 4);
  ihdr += static_cast<char>(bit_depth);
  ihdr += static_cast<char>(color_type);
  ihdr += std::string(3, '\0');  // deflate, adaptive filtering, no interlace
  std::string scanlines;
  for (const auto& row : rows) scanlines += std::string(1, '\0') + row;  // filter type None
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", zlib_stored(scanlines)) +
         png_chunk("IEND", "");
}

std::string samples16(const std::vector<uint16_t>& values) {
  std::string out;
  for (auto v : values) out += be(v, 2);
  return out;
}

// --- A hand-made GIF: LZW with a clear code every two pixels keeps every code 3 bits wide -------

std::string make_gif_2x2(const std::vector<uint8_t>& palette_rgb, const std::vector<int>& indices) {
  std::string out = "GIF89a";
  out += std::string("\x02\x00\x02\x00", 4);        // 2 x 2 logical screen
  out += std::string("\x81\x00\x00", 3);            // global colour table of 4 entries
  out.append(palette_rgb.begin(), palette_rgb.end());
  out += std::string("\x2c\0\0\0\0\x02\0\x02\0\0", 10);  // image descriptor 2 x 2 at (0, 0)
  const int clear = 4, end = 5;
  const std::vector<int> codes = {clear, indices[0], indices[1], clear, indices[2], indices[3], end};
  std::string data;
  uint32_t bits = 0;
  int count = 0;
  for (int code : codes) {
    bits |= static_cast<uint32_t>(code) << count;
    count += 3;
    while (count >= 8) {
      data += static_cast<char>(bits & 0xff);
      bits >>= 8;
      count -= 8;
    }
  }
  if (count > 0) data += static_cast<char>(bits & 0xff);
  out += '\x02';  // LZW minimum code size
  out += static_cast<char>(data.size());
  out += data;
  out += '\0';  // block terminator
  return out + ";";
}

// --- Fixture images against PIL's decoding ---------------------------------------------------------

class FixtureImage : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureImage, DecodesToExactlyThePixelsOfPil) {
  const auto& name = GetParam();
  const std::string stem = name.substr(0, name.rfind('.'));
  const auto expected = read_npy(test::fixture_file("intermediate/decoded_rgb__" + stem + ".npy"));
  ASSERT_EQ(expected.dtype, "|u1");
  ASSERT_EQ(expected.shape.size(), 3u);
  const auto image = decode_image_file(test::fixture_file("images/" + name));
  ASSERT_THAT(expected.shape, ElementsAre(image.height, image.width, 3));
  ASSERT_EQ(image.pixels.size(), expected.data.size());
  size_t differing = 0, first = 0;
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    if (image.pixels[i] != static_cast<uint8_t>(expected.data[i]) && differing++ == 0) first = i;
  }
  EXPECT_EQ(differing, 0u) << name << ": first difference at byte " << first << " (pixel " << first / 3 << ")";
}

INSTANTIATE_TEST_SUITE_P(AllFixtureImages, FixtureImage, ::testing::ValuesIn(fixture_image_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string id = info.param.substr(0, info.param.rfind('.'));
                           for (char& c : id) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return id;  // "01_landscape_120x80", ...
                         });

TEST(ImageDecode, FixtureListHasEightImages) { EXPECT_EQ(fixture_image_names().size(), 8u); }

// --- Formats the fixture does not contain --------------------------------------------------------

TEST(ImageDecode, SixteenBitGrayIsClippedTo255) {
  // PIL opens 16-bit gray as mode "I"; convert('RGB') clips values above 255.
  test::TempDir dir;
  write_bytes(dir.file("g16.png"), make_png(5, 16, 0, {samples16({0, 200, 255, 300, 65535})}));
  const auto image = decode_image_file(dir.file("g16.png"));
  EXPECT_EQ(image.width, 5);
  EXPECT_EQ(image.height, 1);
  EXPECT_THAT(image.pixels, ElementsAreArray<uint8_t>({0, 0, 0, 200, 200, 200, 255, 255, 255, 255, 255, 255, 255,
                                                       255, 255}));
}

TEST(ImageDecode, SixteenBitRgbKeepsTheHighByte) {
  // PIL's "RGB;16B" raw mode takes the most significant byte (no rounding: 0xABFF -> 0xAB).
  test::TempDir dir;
  write_bytes(dir.file("rgb16.png"),
              make_png(2, 16, 2, {samples16({0x1234, 0xABFF, 0x00FF, 0xFFFF, 0x0100, 0x8000})}));
  const auto image = decode_image_file(dir.file("rgb16.png"));
  EXPECT_THAT(image.pixels, ElementsAre(0x12, 0xAB, 0x00, 0xFF, 0x01, 0x80));
}

TEST(ImageDecode, SixteenBitGrayAlphaKeepsTheHighByte) {
  // PIL opens it through "LA;16B" (high bytes), unlike 16-bit gray without alpha; alpha is dropped.
  test::TempDir dir;
  write_bytes(dir.file("ga16.png"), make_png(2, 16, 4, {samples16({0x1234, 0x0000, 0x00FF, 0xFFFF})}));
  const auto image = decode_image_file(dir.file("ga16.png"));
  EXPECT_THAT(image.pixels, ElementsAre(0x12, 0x12, 0x12, 0x00, 0x00, 0x00));
}

TEST(ImageDecode, SixteenBitRgbaDropsAlphaWithoutCompositing) {
  test::TempDir dir;
  write_bytes(dir.file("rgba16.png"), make_png(1, 16, 6, {samples16({0x1234, 0x5678, 0x9ABC, 0x0000})}));
  EXPECT_THAT(decode_image_file(dir.file("rgba16.png")).pixels, ElementsAre(0x12, 0x56, 0x9A));
}

TEST(ImageDecode, TwoBitGrayIsScaledToFullRange) {
  // PIL's "L;2" and libpng's gray expansion both map 0..3 to 0, 85, 170, 255.
  test::TempDir dir;
  write_bytes(dir.file("g2.png"), make_png(4, 2, 0, {std::string(1, '\x1b')}));  // 00 01 10 11
  EXPECT_THAT(decode_image_file(dir.file("g2.png")).pixels,
              ElementsAreArray<uint8_t>({0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255}));
}

TEST(ImageDecode, GifDecodesThroughStbFallback) {
  test::TempDir dir;
  const std::vector<uint8_t> palette = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
  write_bytes(dir.file("tiny.gif"), make_gif_2x2(palette, {3, 2, 1, 0}));
  const auto image = decode_image_file(dir.file("tiny.gif"));
  EXPECT_EQ(image.width, 2);
  EXPECT_EQ(image.height, 2);
  EXPECT_THAT(image.pixels, ElementsAreArray<uint8_t>({10, 20, 30, 0, 0, 255, 0, 255, 0, 255, 0, 0}));
}

TEST(ImageDecode, DecodesBytesInMemory) {
  const auto image = decode_image_bytes(read_bytes(test::fixture_file("images/06_tiny_7x5.png")), "tiny");
  EXPECT_EQ(image.width, 7);
  EXPECT_EQ(image.height, 5);
  EXPECT_EQ(image.pixels.size(), 7u * 5u * 3u);
}

// --- Errors ------------------------------------------------------------------------------------------

TEST(ImageDecode, EmptyFileIsAnErrorNamingTheFile) {
  test::TempDir dir;
  write_bytes(dir.file("empty.png"), "");
  EXPECT_BRIVL_ERROR(decode_image_file(dir.file("empty.png")), dir.file("empty.png"), "empty");
}

TEST(ImageDecode, GarbageIsAnErrorNamingTheFile) {
  test::TempDir dir;
  write_bytes(dir.file("garbage.jpg"), "this is certainly not an image, just some text\n");
  EXPECT_BRIVL_ERROR(decode_image_file(dir.file("garbage.jpg")), dir.file("garbage.jpg"), "cannot decode");
  EXPECT_BRIVL_ERROR(decode_image_bytes(std::string(1, '\0'), "one-byte"), "one-byte");
}

TEST(ImageDecode, TruncatedPngIsAnErrorNamingTheFile) {
  test::TempDir dir;
  const auto png = read_bytes(test::fixture_file("images/08_big_317x211.png"));
  ASSERT_GT(png.size(), 1000u);
  for (size_t keep : {size_t{20}, size_t{60}, png.size() / 2}) {
    write_bytes(dir.file("cut.png"), png.substr(0, keep));
    EXPECT_BRIVL_ERROR(decode_image_file(dir.file("cut.png")), dir.file("cut.png"));
  }
}

// Found by fuzz/fuzz_image_decode: a small PNG whose text chunk declares 2 GB made libpng allocate
// 2 GB before it found the file short. A chunk longer than the file is refused before decoding.
TEST(ImageDecode, APngChunkLongerThanTheFileIsRefusedBeforeDecoding) {
  auto png = read_bytes(test::fixture_file("images/06_tiny_7x5.png"));
  const std::string text = std::string("\x7d\x2b\x7e\x1a", 4) + "iTXt" + "brivl:settings";  // declares 2.1 GB
  png.insert(33, text);  // after the signature (8) and IHDR (25)
  EXPECT_BRIVL_ERROR(decode_image_bytes(png, "bomb.png"), "bomb.png", "damaged PNG", "chunk 'iTXt' declares 2100002330 bytes");
}

// Found by fuzz/fuzz_image_decode: 32 bytes of WebP whose VP8X chunk declares a 656,195 x 1,563
// canvas made OpenCV allocate 3 GB before decoding anything. Declared sizes are read from the
// header and refused above kMaxImagePixels, in every format whose header says it.
TEST(ImageDecode, AHeaderDeclaringMorePixelsThanPilAcceptsIsRefusedBeforeDecoding) {
  const std::string webp("RIFFB\x06\x00\x00WEBPVP8X\x0a\x00\x00\x00\x04\x89PNB\x03\x0a\x1a\x06\x00R\x00", 32);
  ASSERT_EQ(webp.size(), 32u);
  EXPECT_BRIVL_ERROR(decode_image_bytes(webp, "bomb.webp"), "bomb.webp", "656195 x 1563 pixels", "refused before decoding");
  // A real PNG with its IHDR rewritten to 30,000 x 10,000 (the CRC is not what is checked first).
  auto png = read_bytes(test::fixture_file("images/06_tiny_7x5.png"));
  const auto put_be32 = [&png](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) png[at + i] = static_cast<char>(v >> (24 - 8 * i));
  };
  put_be32(16, 30000);
  put_be32(20, 10000);
  EXPECT_BRIVL_ERROR(decode_image_bytes(png, "bomb.png"), "bomb.png", "30000 x 10000 pixels");
  // The sizes read match what the decoders find, for every format of the fixture images.
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::fixture_file("images"))) {
    const std::string path = entry.path().string();
    const auto bytes = read_bytes(path);
    const auto declared = declared_image_size(bytes);
    if (!declared) continue;
    const auto image = decode_image_bytes(bytes, path);
    EXPECT_EQ(declared->width, static_cast<uint64_t>(image.width)) << path;
    EXPECT_EQ(declared->height, static_cast<uint64_t>(image.height)) << path;
    ++checked;
  }
  EXPECT_GE(checked, 8);  // the fixture's PNGs and its JPEG
}

TEST(ImageDecode, NonexistentPathIsAnErrorNamingThePath) {
  EXPECT_BRIVL_ERROR(decode_image_file("/nonexistent/brivl/cat.png"), "/nonexistent/brivl/cat.png");
}

}  // namespace
}  // namespace brivl
