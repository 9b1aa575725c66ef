#include "export/animation.h"

#include <gif_lib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#ifdef BRIVL_HAVE_OPENCV_VIDEOIO
#include <fcntl.h>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>
#include <opencv2/videoio/registry.hpp>
#endif

#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace {

// ---- Frames ------------------------------------------------------------------------------------

void check_frames(const std::string& what, const std::vector<RgbImage>& frames) {
  BRIVL_CHECK(!frames.empty(), what, ": no frames to write");
  const int width = frames.front().width, height = frames.front().height;
  BRIVL_CHECK(width > 0 && height > 0, what, ": frame 0 is ", width, "x", height, " pixels");
  for (size_t i = 0; i < frames.size(); ++i) {
    const RgbImage& f = frames[i];
    BRIVL_CHECK(f.width == width && f.height == height, what, ": frame ", i, " is ", f.width, "x", f.height,
                ", frame 0 is ", width, "x", height, "; all frames must have the same size");
    BRIVL_CHECK(f.pixels.size() == static_cast<size_t>(width) * static_cast<size_t>(height) * 3, what, ": frame ", i,
                " has ", f.pixels.size(), " RGB bytes, expected ", static_cast<size_t>(width) * height * 3);
  }
}

// ---- Median cut --------------------------------------------------------------------------------

constexpr int kBinCount = 1 << 15;  // 5 bits per channel

int bin_of(const uint8_t* rgb) { return ((rgb[0] >> 3) << 10) | ((rgb[1] >> 3) << 5) | (rgb[2] >> 3); }

struct Bin {
  uint64_t sum[3] = {0, 0, 0};
  uint64_t count = 0;
  int key = 0;
  double mean(int c) const { return static_cast<double>(sum[c]) / static_cast<double>(count); }
};

// Bins [begin, end) of the sorted bin list.
struct Box {
  size_t begin = 0, end = 0;
  uint64_t count = 0;
  double error = 0;  // sum over bins of count * squared distance of the bin mean to the box mean
  int axis = 0;      // channel with the largest share of the error
};

std::vector<Bin> histogram(const RgbImage& image) {
  std::vector<Bin> all(kBinCount);
  for (size_t i = 0; i < image.pixels.size(); i += 3) {
    Bin& bin = all[bin_of(&image.pixels[i])];
    for (int c = 0; c < 3; ++c) bin.sum[c] += image.pixels[i + c];
    ++bin.count;
  }
  std::vector<Bin> used;
  for (int key = 0; key < kBinCount; ++key) {
    if (all[key].count == 0) continue;
    all[key].key = key;
    used.push_back(all[key]);
  }
  return used;
}

Box describe(const std::vector<Bin>& bins, size_t begin, size_t end) {
  Box box{begin, end, 0, 0, 0};
  double sum[3] = {0, 0, 0};
  for (size_t i = begin; i < end; ++i) {
    box.count += bins[i].count;
    for (int c = 0; c < 3; ++c) sum[c] += static_cast<double>(bins[i].sum[c]);
  }
  double axis_error[3] = {0, 0, 0};
  for (size_t i = begin; i < end; ++i) {
    for (int c = 0; c < 3; ++c) {
      const double d = bins[i].mean(c) - sum[c] / static_cast<double>(box.count);
      axis_error[c] += static_cast<double>(bins[i].count) * d * d;
    }
  }
  box.axis = static_cast<int>(std::max_element(axis_error, axis_error + 3) - axis_error);
  box.error = axis_error[0] + axis_error[1] + axis_error[2];
  return box;
}

// Splits `box` at the pixel-count median along its axis; both halves keep at least one bin.
std::pair<Box, Box> split(std::vector<Bin>& bins, const Box& box) {
  std::sort(bins.begin() + static_cast<std::ptrdiff_t>(box.begin), bins.begin() + static_cast<std::ptrdiff_t>(box.end),
            [axis = box.axis](const Bin& a, const Bin& b) { return a.mean(axis) < b.mean(axis); });
  size_t middle = box.begin + 1;
  for (uint64_t below = bins[box.begin].count; middle + 1 < box.end && 2 * below < box.count; ++middle) {
    below += bins[middle].count;
  }
  return {describe(bins, box.begin, middle), describe(bins, middle, box.end)};
}

std::vector<Box> median_cut(std::vector<Bin>& bins, int max_colors) {
  std::vector<Box> boxes{describe(bins, 0, bins.size())};
  while (boxes.size() < static_cast<size_t>(max_colors)) {
    auto worst = std::max_element(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) {
      return (a.end - a.begin > 1 ? a.error : -1.0) < (b.end - b.begin > 1 ? b.error : -1.0);
    });
    if (worst->end - worst->begin < 2) break;  // every box is a single bin
    auto [low, high] = split(bins, *worst);
    *worst = low;
    boxes.push_back(high);
  }
  return boxes;
}

size_t nearest(const std::vector<std::array<uint8_t, 3>>& palette, const Bin& bin) {
  size_t best = 0;
  double best_distance = 1e300;
  for (size_t i = 0; i < palette.size(); ++i) {
    double distance = 0;
    for (int c = 0; c < 3; ++c) distance += (bin.mean(c) - palette[i][c]) * (bin.mean(c) - palette[i][c]);
    if (distance < best_distance) {
      best_distance = distance;
      best = i;
    }
  }
  return best;
}

// ---- GIF ---------------------------------------------------------------------------------------

int append_gif_bytes(GifFileType* gif, const GifByteType* data, int size) {
  static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
  return size;
}

void gif_check(GifFileType* gif, int rc, const char* step) {
  BRIVL_CHECK(rc == GIF_OK, "GIF encoder (giflib) failed to ", step, ": ", GifErrorString(gif->Error));
}

// Closes (and frees) an encoder that an exception abandons.
struct GifCloser {
  GifFileType* gif;
  ~GifCloser() {
    int error = 0;
    if (gif) EGifCloseFile(gif, &error);
  }
};

// NETSCAPE2.0 application extension: sub-block 1 = loop count (0 = forever), little-endian.
void put_loop_forever(GifFileType* gif) {
  static const GifByteType kLoop[3] = {1, 0, 0};
  gif_check(gif, EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE), "write the loop extension");
  gif_check(gif, EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0"), "write the loop extension");
  gif_check(gif, EGifPutExtensionBlock(gif, 3, kLoop), "write the loop extension");
  gif_check(gif, EGifPutExtensionTrailer(gif), "write the loop extension");
}

void put_frame(GifFileType* gif, const RgbImage& frame, int delay_cs) {
  GraphicsControlBlock gcb{DISPOSE_DO_NOT, false, delay_cs, NO_TRANSPARENT_COLOR};
  GifByteType extension[4];
  const size_t length = EGifGCBToExtension(&gcb, extension);
  gif_check(gif, EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(length), extension),
            "write a frame delay");

  IndexedImage indexed = quantize_median_cut(frame);
  std::vector<GifColorType> colors(256, GifColorType{0, 0, 0});  // GIF palettes have 2^n entries
  for (size_t i = 0; i < indexed.palette.size(); ++i) {
    colors[i] = GifColorType{indexed.palette[i][0], indexed.palette[i][1], indexed.palette[i][2]};
  }
  const int size = std::max(2, 1 << GifBitSize(static_cast<int>(indexed.palette.size())));
  const std::unique_ptr<ColorMapObject, void (*)(ColorMapObject*)> map(GifMakeMapObject(size, colors.data()),
                                                                       GifFreeMapObject);
  BRIVL_CHECK(map != nullptr, "GIF encoder (giflib) failed to make a colour map of ", size, " entries");
  gif_check(gif, EGifPutImageDesc(gif, 0, 0, frame.width, frame.height, false, map.get()), "write a frame header");
  for (int y = 0; y < frame.height; ++y) {
    gif_check(gif, EGifPutLine(gif, indexed.indices.data() + static_cast<size_t>(y) * frame.width, frame.width),
              "write a frame");
  }
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// ---- MP4 ---------------------------------------------------------------------------------------

#ifdef BRIVL_HAVE_OPENCV_VIDEOIO
// BGR frame with even width and height (the last column/row repeated where needed).
cv::Mat even_bgr(const RgbImage& frame) {
  const int width = frame.width + frame.width % 2, height = frame.height + frame.height % 2;
  cv::Mat bgr(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    auto* dst = bgr.ptr<uint8_t>(y);
    const uint8_t* row = frame.pixels.data() + static_cast<size_t>(std::min(y, frame.height - 1)) * frame.width * 3;
    for (int x = 0; x < width; ++x, dst += 3) {
      const uint8_t* src = row + static_cast<size_t>(std::min(x, frame.width - 1)) * 3;
      dst[0] = src[2];
      dst[1] = src[1];
      dst[2] = src[0];
    }
  }
  return bgr;
}

// Removes the temporary video unless it was renamed into place.
struct TempFile {
  std::string path;
  bool keep = false;
  ~TempFile() {
    if (!keep) std::remove(path.c_str());
  }
};

void open_video_writer(cv::VideoWriter& writer, const std::string& temp, const std::string& path, const cv::Size& size,
                       double fps) {
  for (const char* codec : {"avc1", "mp4v"}) {
    const int fourcc = cv::VideoWriter::fourcc(codec[0], codec[1], codec[2], codec[3]);
    if (writer.open(temp, cv::CAP_FFMPEG, fourcc, fps, size)) return;
  }
  BRIVL_FAIL(path,
             ": OpenCV's FFmpeg backend could not open an H.264 (avc1) or MPEG-4 (mp4v) writer; save the "
             "animation as .gif instead");
}

void fsync_file(const std::string& temp, const std::string& path) {
  const int fd = ::open(temp.c_str(), O_RDONLY);
  BRIVL_CHECK(fd >= 0, path, ": the video encoder wrote no file (", std::strerror(errno), ")");
  const bool ok = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  BRIVL_CHECK(ok, path, ": cannot flush to disk (", std::strerror(err), ")");
}
#endif

}  // namespace

IndexedImage quantize_median_cut(const RgbImage& image, int max_colors) {
  BRIVL_CHECK(max_colors >= 2 && max_colors <= 256, "quantize: max_colors ", max_colors, " is not in 2-256");
  BRIVL_CHECK(image.width > 0 && image.height > 0 &&
                  image.pixels.size() == static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3,
              "quantize: bad image of ", image.width, "x", image.height, " with ", image.pixels.size(), " bytes");
  std::vector<Bin> bins = histogram(image);
  IndexedImage out;
  out.width = image.width;
  out.height = image.height;
  for (const Box& box : median_cut(bins, max_colors)) {
    uint64_t sum[3] = {0, 0, 0};
    for (size_t i = box.begin; i < box.end; ++i) {
      for (int c = 0; c < 3; ++c) sum[c] += bins[i].sum[c];
    }
    std::array<uint8_t, 3> color{};
    for (int c = 0; c < 3; ++c) color[c] = static_cast<uint8_t>((sum[c] + box.count / 2) / box.count);
    out.palette.push_back(color);
  }
  std::vector<uint8_t> index_of_bin(kBinCount, 0);
  for (const Bin& bin : bins) index_of_bin[bin.key] = static_cast<uint8_t>(nearest(out.palette, bin));
  out.indices.resize(image.pixels.size() / 3);
  for (size_t p = 0; p < out.indices.size(); ++p) out.indices[p] = index_of_bin[bin_of(&image.pixels[3 * p])];
  return out;
}

AnimationFormat animation_format_for_path(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".gif") return AnimationFormat::gif;
  if (ext == ".mp4") return AnimationFormat::mp4;
  BRIVL_FAIL(path, ": unknown animation extension \"", ext, "\"; supported: .gif, .mp4");
}

std::string encode_gif(const std::vector<RgbImage>& frames, int frame_ms) {
  check_frames("GIF", frames);
  BRIVL_CHECK(frame_ms >= kMinGifFrameMs && frame_ms <= kMaxGifFrameMs, "GIF: frame time ", frame_ms, " ms is not in ",
              kMinGifFrameMs, "-", kMaxGifFrameMs, " ms (browsers play shorter GIF delays slower)");
  const int width = frames.front().width, height = frames.front().height;
  BRIVL_CHECK(width <= 65535 && height <= 65535, "GIF: frames of ", width, "x", height,
              " pixels are larger than GIF's limit of 65535x65535");
  std::string bytes;
  int error = 0;
  GifFileType* gif = EGifOpen(&bytes, append_gif_bytes, &error);
  BRIVL_CHECK(gif != nullptr, "GIF encoder (giflib) failed to start: ", GifErrorString(error));
  GifCloser closer{gif};
  EGifSetGifVersion(gif, true);  // GIF89a: needed for the extensions
  gif_check(gif, EGifPutScreenDesc(gif, width, height, 8, 0, nullptr), "write the screen descriptor");
  put_loop_forever(gif);
  for (const RgbImage& frame : frames) put_frame(gif, frame, (frame_ms + 5) / 10);
  closer.gif = nullptr;
  BRIVL_CHECK(EGifCloseFile(gif, &error) == GIF_OK, "GIF encoder (giflib) failed to finish: ", GifErrorString(error));
  return bytes;
}

bool video_export_available() {
#ifdef BRIVL_HAVE_OPENCV_VIDEOIO
  return cv::videoio_registry::hasBackend(cv::CAP_FFMPEG);
#else
  return false;
#endif
}

void write_video(const std::string& path, const std::vector<RgbImage>& frames, double fps) {
  BRIVL_CHECK(video_export_available(), path,
              ": MP4 export needs OpenCV videoio with FFmpeg (build with "
              "BRIVL_WITH_OPENCV and libopencv-videoio-dev); save the animation as .gif instead");
#ifdef BRIVL_HAVE_OPENCV_VIDEOIO
  check_frames(path, frames);
  BRIVL_CHECK(std::isfinite(fps) && fps > 0, path, ": frame rate ", fps, " is not positive");
  TempFile temp{path + ".tmp-" + std::to_string(::getpid()) + ".mp4"};  // FFmpeg picks the container by name
  try {
    cv::VideoWriter writer;
    const cv::Mat first = even_bgr(frames.front());
    open_video_writer(writer, temp.path, path, first.size(), fps);
    writer.write(first);
    for (size_t i = 1; i < frames.size(); ++i) writer.write(even_bgr(frames[i]));
    writer.release();
  } catch (const cv::Exception& e) {
    BRIVL_FAIL(path, ": OpenCV failed to write the video (", e.what(), ")");
  }
  fsync_file(temp.path, path);
  BRIVL_CHECK(std::rename(temp.path.c_str(), path.c_str()) == 0, path, ": cannot rename from ", temp.path, " (",
              std::strerror(errno), ")");
  temp.keep = true;
#else
  (void)frames;
  (void)fps;
#endif
}

void write_animation(const std::string& path, const std::vector<RgbImage>& frames, int frame_ms) {
  if (animation_format_for_path(path) == AnimationFormat::gif) {
    std::string gif;
    try {
      gif = encode_gif(frames, frame_ms);
    } catch (const Error& e) {
      BRIVL_FAIL(path, ": ", e.what());  // name the file
    }
    write_file_atomically(path, gif);
    return;
  }
  BRIVL_CHECK(frame_ms >= 1, path, ": frame time ", frame_ms, " ms must be at least 1");
  write_video(path, frames, 1000.0 / frame_ms);
}

}  // namespace brivl
