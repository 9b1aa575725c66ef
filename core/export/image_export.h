#pragma once
// Exported imaginations carry the settings that made them, in every image format:
//   PNG:  iTXt chunk kSettingsKey (png_export.h) and "Software" = kSoftwareName;
//   JPEG: XMP in an APP1 segment (xmp_metadata.h), encoded by stb_image_write;
//   WebP: XMP in an "XMP " chunk of the extended format, encoded by OpenCV (BRIVL_HAVE_OPENCV).
// The XMP packet holds the settings as brivl:settings (namespace xmp::kNamespace) and
// xmp:CreatorTool = kSoftwareName.
//
// Sidecars: JPEG and WebP exports also get `<image path>.json` with the settings JSON as given,
// because image pipelines (web uploads, optimisers, re-encoders) commonly strip XMP from them.
// PNG exports get none: the iTXt chunk is what `brivl imagine --replay` and the studio read,
// frames folders would double their file count, and a sidecar would not travel with an uploaded
// PNG either. read_image_settings still falls back to a sidecar for any format (one written by
// hand, or a PNG whose text chunks were stripped).
#include <optional>
#include <string>

#include "vision/image_decode.h"

namespace brivl {

// PNG text keyword of the settings JSON. The CLI (`brivl imagine`, --replay) and the studio use
// this constant so their files are interchangeable.
inline constexpr const char* kSettingsKey = "brivl:settings";
// "Software" text of PNG exports and xmp:CreatorTool of JPEG/WebP exports.
inline constexpr const char* kSoftwareName = "BriVL Studio";

enum class ImageFormat { png, jpeg, webp };

// By the extension, case-insensitive: .png, .jpg/.jpeg, .webp. Throws brivl::Error naming the path
// and the supported extensions otherwise.
ImageFormat image_format_for_path(const std::string& path);

// "PNG", "JPEG", "WebP".
const char* image_format_name(ImageFormat format);

// False for WebP when built without OpenCV (BRIVL_WITH_OPENCV); PNG and JPEG are always there.
bool image_format_available(ImageFormat format);

// `<image_path>.json`.
std::string settings_sidecar_path(const std::string& image_path);

// Encodes `image` in the format of the path's extension with the settings embedded (see above) and
// writes it with write_file_atomically; then, for JPEG and WebP, the sidecar (also atomically;
// the rename replaces a symlink or hard link at the sidecar path instead of writing through it, so
// a sidecar never overwrites an image). `quality` (1-100) applies to JPEG and WebP (100 is still
// lossy). `settings_json` is stored as is (not parsed); it must be valid UTF-8 without NUL or
// other control characters than tab, LF and CR. Throws brivl::Error naming the path for an
// unknown extension, WebP without OpenCV, a bad image size or quality, settings that cannot be
// stored (JPEG: at most ~64 KiB after XML escaping), and write errors.
void write_image_with_settings(const std::string& path, const RgbImage& image, const std::string& settings_json,
                               int quality = 92);

// The settings JSON embedded in a PNG (iTXt/tEXt/zTXt kSettingsKey), JPEG (APP1 XMP) or WebP
// ("XMP " chunk); the format is recognised by the file's bytes, not its name. When the image has
// none, the sidecar `<path>.json` if it exists; nullopt when there is neither. A file that is
// itself JSON text (a sidecar, or any settings file: first non-blank byte '{', UTF-8 BOM allowed)
// is returned as it is, unparsed: ImagineSettings::from_json names its bad fields. Throws
// brivl::Error naming the path when it cannot be read, is none of these formats, or its container
// is damaged (truncated segment or chunk, bad RIFF size, PNG CRC mismatch, malformed XMP).
std::optional<std::string> read_image_settings(const std::string& path);

}  // namespace brivl
