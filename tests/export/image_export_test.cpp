// Tests for exports that carry their settings in every format (core/export/image_export.h) and the
// XMP containers behind them (core/export/xmp_metadata.h).
#include "export/image_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "export/png_export.h"
#include "export/xmp_metadata.h"
#include "test_support.h"
#include "util/error.h"
#include "vision/image_decode.h"

namespace brivl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

// Chinese text, every XML special character, things that look like markup, CR LF and a tab.
const std::string kSettings =
    "{\n  \"prompt\": \"一只在月光下奔跑的猫 <b>&amp;</b> \\\"quoted\\\" 'single' a>b\",\n"
    "  \"note\": \"]]> --> <!-- &lt; &#x732B;\\r\\n\",\n  \"raw\": \"tab\there\",\r\n  \"seed\": 1234\n}\n";

// Smooth colours, so JPEG's error stays small; odd sizes catch stride mistakes.
RgbImage smooth_image(int width = 65, int height = 47) {
  RgbImage image;
  image.width = width;
  image.height = height;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.pixels.push_back(static_cast<uint8_t>(40 + 160 * x / width));
      image.pixels.push_back(static_cast<uint8_t>(200 - 150 * y / height));
      image.pixels.push_back(static_cast<uint8_t>(90 + 60 * (x + y) / (width + height)));
    }
  }
  return image;
}

unsigned byte_at(const std::string& bytes, size_t pos) { return static_cast<unsigned char>(bytes.at(pos)); }
uint32_t le32(const std::string& bytes, size_t pos) {
  return byte_at(bytes, pos) | (byte_at(bytes, pos + 1) << 8) | (byte_at(bytes, pos + 2) << 16) |
         (static_cast<uint32_t>(byte_at(bytes, pos + 3)) << 24);
}
uint32_t le24(const std::string& bytes, size_t pos) {
  return byte_at(bytes, pos) | (byte_at(bytes, pos + 1) << 8) | (byte_at(bytes, pos + 2) << 16);
}

// Fourccs of a WebP file's chunks, in order.
std::vector<std::string> webp_fourccs(const std::string& webp) {
  std::vector<std::string> out;
  for (size_t pos = 12; pos + 8 <= webp.size();) {
    out.push_back(webp.substr(pos, 4));
    const uint32_t size = le32(webp, pos + 4);
    pos += 8 + size + (size & 1);
  }
  return out;
}

// Markers of a JPEG's segments before SOS, in order (e.g. 0xE0, 0xE1, 0xDB, ...).
std::vector<unsigned> jpeg_markers(const std::string& jpeg) {
  std::vector<unsigned> out;
  for (size_t pos = 2; pos + 4 <= jpeg.size() && byte_at(jpeg, pos + 1) != 0xDA;) {
    out.push_back(byte_at(jpeg, pos + 1));
    pos += 2 + ((byte_at(jpeg, pos + 2) << 8) | byte_at(jpeg, pos + 3));
  }
  return out;
}

double mean_abs_difference(const RgbImage& a, const RgbImage& b) {
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return sum / static_cast<double>(a.pixels.size());
}

void append_to_string(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

// A JPEG as plain stb_image_write makes it: no metadata.
std::string plain_jpeg(const RgbImage& image) {
  std::string jpeg;
  EXPECT_NE(stbi_write_jpg_to_func(append_to_string, &jpeg, image.width, image.height, 3, image.pixels.data(), 90), 0);
  return jpeg;
}

// Real encoder output (OpenCV 4.6 / libwebp 1.2.4) of 3x2 images: lossless and simple (VP8L), and
// with alpha, which libwebp already writes in the extended format (VP8X, ALPH, VP8).
std::string bytes_of(const char* literal, size_t size) { return std::string(literal, size); }
#define BYTES(literal) bytes_of(literal, sizeof(literal) - 1)
const std::string kVp8lWebp = BYTES(
    "\x52\x49\x46\x46\x1E\x00\x00\x00\x57\x45\x42\x50\x56\x50\x38\x4C\x11\x00\x00\x00\x2F\x02\x40\x00"
    "\x00\x07\x50\xB2\x2A\x14\xB9\xFF\x81\x88\xE8\x7F\x00\x00");
const std::string kVp8xAlphaWebp = BYTES(
    "\x52\x49\x46\x46\x5E\x00\x00\x00\x57\x45\x42\x50\x56\x50\x38\x58\x0A\x00\x00\x00\x10\x00\x00\x00"
    "\x02\x00\x00\x01\x00\x00\x41\x4C\x50\x48\x07\x00\x00\x00\x00\x80\x80\x80\x80\x80\x80\x00\x56\x50"
    "\x38\x20\x30\x00\x00\x00\x10\x02\x00\x9D\x01\x2A\x03\x00\x02\x00\x01\x40\x26\x25\xA0\x02\x74\xBA"
    "\x01\xF8\x01\xF8\x00\x03\xC8\x00\xFE\xF0\xD7\x03\xFF\x60\xE9\x83\x2E\x7F\x8A\xF7\xFE\x9A\x28\xC2"
    "\x98\xFB\x68\x00\x00\x00");

// --- Format by extension ------------------------------------------------------------------------------

TEST(ImageExport, FormatComesFromTheExtensionIgnoringCase) {
  EXPECT_EQ(image_format_for_path("out/a.png"), ImageFormat::png);
  EXPECT_EQ(image_format_for_path("a.PNG"), ImageFormat::png);
  EXPECT_EQ(image_format_for_path("a.jpg"), ImageFormat::jpeg);
  EXPECT_EQ(image_format_for_path("猫.JPEG"), ImageFormat::jpeg);
  EXPECT_EQ(image_format_for_path("a.b.WebP"), ImageFormat::webp);
  EXPECT_STREQ(kSettingsKey, "brivl:settings");  // what `brivl imagine --replay` has always read
}

TEST(ImageExport, UnknownExtensionIsAnErrorNamingThePathAndTheSupportedOnes) {
  EXPECT_BRIVL_ERROR(image_format_for_path("cat.gif"), "cat.gif", ".png", ".jpg", ".jpeg", ".webp");
  EXPECT_BRIVL_ERROR(image_format_for_path("no_extension"), "no_extension", ".png");
  test::TempDir dir;
  EXPECT_BRIVL_ERROR(write_image_with_settings(dir.file("cat.bmp"), smooth_image(), kSettings), "cat.bmp", ".webp");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// --- PNG ----------------------------------------------------------------------------------------------

TEST(ImageExport, PngRoundTripsSettingsAndPixelsWithoutASidecar) {
  test::TempDir dir;
  const std::string path = dir.file("猫.png");
  const RgbImage image = smooth_image();
  write_image_with_settings(path, image, kSettings);
  EXPECT_THAT(read_image_settings(path), Optional(kSettings));
  const RgbImage decoded = decode_image_file(path);
  EXPECT_EQ(decoded.width, image.width);
  EXPECT_EQ(decoded.height, image.height);
  EXPECT_EQ(decoded.pixels, image.pixels);
  EXPECT_THAT(read_png_text_file(path), ::testing::ElementsAre(::testing::Pair("brivl:settings", kSettings),
                                                               ::testing::Pair("Software", "BriVL Studio")));
  EXPECT_FALSE(fs::exists(settings_sidecar_path(path)));
}

// --- JPEG ---------------------------------------------------------------------------------------------

TEST(ImageExport, JpegRoundTripsSettingsAndDecodesCloseToTheImage) {
  test::TempDir dir;
  const std::string path = dir.file("moon.jpg");
  const RgbImage image = smooth_image();
  write_image_with_settings(path, image, kSettings);
  EXPECT_THAT(read_image_settings(path), Optional(kSettings));
  const RgbImage decoded = decode_image_file(path);
  ASSERT_EQ(decoded.width, image.width);
  ASSERT_EQ(decoded.height, image.height);
  EXPECT_LT(mean_abs_difference(decoded, image), 2.0);
  EXPECT_EQ(test::read_bytes(settings_sidecar_path(path)), kSettings);
}

TEST(ImageExport, JpegHasSoiThenJfifApp0ThenTheXmpApp1) {
  test::TempDir dir;
  const std::string path = dir.file("a.jpeg");
  write_image_with_settings(path, smooth_image(), kSettings, 80);
  const std::string jpeg = test::read_bytes(path);
  ASSERT_GE(jpeg.size(), 64u);
  EXPECT_EQ(byte_at(jpeg, 0), 0xFFu);
  EXPECT_EQ(byte_at(jpeg, 1), 0xD8u);
  const std::vector<unsigned> markers = jpeg_markers(jpeg);
  ASSERT_GE(markers.size(), 3u);
  EXPECT_EQ(markers[0], 0xE0u);
  EXPECT_EQ(jpeg.substr(6, 5), std::string("JFIF\0", 5));
  EXPECT_EQ(markers[1], 0xE1u);
  const size_t app1 = 4 + ((byte_at(jpeg, 4) << 8) | byte_at(jpeg, 5));
  EXPECT_EQ(byte_at(jpeg, app1 + 1), 0xE1u);
  EXPECT_EQ(jpeg.substr(app1 + 4, 29), std::string("http://ns.adobe.com/xap/1.0/\0", 29));
  const std::string packet = *xmp::jpeg_xmp(jpeg, path);
  EXPECT_THAT(packet, HasSubstr("<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"));
  EXPECT_THAT(packet, HasSubstr("xmlns:brivl=\"https://brivl-studio.org/ns/1.0/\""));
  EXPECT_THAT(packet, HasSubstr("<xmp:CreatorTool>BriVL Studio</xmp:CreatorTool>"));
  EXPECT_THAT(packet, HasSubstr("&lt;b&gt;&amp;amp;&lt;/b&gt; \\&quot;quoted\\&quot; &apos;single&apos;"));
  EXPECT_THAT(packet, HasSubstr("一只在月光下奔跑的猫"));  // UTF-8 as is
  EXPECT_THAT(packet, HasSubstr("&#13;"));                 // the raw CR
  EXPECT_THAT(packet, Not(HasSubstr("<b>")));
  EXPECT_THAT(packet, HasSubstr("<?xpacket end=\"w\"?>"));
}

TEST(ImageExport, JpegXmpGoesAfterExifAndReplacesAnExistingXmpSegment) {
  const std::string plain = plain_jpeg(smooth_image(16, 8));
  const size_t after_app0 = 4 + ((byte_at(plain, 4) << 8) | byte_at(plain, 5));
  const std::string exif_payload = std::string("Exif\0\0", 6) + "II*fake";
  std::string with_exif = plain;
  with_exif.insert(after_app0,
                   std::string("\xFF\xE1\x00", 3) + static_cast<char>(2 + exif_payload.size()) + exif_payload);
  const std::string once = xmp::jpeg_with_xmp(with_exif, xmp::make_settings_packet("{\"a\":1}", "x"), "e.jpg");
  const std::string twice = xmp::jpeg_with_xmp(once, xmp::make_settings_packet("{\"b\":2}", "x"), "e.jpg");
  const std::vector<unsigned> markers = jpeg_markers(twice);
  ASSERT_GE(markers.size(), 4u);
  EXPECT_EQ(markers[0], 0xE0u);
  EXPECT_EQ(markers[1], 0xE1u);  // Exif
  EXPECT_EQ(twice.substr(after_app0 + 4, 6), std::string("Exif\0\0", 6));
  EXPECT_EQ(markers[2], 0xE1u);  // XMP
  EXPECT_NE(markers[3], 0xE1u);  // only one XMP segment
  EXPECT_THAT(xmp::settings_from_packet(*xmp::jpeg_xmp(twice, "e.jpg"), "e.jpg"), Optional(std::string("{\"b\":2}")));
  EXPECT_EQ(decode_image_bytes(twice, "e.jpg").width, 16);
}

TEST(ImageExport, JpegPacketLargerThanOneSegmentIsRefused) {
  const std::string packet = xmp::make_settings_packet(std::string(70000, 'x'), "x");
  EXPECT_BRIVL_ERROR(xmp::jpeg_with_xmp(plain_jpeg(smooth_image(8, 8)), packet, "big.jpg"), "big.jpg",
                     std::to_string(xmp::kMaxJpegPacket), "Extended XMP");
  test::TempDir dir;
  EXPECT_BRIVL_ERROR(write_image_with_settings(dir.file("big.jpg"), smooth_image(), std::string(70000, '<')), "big.jpg",
                     "XMP");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// --- WebP ---------------------------------------------------------------------------------------------

TEST(ImageExport, WebpRoundTripsSettingsInAnExtendedRiff) {
  if (!image_format_available(ImageFormat::webp)) GTEST_SKIP() << "built without OpenCV: no WebP encoder";
  test::TempDir dir;
  const std::string path = dir.file("moon.webp");
  const RgbImage image = smooth_image();
  write_image_with_settings(path, image, kSettings, 95);
  EXPECT_THAT(read_image_settings(path), Optional(kSettings));
  EXPECT_EQ(test::read_bytes(settings_sidecar_path(path)), kSettings);
  const RgbImage decoded = decode_image_file(path);
  ASSERT_EQ(decoded.width, image.width);
  ASSERT_EQ(decoded.height, image.height);
  EXPECT_LT(mean_abs_difference(decoded, image), 3.0);

  const std::string webp = test::read_bytes(path);
  EXPECT_EQ(webp.substr(0, 4), "RIFF");
  EXPECT_EQ(webp.substr(8, 4), "WEBP");
  EXPECT_EQ(le32(webp, 4), webp.size() - 8);
  const std::vector<std::string> chunks = webp_fourccs(webp);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], "VP8X");
  EXPECT_EQ(chunks[1], "VP8 ");
  EXPECT_EQ(chunks[2], "XMP ");
  EXPECT_EQ(le32(webp, 16), 10u);
  EXPECT_EQ(byte_at(webp, 20), 0x04u);  // XMP flag only: no alpha, no animation
  EXPECT_EQ(le24(webp, 24) + 1, static_cast<uint32_t>(image.width));
  EXPECT_EQ(le24(webp, 27) + 1, static_cast<uint32_t>(image.height));
}

TEST(ImageExport, WebpWithoutOpenCvIsAClearError) {
  if (image_format_available(ImageFormat::webp)) GTEST_SKIP() << "built with OpenCV";
  test::TempDir dir;
  EXPECT_BRIVL_ERROR(write_image_with_settings(dir.file("a.webp"), smooth_image(), kSettings), "a.webp",
                     "WebP export needs OpenCV (BRIVL_WITH_OPENCV)");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(ImageExport, SimpleWebpBecomesExtendedWithCanvasFromTheBitstream) {
  const std::string webp = xmp::webp_with_xmp(kVp8lWebp, "<x/>", "s.webp");
  EXPECT_EQ(le32(webp, 4), webp.size() - 8);
  EXPECT_THAT(webp_fourccs(webp), ::testing::ElementsAre("VP8X", "VP8L", "XMP "));
  EXPECT_EQ(byte_at(webp, 20), 0x04u);
  EXPECT_EQ(le24(webp, 24), 2u);  // 3x2
  EXPECT_EQ(le24(webp, 27), 1u);
  EXPECT_THAT(xmp::webp_xmp(webp, "s.webp"), Optional(std::string("<x/>")));
  if (image_format_available(ImageFormat::webp)) {
    EXPECT_EQ(decode_image_bytes(webp, "s.webp").width, 3);
  }
}

TEST(ImageExport, ExtendedWebpKeepsItsVp8xAndChunksAndGetsOneXmpChunk) {
  const std::string once = xmp::webp_with_xmp(kVp8xAlphaWebp, "first", "x.webp");
  const std::string webp = xmp::webp_with_xmp(once, "second, odd", "x.webp");
  EXPECT_EQ(le32(webp, 4), webp.size() - 8);
  EXPECT_THAT(webp_fourccs(webp), ::testing::ElementsAre("VP8X", "ALPH", "VP8 ", "XMP "));
  EXPECT_EQ(byte_at(webp, 20), 0x14u);  // alpha flag kept, XMP flag added
  EXPECT_EQ(webp.substr(24, 6), kVp8xAlphaWebp.substr(24, 6));
  EXPECT_THAT(xmp::webp_xmp(webp, "x.webp"), Optional(std::string("second, odd")));
  EXPECT_EQ(byte_at(webp, webp.size() - 1), 0u);  // odd payload padded
  if (image_format_available(ImageFormat::webp)) {
    EXPECT_EQ(decode_image_bytes(webp, "x.webp").height, 2);
  }
}

// --- Reading back: fallbacks and damage ----------------------------------------------------------------

TEST(ImageExport, SidecarIsTheFallbackWhenTheImageCarriesNoSettings) {
  test::TempDir dir;
  const std::string jpg = dir.file("stripped.jpg");
  test::write_bytes(jpg, plain_jpeg(smooth_image()));
  EXPECT_EQ(read_image_settings(jpg), std::nullopt);
  test::write_bytes(settings_sidecar_path(jpg), kSettings);
  EXPECT_THAT(read_image_settings(jpg), Optional(kSettings));

  const std::string png = dir.file("stripped.png");
  write_png(png, smooth_image(), {{"Software", "other"}});
  EXPECT_EQ(read_image_settings(png), std::nullopt);
  test::write_bytes(settings_sidecar_path(png), "{}");
  EXPECT_THAT(read_image_settings(png), Optional(std::string("{}")));

  const std::string webp = dir.file("plain.webp");
  test::write_bytes(webp, kVp8lWebp);
  EXPECT_EQ(read_image_settings(webp), std::nullopt);
}

TEST(ImageExport, EmbeddedSettingsWinOverAStaleSidecar) {
  test::TempDir dir;
  const std::string path = dir.file("a.jpg");
  write_image_with_settings(path, smooth_image(), kSettings);
  test::write_bytes(settings_sidecar_path(path), "{\"stale\": true}");
  EXPECT_THAT(read_image_settings(path), Optional(kSettings));
}

TEST(ImageExport, ASidecarNeverOverwritesTheImage) {
  test::TempDir dir;
  const std::string path = dir.file("a.jpg");
  write_image_with_settings(path, smooth_image(), "{\"run\": 1}");
  const std::string sidecar = settings_sidecar_path(path);
  fs::remove(sidecar);
  fs::create_symlink(path, sidecar);  // a sidecar path that leads to the image itself
  write_image_with_settings(path, smooth_image(), "{\"run\": 2}");
  EXPECT_FALSE(fs::is_symlink(sidecar));
  EXPECT_EQ(test::read_bytes(sidecar), "{\"run\": 2}");
  EXPECT_EQ(decode_image_file(path).width, 65);
  EXPECT_THAT(read_image_settings(path), Optional(std::string("{\"run\": 2}")));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);  // no temp files
}

TEST(ImageExport, TruncatedFilesAreErrorsNamingThem) {
  test::TempDir dir;
  const std::string jpg = dir.file("cut.jpg");
  write_image_with_settings(jpg, smooth_image(), kSettings);
  const std::string jpeg = test::read_bytes(jpg);
  const size_t sos = jpeg.find("\xFF\xDA");
  for (size_t length : {size_t{0}, size_t{3}, size_t{5}, size_t{30}, size_t{200}, sos - 1, sos}) {
    SCOPED_TRACE("JPEG truncated to " + std::to_string(length));
    test::write_bytes(jpg, jpeg.substr(0, length));
    EXPECT_BRIVL_ERROR(read_image_settings(jpg), "cut.jpg");
  }
  test::write_bytes(jpg, jpeg.substr(0, 200));
  EXPECT_BRIVL_ERROR(read_image_settings(jpg), "cut.jpg", "truncated JPEG", "segment 0xFFE1 at offset 20");

  const std::string webp = xmp::webp_with_xmp(kVp8lWebp, xmp::make_settings_packet(kSettings, "x"), "x");
  for (size_t length = 0; length < webp.size(); ++length) {
    SCOPED_TRACE("WebP truncated to " + std::to_string(length));
    EXPECT_BRIVL_ERROR(xmp::webp_xmp(webp.substr(0, length), "cut.webp"), "cut.webp");
  }
  const std::string path = dir.file("cut.webp");
  test::write_bytes(path, webp.substr(0, webp.size() - 10));
  EXPECT_BRIVL_ERROR(read_image_settings(path), "cut.webp", "bad RIFF size", std::to_string(webp.size() - 10 - 8));

  const std::string png = dir.file("cut.png");
  write_image_with_settings(png, smooth_image(), kSettings);
  test::write_bytes(png, test::read_bytes(png).substr(0, 100));
  EXPECT_BRIVL_ERROR(read_image_settings(png), "cut.png", "truncated");
}

TEST(ImageExport, MalformedContainersAreErrorsNamingTheFile) {
  std::string bad_riff = kVp8lWebp;
  bad_riff[4] = 0x1F;  // one more than the file holds
  EXPECT_BRIVL_ERROR(xmp::webp_xmp(bad_riff, "b.webp"), "b.webp", "bad RIFF size 31");
  std::string bad_chunk = kVp8lWebp;
  bad_chunk[16] = 0x30;  // the VP8L chunk claims more bytes than the RIFF has
  EXPECT_BRIVL_ERROR(xmp::webp_xmp(bad_chunk, "c.webp"), "c.webp", "truncated WebP", "VP8L");
  EXPECT_BRIVL_ERROR(xmp::webp_with_xmp(bytes_of("RIFF\x0C\0\0\0WEBPJUNK\0\0\0\0", 20), "p", "j.webp"), "j.webp",
                     "\"JUNK\"", "VP8, VP8L or VP8X");

  std::string bad_length = plain_jpeg(smooth_image(8, 8));
  bad_length[4] = 0;
  bad_length[5] = 1;  // APP0 length 1 (< 2)
  EXPECT_BRIVL_ERROR(xmp::jpeg_xmp(bad_length, "l.jpg"), "l.jpg", "segment 0xFFE0 at offset 2", "length 1");

  const std::string unterminated = "<brivl:settings>{\"a\": 1}";
  EXPECT_BRIVL_ERROR(xmp::settings_from_packet(unterminated, "u.jpg"), "u.jpg", "not closed");
  EXPECT_BRIVL_ERROR(xmp::settings_from_packet("<brivl:settings>&bogus;</brivl:settings>", "e.jpg"), "e.jpg",
                     "&bogus;");
  // Found by fuzz/fuzz_image_settings: an empty reference threw std::out_of_range (program ended).
  EXPECT_BRIVL_ERROR(xmp::settings_from_packet("<brivl:settings>&;</brivl:settings>", "e.jpg"), "e.jpg", "reference &;");

  test::TempDir dir;
  const std::string text = dir.file("notes.jpg");
  test::write_bytes(text, "just some text");
  EXPECT_BRIVL_ERROR(read_image_settings(text), "notes.jpg", "not a PNG, JPEG or WebP");
  EXPECT_BRIVL_ERROR(read_image_settings(dir.file("missing.png")), "missing.png", "cannot open");
}

TEST(ImageExport, XmpReferencesFromOtherWritersAreDecoded) {
  const std::string packet =
      "<x><brivl:settings>&#x732B;&#29483;&#13;&#xa;&quot;&apos;&lt;&gt;&amp;</brivl:settings></x>";
  EXPECT_THAT(xmp::settings_from_packet(packet, "p"), Optional(std::string("猫猫\r\n\"'<>&")));
  EXPECT_EQ(xmp::settings_from_packet("<x:xmpmeta/>", "p"), std::nullopt);
}

// --- Bad input ------------------------------------------------------------------------------------------

TEST(ImageExport, SettingsXmlCannotHoldAreRefusedBeforeAnythingIsWritten) {
  test::TempDir dir;
  EXPECT_BRIVL_ERROR(write_image_with_settings(dir.file("a.jpg"), smooth_image(), "bell\x07"), "a.jpg",
                     "control character 7");
  EXPECT_BRIVL_ERROR(write_image_with_settings(dir.file("a.webp"), smooth_image(), "bad \xC3"), "a.webp", "UTF-8");
  EXPECT_BRIVL_ERROR(write_image_with_settings(dir.file("a.png"), smooth_image(), std::string("nul\0", 4)), "a.png",
                     "control character 0");
  EXPECT_BRIVL_ERROR(xmp::make_settings_packet("bell\x07", "x"), "U+0007", "XML 1.0");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(ImageExport, BadQualityOrImageIsAnErrorNamingThePath) {
  test::TempDir dir;
  EXPECT_BRIVL_ERROR(write_image_with_settings(dir.file("q.jpg"), smooth_image(), "{}", 0), "q.jpg", "quality 0");
  EXPECT_BRIVL_ERROR(write_image_with_settings(dir.file("q.jpg"), smooth_image(), "{}", 101), "quality 101");
  RgbImage broken = smooth_image();
  broken.pixels.pop_back();
  EXPECT_BRIVL_ERROR(write_image_with_settings(dir.file("b.jpg"), broken, "{}"), "b.jpg", "RGB buffer");
  EXPECT_BRIVL_ERROR(write_image_with_settings(dir.file("e.png"), RgbImage{}, "{}"), "e.png", "0x0");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace brivl
