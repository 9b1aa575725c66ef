#include "export/image_export.h"

#include <stb/stb_image_write.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <vector>

#ifdef BRIVL_HAVE_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#endif

#include "export/png_export.h"
#include "export/xmp_metadata.h"
#include "text/unicode_text.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace {

// Largest side each encoder accepts: JPEG's 16-bit frame header, WebP's 14-bit bitstream sizes.
constexpr int kMaxJpegSide = 65535;
constexpr int kMaxWebpSide = 16383;

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

void check_image(const std::string& path, const RgbImage& image, ImageFormat format, int quality) {
  BRIVL_CHECK(quality >= 1 && quality <= 100, path, ": quality ", quality, " is not in 1-100");
  BRIVL_CHECK(image.width > 0 && image.height > 0, path, ": cannot export an image of ", image.width, "x", image.height,
              " pixels");
  const size_t expected = static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3;
  BRIVL_CHECK(image.pixels.size() == expected, path, ": the RGB buffer has ", image.pixels.size(), " bytes, expected ",
              expected, " for ", image.width, "x", image.height);
  const int max_side = format == ImageFormat::jpeg ? kMaxJpegSide : format == ImageFormat::webp ? kMaxWebpSide : 0;
  BRIVL_CHECK(max_side == 0 || (image.width <= max_side && image.height <= max_side), path, ": ",
              image_format_name(format), " images are at most ", max_side, "x", max_side, " pixels, this one is ",
              image.width, "x", image.height);
}

// The one rule for every format (see the header): XMP cannot hold other control characters, and
// valid settings JSON never contains them raw.
void check_settings_text(const std::string& path, const std::string& settings_json) {
  BRIVL_CHECK(unicode::is_valid_utf8(settings_json), path, ": the settings are not valid UTF-8");
  for (const char c : settings_json) {
    BRIVL_CHECK(static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r', path,
                ": the settings contain the control character ", static_cast<int>(static_cast<unsigned char>(c)),
                " (only tab, LF and CR are allowed)");
  }
}

void append_to_string(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

std::string encode_jpeg(const std::string& path, const RgbImage& image, int quality) {
  std::string jpeg;
  const int ok =
      stbi_write_jpg_to_func(append_to_string, &jpeg, image.width, image.height, 3, image.pixels.data(), quality);
  BRIVL_CHECK(ok != 0, path, ": stb_image_write failed to encode a ", image.width, "x", image.height, " JPEG");
  return jpeg;
}

std::string encode_webp(const std::string& path, const RgbImage& image, int quality) {
#ifdef BRIVL_HAVE_OPENCV
  cv::Mat bgr(image.height, image.width, CV_8UC3);
  const uint8_t* src = image.pixels.data();
  for (int y = 0; y < image.height; ++y) {
    auto* dst = bgr.ptr<uint8_t>(y);
    for (int x = 0; x < image.width; ++x, src += 3, dst += 3) {
      dst[0] = src[2];
      dst[1] = src[1];
      dst[2] = src[0];
    }
  }
  std::vector<uchar> buffer;
  bool ok = false;
  try {
    ok = cv::imencode(".webp", bgr, buffer, {cv::IMWRITE_WEBP_QUALITY, quality});
  } catch (const cv::Exception& e) {
    BRIVL_FAIL(path, ": OpenCV failed to encode WebP (", e.what(), ")");
  }
  BRIVL_CHECK(ok && !buffer.empty(), path, ": OpenCV failed to encode a ", image.width, "x", image.height, " WebP");
  return std::string(buffer.begin(), buffer.end());
#else
  (void)image;
  (void)quality;
  BRIVL_FAIL(path, ": WebP export needs OpenCV (BRIVL_WITH_OPENCV); use .png or .jpg");
#endif
}

std::string encode_with_settings(const std::string& path, const RgbImage& image, ImageFormat format,
                                 const std::string& settings_json, int quality) {
  switch (format) {
    case ImageFormat::png:
      return encode_png(image, {{kSettingsKey, settings_json}, {"Software", kSoftwareName}});
    case ImageFormat::jpeg: {
      const std::string packet = xmp::make_settings_packet(settings_json, kSoftwareName);  // validates first
      return xmp::jpeg_with_xmp(encode_jpeg(path, image, quality), packet, path);
    }
    case ImageFormat::webp: {
      const std::string packet = xmp::make_settings_packet(settings_json, kSoftwareName);
      return xmp::webp_with_xmp(encode_webp(path, image, quality), packet, path);
    }
  }
  BRIVL_FAIL(path, ": unknown image format");
}

// Format by the first bytes (a file may have been renamed).
std::optional<std::string> embedded_settings(const std::string& bytes, const std::string& path) {
  const std::string_view head(bytes.data(), std::min<size_t>(bytes.size(), 12));
  if (head.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    std::optional<std::string> settings;
    for (auto& [key, text] : read_png_text(bytes, path)) {
      if (key == kSettingsKey && !settings) settings = std::move(text);
    }
    return settings;
  }
  std::optional<std::string> packet;
  if (head.substr(0, 3) == "\xFF\xD8\xFF") {
    packet = xmp::jpeg_xmp(bytes, path);
  } else if (head.size() == 12 && head.substr(0, 4) == "RIFF" && head.substr(8, 4) == "WEBP") {
    packet = xmp::webp_xmp(bytes, path);
  } else {
    BRIVL_FAIL(path, ": not a PNG, JPEG or WebP file; settings can only be read from those");
  }
  return packet ? xmp::settings_from_packet(*packet, path) : std::nullopt;
}

}  // namespace

ImageFormat image_format_for_path(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".png") return ImageFormat::png;
  if (ext == ".jpg" || ext == ".jpeg") return ImageFormat::jpeg;
  if (ext == ".webp") return ImageFormat::webp;
  BRIVL_FAIL(path, ": unknown image extension \"", ext, "\"; supported: .png, .jpg, .jpeg, .webp");
}

const char* image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::png:
      return "PNG";
    case ImageFormat::jpeg:
      return "JPEG";
    case ImageFormat::webp:
      return "WebP";
  }
  return "?";
}

bool image_format_available(ImageFormat format) {
#ifdef BRIVL_HAVE_OPENCV
  (void)format;
  return true;
#else
  return format != ImageFormat::webp;
#endif
}

std::string settings_sidecar_path(const std::string& image_path) { return image_path + ".json"; }

void write_image_with_settings(const std::string& path, const RgbImage& image, const std::string& settings_json,
                               int quality) {
  const ImageFormat format = image_format_for_path(path);
  check_image(path, image, format, quality);
  check_settings_text(path, settings_json);
  write_file_atomically(path, encode_with_settings(path, image, format, settings_json, quality));
  if (format != ImageFormat::png) write_file_atomically(settings_sidecar_path(path), settings_json);
}

std::optional<std::string> read_image_settings(const std::string& path) {
  std::string bytes = read_file(path);
  // A settings file (the sidecar itself, or one a person edited or was sent): JSON text, which
  // ImagineSettings::from_json checks field by field like embedded settings.
  const bool bom = bytes.rfind("\xEF\xBB\xBF", 0) == 0;
  const size_t first = bytes.find_first_not_of(" \t\r\n", bom ? 3 : 0);
  if (first != std::string::npos && bytes[first] == '{') return bom ? bytes.substr(3) : bytes;
  std::optional<std::string> settings = embedded_settings(bytes, path);
  if (settings) return settings;
  const std::string sidecar = settings_sidecar_path(path);
  std::error_code error;
  if (!std::filesystem::is_regular_file(sidecar, error)) return std::nullopt;
  return read_file(sidecar);
}

}  // namespace brivl
