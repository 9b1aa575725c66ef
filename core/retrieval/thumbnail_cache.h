#pragma once
// Thumbnails of indexed images for the studio's result grid, cached on disk (XDG cache dir) so a
// folder browsed once shows instantly next time. Generated on demand by whichever thread asks
// (the studio asks from a worker pool, never the UI thread); safe to call from several threads:
// the only shared state is the cache folder, written with atomic renames.
//
// A thumbnail is keyed by the image's path, size and modification time and the thumbnail side, so
// an edited image gets a new one; stale ones age out through trim().
#include <cstdint>
#include <string>

#include "vision/image_decode.h"

namespace brivl {

struct ThumbnailCacheOptions {
  std::string dir;     // empty: $XDG_CACHE_HOME/brivl/thumbnails, else ~/.cache/brivl/thumbnails
  int side = 256;      // longest side of a thumbnail, pixels
  int quality = 85;    // JPEG quality of the cached files
};

class ThumbnailCache {
 public:
  explicit ThumbnailCache(ThumbnailCacheOptions options = {});

  const std::string& dir() const { return options_.dir; }
  int side() const { return options_.side; }

  // The thumbnail of `image_path` (longest side <= side(), aspect kept, never upscaled, turned as
  // its EXIF orientation says): from the
  // cache when present and readable, else decoded, box-filtered down and stored. Throws
  // brivl::Error naming the image when it cannot be read or decoded; a cache folder that cannot be
  // written only costs the caching (the thumbnail is still returned).
  RgbImage get(const std::string& image_path) const;

  // Where get() keeps the thumbnail of this image version (for tests and `du`).
  std::string cached_path(const std::string& image_path, int64_t size, int64_t mtime_ns) const;

  // Deletes the least recently used thumbnails until the cache holds at most max_bytes; returns
  // how many files were deleted. get() refreshes a thumbnail's time on every hit.
  int64_t trim(int64_t max_bytes) const;

 private:
  ThumbnailCacheOptions options_;
};

// `image` scaled so its longest side is at most `side`, each output pixel the mean of the input
// pixels it covers (area averaging: no aliasing on large downscales). Smaller images are copied.
RgbImage downscale_to_fit(const RgbImage& image, int side);

}  // namespace brivl
