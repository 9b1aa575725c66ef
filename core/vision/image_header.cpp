#include "vision/image_header.h"

namespace brivl {
namespace {

// Byte `i` of `b` as an unsigned value; callers check the length first.
uint64_t u8(const std::string& b, size_t i) { return static_cast<uint8_t>(b[i]); }
uint64_t be16(const std::string& b, size_t i) { return u8(b, i) << 8 | u8(b, i + 1); }
uint64_t be32(const std::string& b, size_t i) { return be16(b, i) << 16 | be16(b, i + 2); }
uint64_t le16(const std::string& b, size_t i) { return u8(b, i) | u8(b, i + 1) << 8; }
uint64_t le24(const std::string& b, size_t i) { return le16(b, i) | u8(b, i + 2) << 16; }
uint64_t le32(const std::string& b, size_t i) { return le16(b, i) | le16(b, i + 2) << 16; }
bool starts(const std::string& b, size_t at, const char* s, size_t n) { return b.size() >= at + n && b.compare(at, n, s, n) == 0; }

std::optional<DeclaredImageSize> jpeg_size(const std::string& b) {
  for (size_t at = 2; at + 9 <= b.size();) {
    if (u8(b, at) != 0xFF) return std::nullopt;
    const uint64_t marker = u8(b, at + 1);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      at += 2;
      continue;
    }
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) return DeclaredImageSize{be16(b, at + 7), be16(b, at + 5)};
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // scan data or the end before any frame
    at += 2 + be16(b, at + 2);
  }
  return std::nullopt;
}

std::optional<DeclaredImageSize> webp_size(const std::string& b) {
  if (starts(b, 12, "VP8X", 4) && b.size() >= 30) return DeclaredImageSize{le24(b, 24) + 1, le24(b, 27) + 1};
  if (starts(b, 12, "VP8L", 4) && b.size() >= 25 && u8(b, 20) == 0x2F) {
    const uint64_t bits = le32(b, 21);
    return DeclaredImageSize{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
  }
  if (starts(b, 12, "VP8 ", 4) && b.size() >= 30) return DeclaredImageSize{le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF};
  return std::nullopt;
}

}  // namespace

std::optional<DeclaredImageSize> declared_image_size(const std::string& b) {
  if (starts(b, 0, "\x89PNG\r\n\x1a\n", 8) && starts(b, 12, "IHDR", 4) && b.size() >= 24)
    return DeclaredImageSize{be32(b, 16), be32(b, 20)};
  if (starts(b, 0, "\xFF\xD8", 2)) return jpeg_size(b);
  if (starts(b, 0, "RIFF", 4) && starts(b, 8, "WEBP", 4)) return webp_size(b);
  if ((starts(b, 0, "GIF87a", 6) || starts(b, 0, "GIF89a", 6)) && b.size() >= 10)
    return DeclaredImageSize{le16(b, 6), le16(b, 8)};
  if (starts(b, 0, "BM", 2) && b.size() >= 26) {
    if (le32(b, 14) == 12) return DeclaredImageSize{le16(b, 18), le16(b, 20)};  // OS/2 core header
    const auto height = static_cast<int32_t>(static_cast<uint32_t>(le32(b, 22)));  // negative: top-down rows
    const auto width = static_cast<int32_t>(static_cast<uint32_t>(le32(b, 18)));
    return DeclaredImageSize{static_cast<uint64_t>(width < 0 ? -static_cast<int64_t>(width) : width),
                             static_cast<uint64_t>(height < 0 ? -static_cast<int64_t>(height) : height)};
  }
  return std::nullopt;
}

}  // namespace brivl
