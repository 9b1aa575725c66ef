#pragma once
// Per-sample image work of the training data loader, torch-free so that it runs on worker
// threads without touching LibTorch's thread pools: resize like the official transform
// (bilinear, align_corners=False, no antialias), torchvision-style ColorJitter and
// RandomGrayscale, ImageNet normalisation into a CHW float buffer.
#include <cstdint>

#include "train/train_options.h"
#include "vision/image_decode.h"

namespace brivl {

// A small deterministic generator (splitmix64): the same seed gives the same augmentation on
// every platform and standard library, which exact resume relies on.
class SampleRng {
 public:
  explicit SampleRng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  double uniform();                       // [0, 1)
  double uniform(double lo, double hi);   // [lo, hi)
  uint64_t below(uint64_t n);             // [0, n)
 private:
  uint64_t state_;
};

// Mixes several values into one seed.
uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0, uint64_t d = 0);

// Float RGB image in [0, 1], planar CHW.
struct FloatImage {
  int width = 0, height = 0;
  std::vector<float> planes;  // 3 * height * width
};

// ToTensor + Resize((size, size)) with torch's upsample_bilinear2d(align_corners=False) formula.
FloatImage resize_to_float(const RgbImage& image, int size);
// ColorJitter (random order of brightness/contrast/saturation/hue) with probability
// color_jitter_p, then RandomGrayscale with probability grayscale_p.
void augment_colors(FloatImage& image, const AugmentOptions& options, SampleRng& rng);
// Normalize with the ImageNet mean/std into `out` (3 * h * w floats).
void normalize_into(const FloatImage& image, float* out);

}  // namespace brivl
