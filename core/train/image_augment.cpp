#include "train/image_augment.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "util/splitmix.h"

namespace brivl {

uint64_t SampleRng::next() { return splitmix64_mix(state_ += kSplitMixGamma); }

double SampleRng::uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
double SampleRng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
uint64_t SampleRng::below(uint64_t n) { return n == 0 ? 0 : static_cast<uint64_t>(uniform() * static_cast<double>(n)) % n; }

uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  SampleRng r(a);
  uint64_t h = r.next();
  for (uint64_t v : {b, c, d}) {
    SampleRng s(h ^ (v * kSplitMixGamma + 0x632BE59BD9B4E019ull));
    h = s.next();
  }
  return h;
}

FloatImage resize_to_float(const RgbImage& image, int size) {
  FloatImage out;
  out.width = out.height = size;
  out.planes.resize(static_cast<size_t>(3) * size * size);
  const int W = image.width, H = image.height;
  const double sx = static_cast<double>(W) / size, sy = static_cast<double>(H) / size;
  std::vector<int> x0(size), x1(size);
  std::vector<float> lx(size);
  for (int x = 0; x < size; ++x) {
    double src = std::max((x + 0.5) * sx - 0.5, 0.0);
    x0[x] = std::min(static_cast<int>(src), W - 1);
    x1[x] = std::min(x0[x] + 1, W - 1);
    lx[x] = static_cast<float>(src - x0[x]);
  }
  const size_t plane = static_cast<size_t>(size) * size;
  for (int y = 0; y < size; ++y) {
    const double src = std::max((y + 0.5) * sy - 0.5, 0.0);
    const int y0 = std::min(static_cast<int>(src), H - 1), y1 = std::min(y0 + 1, H - 1);
    const float ly = static_cast<float>(src - y0);
    const uint8_t* r0 = image.pixels.data() + static_cast<size_t>(y0) * W * 3;
    const uint8_t* r1 = image.pixels.data() + static_cast<size_t>(y1) * W * 3;
    for (int x = 0; x < size; ++x) {
      for (int c = 0; c < 3; ++c) {
        const float a = r0[x0[x] * 3 + c] * (1 - lx[x]) + r0[x1[x] * 3 + c] * lx[x];
        const float b = r1[x0[x] * 3 + c] * (1 - lx[x]) + r1[x1[x] * 3 + c] * lx[x];
        out.planes[c * plane + static_cast<size_t>(y) * size + x] = (a * (1 - ly) + b * ly) / 255.0f;
      }
    }
  }
  return out;
}

namespace {
float clamp01(float v) { return std::min(1.0f, std::max(0.0f, v)); }

void blend(FloatImage& img, float factor, const std::vector<float>& other_gray_or_empty, float constant) {
  // img = factor * img + (1 - factor) * other, where other is a per-pixel gray plane or a constant.
  const size_t plane = img.planes.size() / 3;
  for (int c = 0; c < 3; ++c)
    for (size_t i = 0; i < plane; ++i) {
      const float other = other_gray_or_empty.empty() ? constant : other_gray_or_empty[i];
      float& v = img.planes[c * plane + i];
      v = clamp01(factor * v + (1 - factor) * other);
    }
}

std::vector<float> gray_plane(const FloatImage& img) {
  const size_t plane = img.planes.size() / 3;
  std::vector<float> g(plane);
  for (size_t i = 0; i < plane; ++i)
    g[i] = 0.299f * img.planes[i] + 0.587f * img.planes[plane + i] + 0.114f * img.planes[2 * plane + i];
  return g;
}

void shift_hue(FloatImage& img, float shift) {
  const size_t plane = img.planes.size() / 3;
  for (size_t i = 0; i < plane; ++i) {
    float r = img.planes[i], g = img.planes[plane + i], b = img.planes[2 * plane + i];
    const float mx = std::max({r, g, b}), mn = std::min({r, g, b}), d = mx - mn;
    float h = 0;
    if (d > 0) {
      if (mx == r) h = std::fmod((g - b) / d, 6.0f);
      else if (mx == g) h = (b - r) / d + 2;
      else h = (r - g) / d + 4;
      h /= 6;
    }
    h = h + shift;
    h -= std::floor(h);
    const float s = mx > 0 ? d / mx : 0, v = mx;
    const float hh = h * 6, f = hh - std::floor(hh);
    const float p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    switch (static_cast<int>(hh) % 6) {
      case 0: r = v, g = t, b = p; break;
      case 1: r = q, g = v, b = p; break;
      case 2: r = p, g = v, b = t; break;
      case 3: r = p, g = q, b = v; break;
      case 4: r = t, g = p, b = v; break;
      default: r = v, g = p, b = q; break;
    }
    img.planes[i] = r, img.planes[plane + i] = g, img.planes[2 * plane + i] = b;
  }
}
}  // namespace

void augment_colors(FloatImage& img, const AugmentOptions& o, SampleRng& rng) {
  if (o.color_jitter_p > 0 && rng.uniform() < o.color_jitter_p) {
    std::array<int, 4> order{0, 1, 2, 3};
    for (int i = 3; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    for (int op : order) {
      if (op == 0 && o.brightness > 0) {
        blend(img, static_cast<float>(rng.uniform(std::max(0.0, 1 - o.brightness), 1 + o.brightness)), {}, 0.0f);
      } else if (op == 1 && o.contrast > 0) {
        const auto g = gray_plane(img);
        double mean = 0;
        for (float v : g) mean += v;
        mean /= std::max<size_t>(g.size(), 1);
        blend(img, static_cast<float>(rng.uniform(std::max(0.0, 1 - o.contrast), 1 + o.contrast)), {}, static_cast<float>(mean));
      } else if (op == 2 && o.saturation > 0) {
        blend(img, static_cast<float>(rng.uniform(std::max(0.0, 1 - o.saturation), 1 + o.saturation)), gray_plane(img), 0.0f);
      } else if (op == 3 && o.hue > 0) {
        shift_hue(img, static_cast<float>(rng.uniform(-o.hue, o.hue)));
      }
    }
  }
  if (o.grayscale_p > 0 && rng.uniform() < o.grayscale_p) {
    const auto g = gray_plane(img);
    const size_t plane = g.size();
    for (int c = 0; c < 3; ++c) std::copy(g.begin(), g.end(), img.planes.begin() + c * plane);
  }
  if (o.noise_p > 0 && o.noise_std > 0 && rng.uniform() < o.noise_p) {
    const double sigma = rng.uniform(0.0, o.noise_std);
    // Box-Muller from the sample's own generator: the same noise on every platform (resume).
    constexpr double kTwoPi = 6.283185307179586;
    for (size_t i = 0; i < img.planes.size(); i += 2) {
      const double r = std::sqrt(-2.0 * std::log(1.0 - rng.uniform())) * sigma, t = kTwoPi * rng.uniform();
      img.planes[i] += static_cast<float>(r * std::cos(t));
      if (i + 1 < img.planes.size()) img.planes[i + 1] += static_cast<float>(r * std::sin(t));
    }
  }
}

void normalize_into(const FloatImage& img, float* out) {
  static constexpr float mean[3] = {0.485f, 0.456f, 0.406f}, stdev[3] = {0.229f, 0.224f, 0.225f};
  const size_t plane = img.planes.size() / 3;
  for (int c = 0; c < 3; ++c)
    for (size_t i = 0; i < plane; ++i) out[c * plane + i] = (img.planes[c * plane + i] - mean[c]) / stdev[c];
}

}  // namespace brivl
