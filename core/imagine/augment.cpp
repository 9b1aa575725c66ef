#include "imagine/augment.h"

#include <cmath>

namespace brivl {
namespace F = torch::nn::functional;
namespace {

// Sampling grid of a keystone view: output point (u, v) in [-1, 1]^2 is first projected by the
// homography (u, v) / (1 + a u + b v) (tilt = [a, b] per view), then placed by the view's affine
// map theta. |a| + |b| <= 1 keeps the denominator positive over the whole square.
torch::Tensor perspective_grid(const torch::Tensor& theta, const torch::Tensor& tilt, int64_t size) {
  const int64_t n = theta.size(0);
  const auto identity = torch::tensor({1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f}, theta.options()).view({1, 2, 3});
  const auto base = F::affine_grid(identity, {1, 3, size, size}, /*align_corners=*/false);  // [1,S,S,2]
  const auto u = base.select(3, 0), v = base.select(3, 1);                                   // [1,S,S]
  const auto a = tilt.select(1, 0).view({n, 1, 1}), b = tilt.select(1, 1).view({n, 1, 1});
  const auto w = 1 + a * u + b * v;                                                           // [N,S,S]
  const auto projected = torch::stack({u / w, v / w, torch::ones_like(w)}, 3);                // [N,S,S,3]
  return torch::matmul(projected.view({n, size * size, 3}), theta.transpose(1, 2)).view({n, size, size, 2});
}

}  // namespace

torch::Tensor make_views(const torch::Tensor& image, int64_t size, const AugmentSettings& s, torch::Generator& gen) {
  const int64_t n = s.cutouts;
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  // Per view: side fraction, rotation, centre. An affine grid maps the output square onto a
  // rotated square of that side inside the image (normalised coordinates, align_corners=False).
  const auto scale = torch::rand({n}, gen, opts) * (s.max_scale - s.min_scale) + s.min_scale;
  const auto angle = (torch::rand({n}, gen, opts) * 2 - 1) * (s.rotate_degrees * M_PI / 180.0);
  const auto room = (1 - scale);  // how far the centre may move while the crop stays inside
  auto cx = (torch::rand({n}, gen, opts) * 2 - 1) * room + (torch::rand({n}, gen, opts) * 2 - 1) * s.jitter * scale;
  auto cy = (torch::rand({n}, gen, opts) * 2 - 1) * room + (torch::rand({n}, gen, opts) * 2 - 1) * s.jitter * scale;
  const auto c = torch::cos(angle) * scale, si = torch::sin(angle) * scale;
  const auto theta = torch::stack({c, -si, cx, si, c, cy}, 1).view({n, 2, 3}).to(image.device());
  auto grid = F::affine_grid(theta, {n, 3, size, size}, /*align_corners=*/false);
  if (s.perspective > 0) {
    // Drawn only when asked for, so runs without perspective keep their random stream.
    const auto tilt = ((torch::rand({n, 2}, gen, opts) * 2 - 1) * s.perspective).to(image.device());
    grid = perspective_grid(theta, tilt, size);
  }
  auto views = F::grid_sample(image.expand({n, 3, image.size(2), image.size(3)}), grid,
                              F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kReflection).align_corners(false));
  if (s.color_jitter > 0) {
    const auto brightness = ((torch::rand({n, 1, 1, 1}, gen, opts) * 2 - 1) * s.color_jitter).to(image.device());
    const auto contrast = (1 + (torch::rand({n, 1, 1, 1}, gen, opts) * 2 - 1) * s.color_jitter).to(image.device());
    const auto mean = views.mean({1, 2, 3}, true);
    views = (views - mean) * contrast + mean + brightness;
  }
  if (s.noise > 0) views = views + torch::randn(views.sizes(), gen, opts).to(image.device()) * s.noise;
  return views.clamp(0, 1);
}

torch::Tensor clean_view(const torch::Tensor& image, int64_t size) {
  if (image.size(2) == size && image.size(3) == size) return image;
  return F::interpolate(image, F::InterpolateFuncOptions()
                                   .size(std::vector<int64_t>{size, size})
                                   .mode(torch::kBilinear)
                                   .align_corners(false));
}

torch::Tensor range_penalty(const torch::Tensor& logits) {
  return torch::relu(logits.abs() - kRangeLogitLimit).pow(2).mean();
}

torch::Tensor total_variation(const torch::Tensor& x) {
  const auto dy = (x.narrow(2, 1, x.size(2) - 1) - x.narrow(2, 0, x.size(2) - 1)).abs().mean();
  const auto dx = (x.narrow(3, 1, x.size(3) - 1) - x.narrow(3, 0, x.size(3) - 1)).abs().mean();
  return dx + dy;
}

}  // namespace brivl
