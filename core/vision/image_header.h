#pragma once
// The pixel size an image file declares in its header, read without decoding it, so that a
// small file declaring a huge canvas is refused before a decoder allocates that canvas
// (OpenCV allocates width x height x channels first: a 32-byte WebP declaring 656,195 x 1,563
// made it ask for 3 GB; found by fuzz/fuzz_image_decode).
#include <cstdint>
#include <optional>
#include <string>

namespace brivl {

struct DeclaredImageSize {
  uint64_t width = 0, height = 0;
};

// PNG (IHDR), JPEG (the first SOF marker), WebP (VP8, VP8L, VP8X), GIF (logical screen) and BMP
// headers; nullopt for other formats or a header too short to say. decode_image_bytes refuses a
// declared size over kMaxImagePixels (image_decode.h) before any decoder runs.
std::optional<DeclaredImageSize> declared_image_size(const std::string& bytes);

}  // namespace brivl
