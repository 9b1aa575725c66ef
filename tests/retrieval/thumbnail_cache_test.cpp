// The studio's on-disk thumbnail cache: area-averaged downscaling, cache hits, new thumbnails for
// edited images, unreadable images named in the error, an unwritable cache folder, LRU trimming.
#include "retrieval/thumbnail_cache.h"

#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "export/png_export.h"
#include "test_support.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {

namespace fs = std::filesystem;

RgbImage stripes(int w, int h) {  // vertical black/white stripes one pixel wide
  RgbImage image;
  image.width = w;
  image.height = h;
  image.pixels.resize(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) image.pixels[(static_cast<size_t>(y) * w + x) * 3 + c] = x % 2 ? 255 : 0;
  return image;
}

TEST(Downscale, AveragesTheAreaInsteadOfSampling) {
  // Point sampling would give all-black or all-white; the area mean of the stripes is mid grey.
  const auto small = downscale_to_fit(stripes(400, 100), 100);
  EXPECT_EQ(small.width, 100);
  EXPECT_EQ(small.height, 25);
  for (auto p : small.pixels) EXPECT_NEAR(p, 128, 1);
  // A fractional ratio (3 -> 2): output pixel 0 covers source 0 and half of 1.
  RgbImage three;
  three.width = 3;
  three.height = 1;
  three.pixels = {0, 0, 0, 90, 90, 90, 240, 240, 240};
  const auto two = downscale_to_fit(three, 2);
  ASSERT_EQ(two.width, 2);
  EXPECT_EQ(two.pixels[0], 30);   // (0 * 1 + 90 * 0.5) / 1.5
  EXPECT_EQ(two.pixels[3], 190);  // (90 * 0.5 + 240 * 1) / 1.5
}

TEST(Downscale, NeverUpscales) {
  const auto image = stripes(40, 30);
  const auto same = downscale_to_fit(image, 256);
  EXPECT_EQ(same.width, 40);
  EXPECT_EQ(same.pixels, image.pixels);
}

TEST(ThumbnailCache, MakesCachesAndRenewsThumbnails) {
  test::TempDir dir;
  const auto photo = dir.file("照片 one.png");
  write_png(photo, stripes(600, 300));
  ThumbnailCache cache({dir.file("cache"), 128, 85});
  const auto first = cache.get(photo);
  EXPECT_EQ(first.width, 128);
  EXPECT_EQ(first.height, 64);
  const auto cached = cache.cached_path(fs::absolute(photo).string(), static_cast<int64_t>(fs::file_size(photo)),
                                        std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            fs::last_write_time(photo).time_since_epoch()).count());
  ASSERT_TRUE(fs::exists(cached));
  // A hit reads the cached JPEG: prove it by replacing the cached bytes with another image.
  RgbImage red = stripes(128, 64);
  for (size_t i = 0; i < red.pixels.size(); i += 3) red.pixels[i] = 255, red.pixels[i + 1] = red.pixels[i + 2] = 0;
  write_png(cached, red);
  EXPECT_EQ(cache.get(photo).pixels, red.pixels);
  // Editing the photo (new size and time) gives a new thumbnail, not the stale one.
  write_png(photo, stripes(300, 300));
  const auto edited = cache.get(photo);
  EXPECT_EQ(edited.width, 128);
  EXPECT_EQ(edited.height, 128);
}

TEST(ThumbnailCache, NamesUnreadableImagesAndSurvivesAReadOnlyCache) {
  test::TempDir dir;
  const auto broken = dir.file("broken.jpg");
  write_file_atomically(broken, "not a jpeg");
  ThumbnailCache cache({dir.file("cache"), 64, 85});
  EXPECT_BRIVL_ERROR(cache.get(broken), "broken.jpg");
  EXPECT_BRIVL_ERROR(cache.get(dir.file("missing.png")), "missing.png");
  // A cache folder that is a file cannot be written: the thumbnail still comes back.
  write_file_atomically(dir.file("not-a-dir"), "x");
  ThumbnailCache blocked({dir.file("not-a-dir"), 64, 85});
  const auto photo = dir.file("p.png");
  write_png(photo, stripes(100, 50));
  EXPECT_EQ(blocked.get(photo).width, 64);
}

TEST(ThumbnailCache, TrimDeletesTheLeastRecentlyUsedFirst) {
  test::TempDir dir;
  ThumbnailCache cache({dir.file("cache"), 64, 85});
  std::vector<std::string> photos;
  for (int i = 0; i < 4; ++i) {
    photos.push_back(dir.file("p" + std::to_string(i) + ".png"));
    auto image = stripes(100 + i, 80);
    write_png(photos.back(), image);
    cache.get(photos.back());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // distinct file times
  }
  cache.get(photos[0]);  // p0 is now the most recently used
  int64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(cache.dir()))
    if (e.is_regular_file()) total += static_cast<int64_t>(e.file_size());
  // Room for about two thumbnails: p1 and p2 (oldest uses) go, p0 and p3 stay.
  const int64_t removed = cache.trim(total / 2 + 1);
  EXPECT_EQ(removed, 2);
  auto still_cached = [&](const std::string& p) {
    return fs::exists(cache.cached_path(fs::absolute(p).string(), static_cast<int64_t>(fs::file_size(p)),
                                        std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            fs::last_write_time(p).time_since_epoch()).count()));
  };
  EXPECT_TRUE(still_cached(photos[0]));
  EXPECT_FALSE(still_cached(photos[1]));
  EXPECT_FALSE(still_cached(photos[2]));
  EXPECT_TRUE(still_cached(photos[3]));
  EXPECT_EQ(cache.trim(0), 2);
  EXPECT_EQ(cache.trim(0), 0);
}

}  // namespace
}  // namespace brivl
