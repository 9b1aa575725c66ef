#include "vision/image_decode.h"

#include <stb/stb_image.h>

#include <algorithm>
#include <cstdint>
#include <string>
#ifdef BRIVL_HAVE_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#endif

#include "util/atomic_file.h"
#include "vision/image_header.h"
#include "util/error.h"

namespace brivl {
namespace {

#ifdef BRIVL_HAVE_OPENCV
// Channel value of a 16-bit sample as PIL converts it (see header).
uint8_t narrow16(uint16_t v, bool clip) { return clip ? static_cast<uint8_t>(std::min<uint16_t>(v, 255)) : v >> 8; }

template <typename T>
RgbImage from_mat(const cv::Mat& m, bool clip16) {
  RgbImage out;
  out.width = m.cols;
  out.height = m.rows;
  out.pixels.resize(static_cast<size_t>(m.rows) * m.cols * 3);
  const int ch = m.channels();
  auto to8 = [&](T v) -> uint8_t {
    if constexpr (sizeof(T) == 1) return v;
    return narrow16(v, clip16);
  };
  for (int y = 0; y < m.rows; ++y) {
    const T* row = m.ptr<T>(y);
    uint8_t* dst = out.pixels.data() + static_cast<size_t>(y) * m.cols * 3;
    for (int x = 0; x < m.cols; ++x, dst += 3) {
      const T* px = row + static_cast<size_t>(x) * ch;
      if (ch <= 2) {  // gray (+ alpha): replicate
        dst[0] = dst[1] = dst[2] = to8(px[0]);
      } else {        // OpenCV order is BGR(A)
        dst[0] = to8(px[2]);
        dst[1] = to8(px[1]);
        dst[2] = to8(px[0]);
      }
    }
  }
  return out;
}

RgbImage decode_with_opencv(const cv::Mat& m, const std::string& name) {
  BRIVL_CHECK(m.rows > 0 && m.cols > 0, name, ": image has no pixels");
  BRIVL_CHECK(static_cast<int64_t>(m.rows) * m.cols <= kMaxImagePixels, name, ": image of ", m.cols, "x", m.rows,
              " pixels is larger than the limit of ", kMaxImagePixels, " pixels");
  switch (m.depth()) {
    case CV_8U: return from_mat<uint8_t>(m, false);
    // PIL opens 16-bit grayscale as mode "I" (convert('RGB') clips), 16-bit colour as "RGB"
    // via the "RGB;16B" raw mode (keeps the most significant byte).
    case CV_16U: return from_mat<uint16_t>(m, m.channels() <= 2);
    default: BRIVL_FAIL(name, ": unsupported pixel format (OpenCV depth ", m.depth(), "); expected 8- or 16-bit images");
  }
}

#endif  // BRIVL_HAVE_OPENCV

RgbImage decode_with_stb(const std::string& bytes, const std::string& name) {
  int w = 0, h = 0, n = 0;
  // Look at the header first: a small file can declare a huge image (decompression bomb).
  if (stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()), &w, &h, &n)) {
    BRIVL_CHECK(static_cast<int64_t>(w) * h <= kMaxImagePixels, name, ": image of ", w, "x", h,
                " pixels is larger than the limit of ", kMaxImagePixels, " pixels");
  }
  stbi_uc* data = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()),
                                        &w, &h, &n, 3);
  BRIVL_CHECK(data != nullptr, name, ": cannot decode image (", stbi_failure_reason() ? stbi_failure_reason() : "unknown",
              "); supported: PNG, JPEG, WebP, BMP, TIFF, GIF, ...");
  RgbImage out;
  out.width = w;
  out.height = h;
  out.pixels.assign(data, data + static_cast<size_t>(w) * h * 3);
  stbi_image_free(data);
  return out;
}

// A PNG whose chunk declares more bytes than the file holds is damaged (PIL refuses it as
// truncated). libpng allocates a chunk's declared length before reading it: a 1 KB file that
// declares a 2 GB text chunk made the decoder allocate 2 GB (found by fuzz/fuzz_image_decode).
void check_png_chunk_lengths(const std::string& bytes, const std::string& name) {
  static const std::string kSignature("\x89PNG\r\n\x1a\n", 8);
  if (bytes.compare(0, kSignature.size(), kSignature) != 0) return;
  const auto be32 = [&](size_t at) {
    return uint32_t{static_cast<uint8_t>(bytes[at])} << 24 | uint32_t{static_cast<uint8_t>(bytes[at + 1])} << 16 |
           uint32_t{static_cast<uint8_t>(bytes[at + 2])} << 8 | uint32_t{static_cast<uint8_t>(bytes[at + 3])};
  };
  for (size_t at = kSignature.size(); at + 8 <= bytes.size();) {
    const uint64_t length = be32(at);
    const std::string type = bytes.substr(at + 4, 4);
    const uint64_t left = bytes.size() - at - 8;  // the data and its CRC
    BRIVL_CHECK(length + 4 <= left, name, ": damaged PNG: chunk '", type, "' declares ", length, " bytes, the file holds ",
                left >= 4 ? left - 4 : 0, " more (truncated?)");
    if (type == "IEND") break;
    at += 12 + length;
  }
}

}  // namespace

RgbImage decode_image_bytes(const std::string& bytes, const std::string& name) {
  BRIVL_CHECK(!bytes.empty(), name, ": image file is empty");
  BRIVL_CHECK(bytes.size() < (size_t{1} << 31), name, ": image file of ", bytes.size(), " bytes is too large");
  check_png_chunk_lengths(bytes, name);
  if (const auto size = declared_image_size(bytes)) {
    BRIVL_CHECK(size->width * size->height <= static_cast<uint64_t>(kMaxImagePixels), name, ": image declares ",
                size->width, " x ", size->height, " pixels, more than the limit of ", kMaxImagePixels,
                "; refused before decoding");
  }
#ifdef BRIVL_HAVE_OPENCV
  cv::Mat m;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
    // IMREAD_UNCHANGED: keep bit depth and alpha, and ignore EXIF orientation (as PIL does).
    m = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    m.release();  // fall through to stb_image
  }
  if (!m.empty()) return decode_with_opencv(m, name);
#endif
  return decode_with_stb(bytes, name);
}

RgbImage decode_image_file(const std::string& path) { return decode_image_bytes(read_file(path), path); }

}  // namespace brivl
