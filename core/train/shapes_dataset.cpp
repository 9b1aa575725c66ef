#include "train/shapes_dataset.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <system_error>

#include "export/png_export.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/splitmix.h"

namespace brivl {
namespace {

namespace fs = std::filesystem;

constexpr int kMinImageSize = 16;
constexpr int kMaxImageSize = 4096;
constexpr int kMaxCount = 10'000'000;

// Geometry is integer fixed point: kUnit units per pixel. The 4x4 supersamples of pixel x sit at
// kUnit * x + kUnit / 8 + kUnit / 4 * i, i = 0..3, so every coverage test is exact integer arithmetic.
constexpr int64_t kUnit = 64;
constexpr int kSamples = 4;  // per axis

// Percentages of the image side.
constexpr int64_t kNearPercent = 27, kFarPercent = 73, kCentrePercent = 50;
constexpr int64_t kJitterPercent = 4;
constexpr int64_t kLargePercent = 40, kSmallPercent = 22;
constexpr int64_t kSizeJitterPercent = 5;  // of the shape's own size
constexpr int kBackgroundMin = 30, kBackgroundMax = 60;
constexpr int kNoise = 6;
// Varied grounds: lightness 0..255, each channel tinted by up to ±kTint, and at least this far (RGB
// Euclidean) from the shape's fill colour so the shape always stands out.
constexpr int kTint = 40;
constexpr int kVariedMinDistance = 110;

// Spread fills: a hue band around each named colour (degrees; the bands leave orange, cyan and pink
// unnamed, so a model sees where 黄色 ends), saturation and value in percent. White is a band of
// near-greys instead. Index order follows ShapesVocabulary::colours.
struct ColourBand {
  int hue_low, hue_high;  // degrees, hue_low may be negative (red wraps around 0)
  int saturation_low, saturation_high, value_low, value_high;
};
constexpr ColourBand kSpreadBands[12] = {
    {-8, 12, 75, 100, 72, 100},    // 红色  (palette hue 0; more towards 紫色 is pink)
    {44, 62, 72, 100, 82, 100},    // 黄色  (palette hue 53)
    {110, 146, 70, 100, 68, 100},  // 绿色  (palette hue 131)
    {210, 240, 65, 100, 70, 100},  // 蓝色  (palette hue 225)
    {270, 298, 55, 90, 62, 95},    // 紫色  (palette hue 284)
    {0, 359, 0, 8, 86, 100},       // 白色
    // "more" colours: the gaps above get their own names, so a model learns where 黄色 ends because
    // 橙色 and 青色 begin, not only from their absence. Still with gaps between every two bands.
    {20, 36, 80, 100, 85, 100},    // 橙色
    {170, 195, 60, 100, 70, 100},  // 青色
    {320, 345, 30, 60, 88, 100},   // 粉色  (red's band starts at saturation 75)
    {16, 34, 55, 85, 35, 55},      // 棕色  (orange's hue, darker)
    {0, 359, 0, 8, 40, 65},        // 灰色
    {0, 359, 0, 10, 3, 18},        // 黑色
};

// Five-pointed star, point up: vertex k at angle -90° + 36° k (y grows downwards), outer radius for
// even k, inner radius (kStarInner / 1000 of it) for odd k. cos/sin x 10^6, so no libm is involved.
constexpr int64_t kStarCos[10] = {0, 587785, 951057, 951057, 587785, 0, -587785, -951057, -951057, -587785};
constexpr int64_t kStarSin[10] = {-1000000, -809017, -309017, 309017, 809017, 1000000, 809017, 309017, -309017, -809017};
constexpr int64_t kStarInner = 450;  // fatter than the regular pentagram (382) so small stars keep their points
// Equilateral triangle height / side, x 10^6.
constexpr int64_t kSqrt3Over2 = 866025;

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() { return splitmix64_mix(state_ += kSplitMixGamma); }
  // Uniform in [0, n), n > 0, by rejection (no modulo bias); the algorithm is ours, so the output is
  // the same with every standard library.
  uint64_t below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;  // 2^64 mod n: the values below it would bias `% n`
    for (;;) {
      const uint64_t x = next();
      if (x >= threshold) return x % n;
    }
  }
  // Uniform integer in [-k, k].
  int64_t symmetric(int64_t k) { return static_cast<int64_t>(below(static_cast<uint64_t>(2 * k + 1))) - k; }

 private:
  uint64_t state_;
};

constexpr uint64_t kAttributeStream = 0x6174747269627574ull;  // "attribut"
constexpr uint64_t kRenderStream = 0x72656e6465726572ull;     // "renderer"

uint64_t render_seed_for(uint64_t seed, int index) {
  return splitmix64_mix(splitmix64_mix(seed ^ kRenderStream) + kSplitMixGamma * (static_cast<uint64_t>(index) + 1));
}

int64_t divide_rounded(int64_t num, int64_t den) {  // den > 0; rounds half away from zero
  return num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
}

void check_attributes(const ShapeAttributes& a) {
  const auto& v = shapes_vocabulary_more();
  auto in = [](int i, size_t n) { return i >= 0 && static_cast<size_t>(i) < n; };
  BRIVL_CHECK(in(a.colour, v.colours.size()), "shape attributes: colour index ", a.colour, " out of range 0..",
              v.colours.size() - 1);
  BRIVL_CHECK(in(a.shape, v.shapes.size()), "shape attributes: shape index ", a.shape, " out of range 0..",
              v.shapes.size() - 1);
  BRIVL_CHECK(in(a.position, v.positions.size()), "shape attributes: position index ", a.position,
              " out of range 0..", v.positions.size() - 1);
  BRIVL_CHECK(in(a.size, v.sizes.size()), "shape attributes: size index ", a.size, " out of range 0..",
              v.sizes.size() - 1);
}

void check_image_size(int image_size) {
  BRIVL_CHECK(image_size >= kMinImageSize && image_size <= kMaxImageSize, "shapes: image size ", image_size,
              " out of range ", kMinImageSize, "..", kMaxImageSize);
}

// Per-image random choices in fixed-point units, drawn in a fixed order from the render seed.
struct Layout {
  int background = 0;                 // dark: the grey level
  std::array<int, 3> ground{{0, 0, 0}};  // the ground colour (dark: background on every channel)
  std::array<int, 3> fill{{0, 0, 0}};    // the shape's colour
  int64_t cx = 0, cy = 0, extent = 0;
};

// Integer HSV -> RGB (hue in degrees, any sign; saturation and value in percent), so spread fills are
// the same with every compiler and libm.
std::array<int, 3> hsv_to_rgb(int hue, int saturation, int value) {
  const int h = ((hue % 360) + 360) % 360;
  const int v = value * 255 / 100;
  const int c = v * saturation / 100;
  const int sector = h / 60, f = h % 60;
  const int x = c * (sector % 2 == 0 ? f : 60 - f) / 60;
  const int m = v - c;
  static constexpr int kOrder[6][3] = {{0, 1, 2}, {1, 0, 2}, {2, 0, 1}, {2, 1, 0}, {1, 2, 0}, {0, 2, 1}};
  const int parts[3] = {c, x, 0};  // the largest, the middle and the smallest channel before m
  std::array<int, 3> rgb{};
  for (int ch = 0; ch < 3; ++ch) rgb[ch] = parts[kOrder[sector][ch]] + m;
  return rgb;
}

bool spread_colours(const std::string& colours) {
  BRIVL_CHECK(colours == "exact" || colours == "spread" || colours == "more", "shapes: colours '", colours,
              "' is not one of exact, spread, more");
  return colours != "exact";
}

std::array<int, 3> spread_fill(const ShapeAttributes& a, Rng& rng) {
  const ColourBand& b = kSpreadBands[a.colour];
  auto between = [&](int low, int high) { return low + static_cast<int>(rng.below(static_cast<uint64_t>(high - low + 1))); };
  const int hue = between(b.hue_low, b.hue_high);
  const int saturation = between(b.saturation_low, b.saturation_high);
  return hsv_to_rgb(hue, saturation, between(b.value_low, b.value_high));
}

bool varied_background(const std::string& background) {
  BRIVL_CHECK(background == "dark" || background == "varied", "shapes: background '", background,
              "' is not one of dark, varied");
  return background == "varied";
}

// Drawn after the geometry, so a varied set has the same shapes, places and sizes as a dark one.
std::array<int, 3> varied_ground(const std::array<int, 3>& fill, Rng& rng) {
  std::array<int, 3> g{};
  for (int attempt = 0;; ++attempt) {
    const int grey = static_cast<int>(rng.below(256));
    int64_t d2 = 0;
    for (int ch = 0; ch < 3; ++ch) {
      g[ch] = std::clamp(grey + static_cast<int>(rng.symmetric(kTint)), 0, 255);
      d2 += static_cast<int64_t>(g[ch] - fill[ch]) * (g[ch] - fill[ch]);
    }
    // Every fill colour has grounds far enough away (dark ones), so this ends; 64 tries bound it anyway.
    if (d2 >= static_cast<int64_t>(kVariedMinDistance) * kVariedMinDistance || attempt == 63) return g;
  }
}

// Draw order: geometry, then (spread only) the fill, then (varied only) the ground; so an exact, dark
// set is the original one byte for byte, and every set has the same shapes, places and sizes.
Layout make_layout(const ShapeAttributes& a, int image_size, Rng& rng, bool varied, bool spread) {
  check_attributes(a);
  check_image_size(image_size);
  const int64_t side = kUnit * image_size;
  Layout l;
  l.background = kBackgroundMin + static_cast<int>(rng.below(kBackgroundMax - kBackgroundMin + 1));
  static constexpr int64_t kPositionX[5] = {kNearPercent, kFarPercent, kNearPercent, kFarPercent, kCentrePercent};
  static constexpr int64_t kPositionY[5] = {kNearPercent, kNearPercent, kFarPercent, kFarPercent, kCentrePercent};
  const int64_t jitter = side * kJitterPercent / 100;
  l.cx = side * kPositionX[a.position] / 100 + rng.symmetric(jitter);
  l.cy = side * kPositionY[a.position] / 100 + rng.symmetric(jitter);
  const int64_t base = side * (a.size == 0 ? kLargePercent : kSmallPercent) / 100;
  l.extent = base + rng.symmetric(base * kSizeJitterPercent / 100);
  // Keep the whole bounding square inside the image with a one-pixel margin.
  const int64_t half = l.extent / 2;
  l.cx = std::clamp(l.cx, half + kUnit, side - half - kUnit);
  l.cy = std::clamp(l.cy, half + kUnit, side - half - kUnit);
  const auto& palette = shapes_vocabulary_more().colour_rgb[a.colour];
  l.fill = spread ? spread_fill(a, rng) : std::array<int, 3>{{palette[0], palette[1], palette[2]}};
  l.ground = varied ? varied_ground(l.fill, rng) : std::array<int, 3>{{l.background, l.background, l.background}};
  return l;
}

// Point-in-shape tests; (x, y) relative to the centre, in fixed-point units.
class ShapeTest {
 public:
  ShapeTest(int shape, int64_t extent) : shape_(shape), half_(extent / 2) {
    height_ = divide_rounded(extent * kSqrt3Over2, 1'000'000);
    top_ = -height_ / 2;
    for (int k = 0; k < 10; ++k) {
      const int64_t radius = k % 2 == 0 ? half_ : divide_rounded(half_ * kStarInner, 1000);
      star_x_[k] = divide_rounded(radius * kStarCos[k], 1'000'000);
      star_y_[k] = divide_rounded(radius * kStarSin[k], 1'000'000);
    }
  }

  bool contains(int64_t x, int64_t y) const {
    switch (shape_) {
      case 0:  // circle
        return x * x + y * y <= half_ * half_;
      case 1:  // square
        return std::abs(x) <= half_ && std::abs(y) <= half_;
      case 2: {  // triangle, apex up: half-width grows linearly from the apex to the base
        const int64_t down = y - top_;
        return down >= 0 && down <= height_ && std::abs(x) * height_ <= down * half_;
      }
      default:  // star: even-odd crossing test (the outline is a simple polygon, so nonzero agrees)
        return in_star(x, y);
    }
  }

 private:
  bool in_star(int64_t x, int64_t y) const {
    bool inside = false;
    for (int i = 0, j = 9; i < 10; j = i++) {
      const int64_t xi = star_x_[i], yi = star_y_[i], xj = star_x_[j], yj = star_y_[j];
      if ((yi > y) == (yj > y)) continue;
      // Does the edge cross the horizontal ray to the right of (x, y)? x < xi + (y - yi)(xj - xi)/(yj - yi),
      // multiplied out so that it stays exact.
      const int64_t dy = yj - yi, lhs = (x - xi) * dy, rhs = (y - yi) * (xj - xi);
      if (dy > 0 ? lhs < rhs : lhs > rhs) inside = !inside;
    }
    return inside;
  }

  int shape_;
  int64_t half_, height_ = 0, top_ = 0;
  int64_t star_x_[10] = {}, star_y_[10] = {};
};

std::string replace_all(std::string text, const std::string& key, const std::string& value) {
  for (size_t pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + value.size()))
    text.replace(pos, key.size(), value);
  return text;
}

const std::vector<std::string>& templates() {
  static const std::vector<std::string> t = {
      "{position}的{size}{colour}{shape}",
      "一个{size}的{colour}{shape}在{position}",
      "{colour}的{shape}，{size}，位于{position}",
      "{position}有一个{size}{colour}{shape}",
  };
  return t;
}

std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  return "\"" + replace_all(field, "\"", "\"\"") + "\"";
}

std::string image_file_name(int index, int digits) {
  std::string number = std::to_string(index);
  if (static_cast<int>(number.size()) < digits) number.insert(0, static_cast<size_t>(digits) - number.size(), '0');
  return number + ".png";
}

int name_digits(int count) {
  int digits = 1;
  for (int n = count - 1; n >= 10; n /= 10) ++digits;
  return std::max(6, digits);
}

void check_options(const ShapesOptions& o) {
  BRIVL_CHECK(o.count >= 1 && o.count <= kMaxCount, "shapes: count ", o.count, " out of range 1..", kMaxCount);
  check_image_size(o.image_size);
  BRIVL_CHECK(o.captions_per_image >= 1 && o.captions_per_image <= shapes_template_count(),
              "shapes: captions per image ", o.captions_per_image, " out of range 1..", shapes_template_count());
  varied_background(o.background);
  spread_colours(o.colours);
}

}  // namespace

const ShapesVocabulary& shapes_vocabulary() {
  static const ShapesVocabulary v = {
      {"红色", "黄色", "绿色", "蓝色", "紫色", "白色"},
      {"圆形", "正方形", "三角形", "星形"},
      {"左上角", "右上角", "左下角", "右下角", "中间"},
      {"大", "小"},
      {{{225, 35, 35}}, {{240, 215, 30}}, {{30, 200, 60}}, {{40, 90, 235}}, {{165, 55, 205}}, {{240, 240, 240}}},
  };
  return v;
}

const ShapesVocabulary& shapes_vocabulary_more() {
  static const ShapesVocabulary v = [] {
    ShapesVocabulary more = shapes_vocabulary();
    for (const char* name : {"橙色", "青色", "粉色", "棕色", "灰色", "黑色"}) more.colours.emplace_back(name);
    for (const auto& rgb : std::vector<std::array<uint8_t, 3>>{
             {{245, 140, 20}}, {{30, 200, 215}}, {{240, 135, 185}}, {{125, 75, 30}}, {{128, 128, 128}}, {{15, 15, 15}}})
      more.colour_rgb.push_back(rgb);
    return more;
  }();
  return v;
}

int shapes_template_count() { return static_cast<int>(templates().size()); }

std::string shapes_caption(const ShapeAttributes& a, int template_index) {
  check_attributes(a);
  BRIVL_CHECK(template_index >= 0 && template_index < shapes_template_count(), "shapes: caption template ",
              template_index, " out of range 0..", shapes_template_count() - 1);
  const auto& v = shapes_vocabulary_more();
  std::string text = templates()[template_index];
  text = replace_all(text, "{position}", v.positions[a.position]);
  text = replace_all(text, "{size}", v.sizes[a.size]);
  text = replace_all(text, "{colour}", v.colours[a.colour]);
  return replace_all(text, "{shape}", v.shapes[a.shape]);
}

ShapeGeometry shape_geometry(const ShapeAttributes& attributes, int image_size, uint64_t seed,
                             const std::string& background) {
  Rng rng(seed);
  const Layout l = make_layout(attributes, image_size, rng, varied_background(background), false);
  const double unit = static_cast<double>(kUnit);
  return {static_cast<double>(l.cx) / unit, static_cast<double>(l.cy) / unit, static_cast<double>(l.extent) / unit};
}

RgbImage render_shape(const ShapeAttributes& attributes, int image_size, uint64_t seed,
                      const std::string& background, const std::string& colours) {
  Rng rng(seed);
  const Layout l = make_layout(attributes, image_size, rng, varied_background(background), spread_colours(colours));
  const int n = image_size;
  const ShapeTest shape(attributes.shape, l.extent);

  // Coverage in sixteenths, only inside the (padded) bounding square.
  std::vector<uint8_t> coverage(static_cast<size_t>(n) * n, 0);
  const int64_t half = l.extent / 2;
  const int x0 = std::max<int64_t>(0, (l.cx - half) / kUnit - 1), x1 = std::min<int64_t>(n - 1, (l.cx + half) / kUnit + 1);
  const int y0 = std::max<int64_t>(0, (l.cy - half) / kUnit - 1), y1 = std::min<int64_t>(n - 1, (l.cy + half) / kUnit + 1);
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      int covered = 0;
      for (int sy = 0; sy < kSamples; ++sy) {
        const int64_t py = kUnit * y + kUnit / (2 * kSamples) + kUnit / kSamples * sy - l.cy;
        for (int sx = 0; sx < kSamples; ++sx) {
          const int64_t px = kUnit * x + kUnit / (2 * kSamples) + kUnit / kSamples * sx - l.cx;
          covered += shape.contains(px, py) ? 1 : 0;
        }
      }
      coverage[static_cast<size_t>(y) * n + x] = static_cast<uint8_t>(covered);
    }
  }

  constexpr int kFull = kSamples * kSamples;
  const auto& colour = l.fill;
  RgbImage image;
  image.width = n;
  image.height = n;
  image.pixels.resize(static_cast<size_t>(n) * n * 3);
  for (size_t i = 0; i < coverage.size(); ++i) {
    const int c = coverage[i];
    for (int ch = 0; ch < 3; ++ch) {
      const int blended = (l.ground[ch] * (kFull - c) + colour[ch] * c + kFull / 2) / kFull;
      const int noisy = blended + static_cast<int>(rng.symmetric(kNoise));
      image.pixels[i * 3 + ch] = static_cast<uint8_t>(std::clamp(noisy, 0, 255));
    }
  }
  return image;
}

std::vector<ShapesSample> plan_shapes_dataset(const ShapesOptions& options) {
  check_options(options);
  const auto& v = shapes_vocabulary();
  Rng rng(splitmix64_mix(options.seed ^ kAttributeStream));
  const int digits = name_digits(options.count);
  std::vector<ShapesSample> samples(static_cast<size_t>(options.count));
  for (int i = 0; i < options.count; ++i) {
    ShapesSample& s = samples[static_cast<size_t>(i)];
    s.image_file = "images/" + image_file_name(i, digits);
    const size_t colours = options.colours == "more" ? shapes_vocabulary_more().colours.size() : v.colours.size();
    s.attributes.colour = static_cast<int>(rng.below(colours));
    s.attributes.shape = static_cast<int>(rng.below(v.shapes.size()));
    s.attributes.position = static_cast<int>(rng.below(v.positions.size()));
    s.attributes.size = static_cast<int>(rng.below(v.sizes.size()));
    s.render_seed = render_seed_for(options.seed, i);
    for (int t = 0; t < options.captions_per_image; ++t) s.captions.push_back(shapes_caption(s.attributes, t));
  }
  return samples;
}

void write_shapes_dataset(const std::string& dir, const ShapesOptions& options, bool overwrite,
                          const std::function<void(int, int)>& progress) {
  const std::vector<ShapesSample> samples = plan_shapes_dataset(options);
  const fs::path root(dir);
  std::error_code ec;
  const bool exists = fs::exists(root / "captions.csv", ec);
  BRIVL_CHECK(!ec, dir, ": cannot check for an existing dataset (", ec.message(), ")");
  BRIVL_CHECK(!exists || overwrite, dir, ": already holds a dataset (captions.csv); choose another folder or overwrite");
  const fs::path images = root / "images";
  fs::create_directories(images, ec);
  BRIVL_CHECK(!ec, dir, ": cannot create ", images.string(), " (", ec.message(), ")");

  const int total = options.count;
  for (int i = 0; i < total; ++i) {
    const ShapesSample& s = samples[static_cast<size_t>(i)];
    write_png((root / s.image_file).string(), render_shape(s.attributes, options.image_size, s.render_seed, options.background,
                                                            options.colours));
    if (progress) progress(i + 1, total);
  }

  if (overwrite) {  // images of an earlier, larger (or differently named) dataset
    const int digits = name_digits(total);
    std::vector<fs::path> stale;
    for (fs::directory_iterator it(images, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() < 5 || name.compare(name.size() - 4, 4, ".png") != 0) continue;
      const std::string stem = name.substr(0, name.size() - 4);
      if (stem.empty() || !std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
      const bool ours = stem.size() <= 9 && std::stoi(stem) < total && image_file_name(std::stoi(stem), digits) == name;
      if (!ours) stale.push_back(it->path());
    }
    BRIVL_CHECK(!ec, images.string(), ": cannot list (", ec.message(), ")");
    for (const auto& path : stale) {
      fs::remove(path, ec);
      BRIVL_CHECK(!ec, path.string(), ": cannot remove stale image (", ec.message(), ")");
    }
  }

  const auto& v = shapes_vocabulary_more();
  std::string attributes = "image,colour,shape,position,size\n";
  std::string captions = "image,text\n";
  for (const ShapesSample& s : samples) {
    const ShapeAttributes& a = s.attributes;
    attributes += csv_field(s.image_file) + "," + csv_field(v.colours[a.colour]) + "," + csv_field(v.shapes[a.shape]) +
                  "," + csv_field(v.positions[a.position]) + "," + csv_field(v.sizes[a.size]) + "\n";
    for (const std::string& caption : s.captions) captions += csv_field(s.image_file) + "," + csv_field(caption) + "\n";
  }
  write_file_atomically((root / "attributes.csv").string(), attributes);
  write_file_atomically((root / "captions.csv").string(), captions);
}

}  // namespace brivl
