// Tests for PNG files that embed generation settings as text chunks (core/export/png_export.h).
#include "export/png_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"
#include "util/error.h"
#include "vision/image_decode.h"

namespace brivl {
namespace {

using TextChunks = std::vector<std::pair<std::string, std::string>>;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

// A gradient with an odd width, so a wrong stride or channel order shows up as wrong pixels.
RgbImage gradient_image(int width = 7, int height = 5) {
  RgbImage image;
  image.width = width;
  image.height = height;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.pixels.push_back(static_cast<uint8_t>(x * 37 + y));
      image.pixels.push_back(static_cast<uint8_t>(y * 51));
      image.pixels.push_back(static_cast<uint8_t>(255 - x * y));
    }
  }
  return image;
}

const std::string kSettingsJson =
    "{\n  \"prompt\": \"一只在月光下奔跑的猫\",\n  \"seed\": 1234,\n  \"steps\": 300,\n  \"lr\": 0.05\n}\n";

TextChunks sample_text() {
  return {{"brivl.imagine", kSettingsJson},
          {"Description", "一只在月光下奔跑的猫 — a cat running under the moon"},
          {"Software", "BriVL Studio"},
          {"Comment", ""}};
}

// --- Hand-made chunks, as other PNG writers would store them ----------------------------------------

std::string be32(uint32_t v) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
  return out;
}

std::string png_chunk(const std::string& type, const std::string& data) {
  const std::string body = type + data;
  const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
  return be32(static_cast<uint32_t>(data.size())) + body + be32(static_cast<uint32_t>(crc));
}

std::string zlib_compress(const std::string& raw) {
  uLongf size = compressBound(raw.size());
  std::string out(size, '\0');
  EXPECT_EQ(
      compress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(raw.data()), raw.size()),
      Z_OK);
  out.resize(size);
  return out;
}

// Inserts extra chunks right after IHDR (signature 8 + IHDR chunk 25 bytes).
std::string with_chunks_after_ihdr(std::string png, const std::string& chunks) {
  png.insert(33, chunks);
  return png;
}

// Offset of the chunk of the given type (its length field), or npos.
size_t find_chunk(const std::string& png, const std::string& type) {
  for (size_t pos = 8; pos + 12 <= png.size();) {
    const uint32_t length = (static_cast<uint8_t>(png[pos]) << 24) | (static_cast<uint8_t>(png[pos + 1]) << 16) |
                            (static_cast<uint8_t>(png[pos + 2]) << 8) | static_cast<uint8_t>(png[pos + 3]);
    if (png.compare(pos + 4, 4, type) == 0) return pos;
    pos += 12 + length;
  }
  return std::string::npos;
}

// --- Round trips --------------------------------------------------------------------------------------

TEST(PngExport, PixelsDecodeBackExactly) {
  const RgbImage image = gradient_image();
  const RgbImage decoded = decode_image_bytes(encode_png(image, sample_text()), "generated.png");
  EXPECT_EQ(decoded.width, image.width);
  EXPECT_EQ(decoded.height, image.height);
  EXPECT_EQ(decoded.pixels, image.pixels);
}

TEST(PngExport, FixtureImageReencodesToTheSamePixels) {
  const RgbImage image = decode_image_file(test::fixture_file("images/08_big_317x211.png"));
  const RgbImage decoded = decode_image_bytes(encode_png(image, sample_text()), "reencoded.png");
  EXPECT_EQ(decoded.width, 317);
  EXPECT_EQ(decoded.height, 211);
  EXPECT_EQ(decoded.pixels, image.pixels);
}

TEST(PngExport, TextChunksRoundTripInOrderIncludingChineseAndMultilineJson) {
  const TextChunks text = sample_text();
  EXPECT_EQ(read_png_text(encode_png(gradient_image(), text), "generated.png"), text);
}

TEST(PngExport, TextIsStoredUncompressedInItxtChunksBetweenIhdrAndIdat) {
  const std::string png = encode_png(gradient_image(), {{"brivl.imagine", kSettingsJson}});
  const size_t itxt = find_chunk(png, "iTXt");
  ASSERT_NE(itxt, std::string::npos);
  EXPECT_EQ(itxt, 33u);  // right after the signature and IHDR
  EXPECT_LT(itxt, find_chunk(png, "IDAT"));
  EXPECT_EQ(find_chunk(png, "tEXt"), std::string::npos);
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, text.
  EXPECT_EQ(png.substr(itxt + 8, 14 + 4 + kSettingsJson.size()),
            std::string("brivl.imagine\0\0\0\0\0", 18) + kSettingsJson);
}

TEST(PngExport, EncodingTwiceGivesIdenticalBytes) {
  EXPECT_EQ(encode_png(gradient_image(), sample_text()), encode_png(gradient_image(), sample_text()));
  EXPECT_EQ(encode_png(gradient_image()), encode_png(gradient_image()));
}

TEST(PngExport, DifferentTextGivesDifferentBytesButTheSamePixels) {
  const RgbImage image = gradient_image();
  const std::string a = encode_png(image, {{"brivl.imagine", "{\"seed\": 1}"}});
  const std::string b = encode_png(image, {{"brivl.imagine", "{\"seed\": 2}"}});
  EXPECT_NE(a, b);
  EXPECT_EQ(decode_image_bytes(a, "a.png").pixels, decode_image_bytes(b, "b.png").pixels);
}

TEST(PngExport, KeywordOfExactly79CharactersIsAccepted) {
  const std::string keyword(79, 'k');
  EXPECT_THAT(read_png_text(encode_png(gradient_image(), {{keyword, "v"}}), "x.png"), ElementsAre(Pair(keyword, "v")));
}

TEST(PngExport, PngWithoutTextHasNoTextChunks) {
  EXPECT_THAT(read_png_text(encode_png(gradient_image()), "plain.png"), IsEmpty());
  // Written by PIL: with a palette, and with two IDAT chunks.
  EXPECT_THAT(read_png_text_file(test::fixture_file("images/07_palette_64x48.png")), IsEmpty());
  EXPECT_THAT(read_png_text_file(test::fixture_file("images/08_big_317x211.png")), IsEmpty());
}

TEST(PngExport, ReadsLatin1TextAndCompressedTextFromOtherWriters) {
  const std::string chunks =
      png_chunk("tEXt", std::string("Title\0caf\xe9", 10)) +
      png_chunk("zTXt", std::string("Comment\0\0", 9) + zlib_compress("na\xefve\nmultiline")) +
      png_chunk("iTXt", std::string("parameters\0\1\0zh\0参数\0", 23) + zlib_compress("猫, 月光")) +
      png_chunk("iTXt", std::string("Author\0\0\0en\0Author\0", 19) + "Zoë");
  const std::string png = with_chunks_after_ihdr(encode_png(gradient_image()), chunks);
  EXPECT_THAT(read_png_text(png, "other.png"), ElementsAre(Pair("Title", "café"), Pair("Comment", "naïve\nmultiline"),
                                                           Pair("parameters", "猫, 月光"), Pair("Author", "Zoë")));
}

// --- Damaged files --------------------------------------------------------------------------------------

TEST(PngExport, BytesThatAreNotAPngAreRejectedNamingTheFile) {
  EXPECT_BRIVL_ERROR(read_png_text("", "empty.png"), "empty.png", "not a PNG");
  EXPECT_BRIVL_ERROR(read_png_text("GIF89a garbage garbage garbage", "garbage.png"), "garbage.png", "not a PNG");
  EXPECT_BRIVL_ERROR(read_png_text(std::string("\x89PNG\r\n\x1a", 7), "short.png"), "short.png", "not a PNG");
}

TEST(PngExport, EveryTruncationIsRejectedNamingTheFile) {
  const std::string png = encode_png(gradient_image(), sample_text());
  for (size_t length = 0; length < png.size(); ++length) {
    SCOPED_TRACE("truncated to " + std::to_string(length) + " of " + std::to_string(png.size()) + " bytes");
    EXPECT_BRIVL_ERROR(read_png_text(png.substr(0, length), "cut.png"), "cut.png");
  }
  EXPECT_BRIVL_ERROR(read_png_text(png.substr(0, png.size() - 12), "no-iend.png"), "no-iend.png", "truncated",
                     "before the IEND");
  EXPECT_BRIVL_ERROR(read_png_text(png.substr(0, 50), "cut.png"), "cut.png", "truncated", "iTXt", "offset 33");
}

TEST(PngExport, ChunkWithWrongCrcIsRejectedNamingTheFile) {
  const std::string png = encode_png(gradient_image(), {{"brivl.imagine", kSettingsJson}});
  std::string text_damaged = png;
  text_damaged[33 + 8 + 30] ^= 0x01;  // one bit inside the iTXt text
  EXPECT_BRIVL_ERROR(read_png_text(text_damaged, "flipped.png"), "flipped.png", "iTXt", "CRC mismatch");
  std::string pixels_damaged = png;
  pixels_damaged[find_chunk(png, "IDAT") + 10] ^= 0x80;
  EXPECT_BRIVL_ERROR(read_png_text(pixels_damaged, "flipped.png"), "flipped.png", "IDAT", "CRC mismatch");
}

TEST(PngExport, MalformedTextChunksAreRejectedNamingTheFile) {
  const std::string plain = encode_png(gradient_image());
  const auto read_with = [&](const std::string& chunk) {
    return read_png_text(with_chunks_after_ihdr(plain, chunk), "bad.png");
  };
  EXPECT_BRIVL_ERROR(read_with(png_chunk("iTXt", "no separator at all")), "bad.png", "iTXt", "keyword",
                     "not NUL-terminated");
  EXPECT_BRIVL_ERROR(read_with(png_chunk("iTXt", std::string("key\0\0\0no-terminators", 20))), "bad.png",
                     "language tag");
  EXPECT_BRIVL_ERROR(read_with(png_chunk("iTXt", std::string("key\0\2\0\0\0text", 12))), "bad.png",
                     "compression flag 2");
  EXPECT_BRIVL_ERROR(read_with(png_chunk("iTXt", std::string("key\0\1\0\0\0not zlib", 16))), "bad.png",
                     "compressed text is corrupt");
  EXPECT_BRIVL_ERROR(read_with(png_chunk("tEXt", std::string("\0empty keyword", 14))), "bad.png", "tEXt",
                     "keyword length 0");
  EXPECT_BRIVL_ERROR(read_with(png_chunk("zTXt", std::string("key\0\7", 5) + zlib_compress("x"))), "bad.png", "zTXt",
                     "compression method 7");
  EXPECT_BRIVL_ERROR(
      read_png_text(plain.substr(0, 8) + png_chunk("tEXt", std::string("a\0b", 3)) + plain.substr(8), "order.png"),
      "order.png", "first chunk must be IHDR");
}

// --- Bad input to the encoder -----------------------------------------------------------------------------

TEST(PngExport, BadImageSizeIsRejected) {
  RgbImage empty;
  EXPECT_BRIVL_ERROR(encode_png(empty), "0x0", "must be positive");
  RgbImage negative = gradient_image();
  negative.height = -5;
  EXPECT_BRIVL_ERROR(encode_png(negative), "7x-5", "must be positive");
  RgbImage short_buffer = gradient_image();
  short_buffer.pixels.pop_back();
  EXPECT_BRIVL_ERROR(encode_png(short_buffer), "7x5", "104 bytes", "expected 105");
}

TEST(PngExport, BadKeywordIsRejected) {
  const RgbImage image = gradient_image();
  EXPECT_BRIVL_ERROR(encode_png(image, {{"", "text"}}), "keyword", "1-79");
  EXPECT_BRIVL_ERROR(encode_png(image, {{std::string(80, 'k'), "text"}}), "keyword", "1-79", "it has 80");
  EXPECT_BRIVL_ERROR(encode_png(image, {{std::string("a\0b", 3), "text"}}), "keyword \"a\\x00b\"", "printable ASCII");
  EXPECT_BRIVL_ERROR(encode_png(image, {{"设置", "text"}}), "keyword", "printable ASCII");
  EXPECT_BRIVL_ERROR(encode_png(image, {{"tab\there", "text"}}), "keyword", "printable ASCII");
  EXPECT_BRIVL_ERROR(encode_png(image, {{" lead", "text"}}), "keyword", "spaces");
  EXPECT_BRIVL_ERROR(encode_png(image, {{"two  spaces", "text"}}), "keyword", "spaces");
}

TEST(PngExport, TextThatIsNotUtf8OrHasNulIsRejected) {
  const RgbImage image = gradient_image();
  EXPECT_BRIVL_ERROR(encode_png(image, {{"k", "caf\xe9"}}), "\"k\"", "not valid UTF-8", "byte 3");
  EXPECT_BRIVL_ERROR(encode_png(image, {{"k", "\xed\xa0\x80"}}), "not valid UTF-8");  // a UTF-16 surrogate
  EXPECT_BRIVL_ERROR(encode_png(image, {{"k", "\xc0\xaf"}}), "not valid UTF-8");      // overlong '/'
  EXPECT_BRIVL_ERROR(encode_png(image, {{"k", std::string("a\0b", 3)}}), "\"k\"", "NUL");
}

// --- Files ----------------------------------------------------------------------------------------------

TEST(PngExport, WrittenFileReadsBackTextAndPixels) {
  test::TempDir dir;
  const std::string path = dir.file("imagine-0001.png");
  const RgbImage image = gradient_image();
  write_png(path, image, sample_text());
  EXPECT_EQ(read_png_text_file(path), sample_text());
  EXPECT_EQ(decode_image_file(path).pixels, image.pixels);
  EXPECT_EQ(test::read_bytes(path), encode_png(image, sample_text()));
  // The atomic writer leaves no temporary file behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
}

TEST(PngExport, FailedWriteLeavesNoFileBehind) {
  test::TempDir dir;
  const std::string path = dir.file("bad.png");
  EXPECT_BRIVL_ERROR(write_png(path, RgbImage{}), "must be positive");
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(PngExport, ReadingAMissingOrDamagedFileNamesThePath) {
  test::TempDir dir;
  EXPECT_BRIVL_ERROR(read_png_text_file(dir.file("missing.png")), "missing.png");
  const std::string path = dir.file("cut.png");
  test::write_bytes(path, encode_png(gradient_image(), sample_text()).substr(0, 50));
  EXPECT_BRIVL_ERROR(read_png_text_file(path), path, "truncated");
}

}  // namespace
}  // namespace brivl
