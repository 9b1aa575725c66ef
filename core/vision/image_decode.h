#pragma once
// Decoding image files to 8-bit RGB with the semantics of PIL's `Image.open(p).convert('RGB')`,
// which the official pipeline uses: alpha is dropped (no compositing), palettes are expanded,
// grayscale is replicated, 16-bit RGB keeps the high byte, 16-bit grayscale is clipped to 255
// (PIL's "I" -> "RGB"), and EXIF orientation is NOT applied.
#include <cstdint>
#include <string>
#include <vector>

namespace brivl {

// Largest accepted image (2^28 pixels, 768 MiB as RGB): protects against decompression bombs.
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // row-major, RGB interleaved, height * width * 3
};

// Decodes with OpenCV (PNG, JPEG, WebP, BMP, TIFF, ...) and falls back to stb_image (GIF, PSD,
// ...). Throws brivl::Error naming the file when neither can decode it.
RgbImage decode_image_file(const std::string& path);

// Decodes an in-memory encoded image; `name` is used in error messages.
RgbImage decode_image_bytes(const std::string& bytes, const std::string& name);

}  // namespace brivl
