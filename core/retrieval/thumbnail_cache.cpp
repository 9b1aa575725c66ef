#include "retrieval/thumbnail_cache.h"

#include <stb/stb_image_write.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "util/atomic_file.h"
#include "util/error.h"
#include "vision/exif_orientation.h"

namespace brivl {
namespace fs = std::filesystem;
namespace {

std::string default_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg && fs::path(xdg).is_absolute()) return (fs::path(xdg) / "brivl" / "thumbnails").string();
  const char* home = std::getenv("HOME");
  if (home && *home) return (fs::path(home) / ".cache" / "brivl" / "thumbnails").string();
  return (fs::temp_directory_path() / "brivl-thumbnails").string();
}

// For each of `out` cells spanning `in` source cells: the source cells it covers and by how much
// (weights sum to 1).
std::vector<std::vector<std::pair<int, float>>> coverage(int in, int out) {
  std::vector<std::vector<std::pair<int, float>>> cells(static_cast<size_t>(out));
  const double scale = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    const double begin = o * scale, end = (o + 1) * scale;
    for (int i = static_cast<int>(std::floor(begin)); i < std::min(in, static_cast<int>(std::ceil(end))); ++i) {
      const double w = std::min<double>(end, i + 1) - std::max<double>(begin, i);
      if (w > 1e-9) cells[static_cast<size_t>(o)].emplace_back(i, static_cast<float>(w / scale));
    }
  }
  return cells;
}

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

}  // namespace

RgbImage downscale_to_fit(const RgbImage& image, int side) {
  BRIVL_CHECK(side >= 1, "thumbnail side ", side, " must be >= 1");
  if (image.width <= side && image.height <= side) return image;
  const double scale = static_cast<double>(side) / std::max(image.width, image.height);
  const int w = std::max(1, static_cast<int>(std::lround(image.width * scale)));
  const int h = std::max(1, static_cast<int>(std::lround(image.height * scale)));
  const auto cols = coverage(image.width, w), rows = coverage(image.height, h);
  // Horizontal pass into floats (rows of the source), then vertical.
  std::vector<float> tmp(static_cast<size_t>(image.height) * w * 3, 0.0f);
  for (int y = 0; y < image.height; ++y) {
    const uint8_t* src = image.pixels.data() + static_cast<size_t>(y) * image.width * 3;
    float* dst = tmp.data() + static_cast<size_t>(y) * w * 3;
    for (int x = 0; x < w; ++x)
      for (const auto& [i, weight] : cols[static_cast<size_t>(x)])
        for (int c = 0; c < 3; ++c) dst[x * 3 + c] += weight * src[i * 3 + c];
  }
  RgbImage out;
  out.width = w;
  out.height = h;
  out.pixels.resize(static_cast<size_t>(w) * h * 3);
  std::vector<float> acc(static_cast<size_t>(w) * 3);
  for (int y = 0; y < h; ++y) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (const auto& [i, weight] : rows[static_cast<size_t>(y)]) {
      const float* src = tmp.data() + static_cast<size_t>(i) * w * 3;
      for (size_t k = 0; k < acc.size(); ++k) acc[k] += weight * src[k];
    }
    uint8_t* dst = out.pixels.data() + static_cast<size_t>(y) * w * 3;
    for (size_t k = 0; k < acc.size(); ++k) dst[k] = static_cast<uint8_t>(std::clamp(std::lround(acc[k]), 0L, 255L));
  }
  return out;
}

ThumbnailCache::ThumbnailCache(ThumbnailCacheOptions options) : options_(std::move(options)) {
  if (options_.dir.empty()) options_.dir = default_cache_dir();
  BRIVL_CHECK(options_.side >= 16 && options_.side <= 4096, "thumbnail side ", options_.side, " must be in [16, 4096]");
  BRIVL_CHECK(options_.quality >= 1 && options_.quality <= 100, "thumbnail quality ", options_.quality,
              " must be in [1, 100]");
}

std::string ThumbnailCache::cached_path(const std::string& image_path, int64_t size, int64_t mtime_ns) const {
  const std::string key = image_path + '\0' + std::to_string(size) + '\0' + std::to_string(mtime_ns) + '\0' +
                          std::to_string(options_.side);
  char name[40];
  std::snprintf(name, sizeof(name), "%016llx.jpg", static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())));
  return (fs::path(options_.dir) / std::string(name, 2) / name).string();
}

RgbImage ThumbnailCache::get(const std::string& image_path) const {
  std::error_code ec;
  const auto absolute = fs::absolute(image_path, ec).lexically_normal().string();
  const auto size = static_cast<int64_t>(fs::file_size(absolute, ec));
  BRIVL_CHECK(!ec, image_path, ": cannot read (", ec.message(), ")");
  const auto mtime = fs::last_write_time(absolute, ec);
  BRIVL_CHECK(!ec, image_path, ": cannot read its modification time (", ec.message(), ")");
  const auto mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  const auto cached = cached_path(absolute, size, mtime_ns);
  if (fs::exists(cached, ec)) {
    try {
      auto thumbnail = decode_image_file(cached);
      fs::last_write_time(cached, fs::file_time_type::clock::now(), ec);  // recently used: trim() keeps it
      return thumbnail;
    } catch (const Error&) {
      // A damaged cache file (disk full mid-write by another program, manual edits): make it again.
    }
  }
  const auto bytes = read_file(absolute);
  auto thumbnail = downscale_to_fit(apply_orientation(decode_image_bytes(bytes, absolute), exif_orientation(bytes)),
                                    options_.side);
  std::string jpeg;
  if (stbi_write_jpg_to_func(append_bytes, &jpeg, thumbnail.width, thumbnail.height, 3, thumbnail.pixels.data(),
                             options_.quality) != 0) {
    try {
      fs::create_directories(fs::path(cached).parent_path());
      write_file_atomically(cached, jpeg);
    } catch (const std::exception&) {
      // Read-only or full cache folder: serve the thumbnail uncached.
    }
  }
  return thumbnail;
}

int64_t ThumbnailCache::trim(int64_t max_bytes) const {
  std::error_code ec;
  if (!fs::is_directory(options_.dir, ec)) return 0;
  struct Entry {
    fs::file_time_type time;
    int64_t bytes;
    fs::path path;
  };
  std::vector<Entry> entries;
  int64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(options_.dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().extension() != ".jpg") continue;
    Entry e{it->last_write_time(ec), static_cast<int64_t>(it->file_size(ec)), it->path()};
    total += e.bytes;
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.time < b.time; });
  int64_t removed = 0;
  for (const auto& e : entries) {
    if (total <= max_bytes) break;
    if (fs::remove(e.path, ec)) {
      total -= e.bytes;
      ++removed;
    }
  }
  return removed;
}

}  // namespace brivl
