#include "train/image_augment.h"

#include <gtest/gtest.h>

#include <cmath>

namespace brivl {
namespace {

RgbImage gradient(int w, int h) {
  RgbImage img;
  img.width = w, img.height = h;
  img.pixels.resize(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &img.pixels[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 255 / std::max(1, w - 1));
      p[1] = static_cast<uint8_t>(y * 255 / std::max(1, h - 1));
      p[2] = 200;
    }
  return img;
}

TEST(ImageAugment, ResizeToTheSameSizeIsToTensor) {
  const auto img = gradient(7, 7);
  const auto f = resize_to_float(img, 7);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 49; ++i) EXPECT_FLOAT_EQ(f.planes[c * 49 + i], img.pixels[i * 3 + c] / 255.0f);
}

TEST(ImageAugment, ResizeFollowsAlignCornersFalse) {
  // 2x1 -> 4x1: output x samples src (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamped
  // to 0 and 1: values a, 0.75a + 0.25b, 0.25a + 0.75b, b.
  RgbImage img;
  img.width = 2, img.height = 1;
  img.pixels = {0, 0, 0, 200, 200, 200};
  const auto f = resize_to_float(img, 4);
  // height 1 -> 4 replicates the row.
  const float b = 200 / 255.0f;
  EXPECT_FLOAT_EQ(f.planes[0], 0.0f);
  EXPECT_NEAR(f.planes[1], 0.25f * b, 1e-6);
  EXPECT_NEAR(f.planes[2], 0.75f * b, 1e-6);
  EXPECT_NEAR(f.planes[3], b, 1e-6);
  EXPECT_NEAR(f.planes[3 * 4 + 2], 0.75f * b, 1e-6);
}

TEST(ImageAugment, GrayscaleMakesChannelsEqualAndNoneChangesNothing) {
  auto f = resize_to_float(gradient(8, 8), 8);
  const auto original = f.planes;
  SampleRng rng(1);
  augment_colors(f, AugmentOptions::none(), rng);
  EXPECT_EQ(f.planes, original);
  AugmentOptions gray;
  gray.grayscale_p = 1.0;
  augment_colors(f, gray, rng);
  for (int i = 0; i < 64; ++i) {
    EXPECT_FLOAT_EQ(f.planes[i], f.planes[64 + i]);
    EXPECT_FLOAT_EQ(f.planes[i], f.planes[128 + i]);
    EXPECT_NEAR(f.planes[i], 0.299f * original[i] + 0.587f * original[64 + i] + 0.114f * original[128 + i], 1e-6);
  }
}

// Augments `base` with `seed` twice and with `seed + 1` once: the first two must agree (resume
// relies on it), the third must differ. Returns the first.
FloatImage augmented_deterministically(const FloatImage& base, const AugmentOptions& options, uint64_t seed) {
  auto a = base, b = base, c = base;
  SampleRng ra(seed), rb(seed), rc(seed + 1);
  augment_colors(a, options, ra);
  augment_colors(b, options, rb);
  augment_colors(c, options, rc);
  EXPECT_EQ(a.planes, b.planes);
  EXPECT_NE(a.planes, c.planes);
  return a;
}

TEST(ImageAugment, JitterIsDeterministicPerSeedAndStaysInRange) {
  const auto a = augmented_deterministically(resize_to_float(gradient(16, 16), 16), AugmentOptions::official(), 7);
  for (float v : a.planes) EXPECT_TRUE(v >= 0.0f && v <= 1.0f);
}

TEST(ImageAugment, NoiseHasTheDrawnSpreadAndIsDeterministicPerSeed) {
  const auto base = resize_to_float(gradient(64, 64), 64);
  AugmentOptions noisy;
  noisy.noise_p = 1.0, noisy.noise_std = 0.5;
  const auto a = augmented_deterministically(base, noisy, 3);
  // The residual is zero-mean Gaussian with one standard deviation drawn from [0, 0.5]: replay
  // the generator to learn which, then check the sample's moments against it.
  SampleRng replay(3);
  replay.uniform();  // the noise_p draw
  const double sigma = replay.uniform(0.0, 0.5);
  double sum = 0, sum2 = 0, beyond3 = 0;
  const double n = static_cast<double>(a.planes.size());
  bool unclipped = false;
  for (size_t i = 0; i < a.planes.size(); ++i) {
    const double r = a.planes[i] - base.planes[i];
    sum += r, sum2 += r * r;
    beyond3 += std::abs(r) > 3 * sigma;
    unclipped |= a.planes[i] < 0.0f || a.planes[i] > 1.0f;
  }
  ASSERT_GT(sigma, 0.01);
  EXPECT_NEAR(sum / n, 0.0, 4 * sigma / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(sum2 / n), sigma, 0.03 * sigma);
  EXPECT_LT(beyond3 / n, 0.006);  // Gaussian: 0.27 %
  EXPECT_TRUE(unclipped || sigma < 0.05);  // randomized smoothing does not clip
  // noise_p 0 or noise_std 0: untouched.
  for (auto [p, sd] : {std::pair{0.0, 0.5}, std::pair{1.0, 0.0}}) {
    AugmentOptions off;
    off.noise_p = p, off.noise_std = sd;
    auto d = base;
    SampleRng rd(3);
    augment_colors(d, off, rd);
    EXPECT_EQ(d.planes, base.planes) << p << " " << sd;
  }
}

TEST(ImageAugment, ANegligibleHueShiftKeepsColours) {
  auto f = resize_to_float(gradient(8, 8), 8);
  const auto original = f.planes;
  AugmentOptions hue_only;
  hue_only.color_jitter_p = 1.0, hue_only.brightness = hue_only.contrast = hue_only.saturation = 0;
  hue_only.hue = 1e-9;  // a negligible shift: the HSV round trip itself must be exact enough
  SampleRng rng(3);
  augment_colors(f, hue_only, rng);
  for (size_t i = 0; i < f.planes.size(); ++i) EXPECT_NEAR(f.planes[i], original[i], 1e-5);
}

TEST(ImageAugment, NormalizeUsesImagenetStatistics) {
  FloatImage f;
  f.width = f.height = 1;
  f.planes = {0.485f, 0.456f + 0.224f, 0.0f};
  float out[3];
  normalize_into(f, out);
  EXPECT_NEAR(out[0], 0.0f, 1e-6);
  EXPECT_NEAR(out[1], 1.0f, 1e-6);
  EXPECT_NEAR(out[2], -0.406f / 0.225f, 1e-6);
}

TEST(SampleRng, UniformAndBelowStayInRange) {
  SampleRng r(123);
  for (int i = 0; i < 1000; ++i) {
    const double u = r.uniform();
    EXPECT_TRUE(u >= 0 && u < 1);
    EXPECT_LT(r.below(7), 7u);
  }
  EXPECT_NE(mix_seed(1, 2), mix_seed(2, 1));
  EXPECT_EQ(mix_seed(1, 2, 3), mix_seed(1, 2, 3));
}

}  // namespace
}  // namespace brivl
