#include "imagine/blob_parameterization.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace brivl {

namespace {

// Gauge functions in a shape's own frame (u right, v down, unit size): 1 on the outline, < 1 inside,
// growing linearly with distance from the centre along every ray.
torch::Tensor rectangle_gauge(const torch::Tensor& u, const torch::Tensor& v) {
  return torch::maximum(u.abs(), v.abs());  // half-side 1
}

torch::Tensor triangle_gauge(const torch::Tensor& u, const torch::Tensor& v) {
  // Equilateral, point up, circumradius 1 (apothem 1/2): the largest of the three edge normals' projections.
  const double c = std::sqrt(3.0) / 2;
  return torch::maximum(v, torch::maximum(c * u - 0.5 * v, -c * u - 0.5 * v)) * 2;
}

torch::Tensor star_gauge(const torch::Tensor& u, const torch::Tensor& v) {
  // Five points, one up, outer radius 1, inner corners at 0.45: on a ray at angle beta from the
  // nearest point (0..36 degrees) the outline lies at R(beta) = c / (n . (cos beta, sin beta)),
  // the edge from the point (1, 0) to the inner corner inner * (cos 36, sin 36) being n . x = c.
  constexpr double kInner = 0.45;
  const double s36 = std::sin(M_PI / 5), c36 = std::cos(M_PI / 5), sector = 2 * M_PI / 5;
  const double nx = kInner * s36, ny = 1 - kInner * c36, c = kInner * s36;
  // 1e-6: atan2's gradient is 0/0 at the exact centre.
  const auto turned = torch::remainder(torch::atan2(v, u + 1e-6) + M_PI / 2, sector);
  const auto beta = M_PI / 5 - (turned - M_PI / 5).abs();
  const auto radius = torch::sqrt(u * u + v * v + 1e-8);
  return radius * (nx * torch::cos(beta) + ny * torch::sin(beta)) / c;
}

}  // namespace

BlobParameterization::BlobParameterization(const BlobOptions& o, torch::Generator& gen) : options_(o) {
  const int64_t k = o.count();
  const auto f = torch::TensorOptions().dtype(torch::kFloat32);
  torch::NoGradGuard no_grad;
  centre_ = torch::logit(torch::rand({k, 2}, gen, f) * 0.8 + 0.1);
  auto radius = torch::log(torch::rand({k, 1}, gen, f) * 0.16 + 0.06);
  auto aspect = (torch::rand({k, 1}, gen, f) * 2 - 1) * 0.3;
  auto angle = torch::rand({k, 1}, gen, f) * M_PI;
  shape_ = torch::cat({radius, aspect, angle}, 1);
  // Colours uniform in the RGB cube (not normal logits, which crowd round grey: a saturated blue
  // would almost never be drawn, and the gradient does not walk a colour that far), mostly opaque;
  // a grey ground of any lightness. The ground stays grey while optimised (one parameter, its
  // lightness): left free, it takes the prompt's colour itself, and the shapes, which should carry
  // it, drift to any colour (measured: docs/IMAGINE_QUALITY.md).
  const auto uniform = [&](std::vector<int64_t> size, double lo, double hi) {
    return torch::logit(torch::rand(size, gen, f) * (hi - lo) + lo);
  };
  colour_ = torch::cat({uniform({k, 3}, 0.03, 0.97), uniform({k, 1}, 0.6, 0.95)}, 1);
  background_ = uniform({1}, 0.1, 0.9);
  const double side = static_cast<double>(std::min(o.width(), o.height()));
  x_ = ((torch::arange(o.width(), f) + 0.5) / side).view({1, 1, -1}).expand({1, o.height(), o.width()}).contiguous();
  y_ = ((torch::arange(o.height(), f) + 0.5) / side).view({1, -1, 1}).expand({1, o.height(), o.width()}).contiguous();
  for (auto* t : {&centre_, &shape_, &colour_, &background_}) *t = t->to(o.device()).set_requires_grad(true);
  x_ = x_.to(o.device()), y_ = y_.to(o.device());
  BRIVL_CHECK(!o.kinds().empty(), "blobs: no shape kind allowed");
  kind_.assign(static_cast<size_t>(k), o.kinds().front());
  if (o.kinds().size() > 1) {
    const auto drawn = torch::randint(static_cast<int64_t>(o.kinds().size()), {k}, gen, torch::kInt64);
    for (int64_t i = 0; i < k; ++i) kind_[static_cast<size_t>(i)] = o.kinds()[static_cast<size_t>(drawn[i].item<int64_t>())];
  }
}

BlobKind BlobParameterization::kind(int64_t k) const { return kind_.at(static_cast<size_t>(k)); }

void BlobParameterization::set_kind(int64_t k, BlobKind kind) {
  torch::NoGradGuard no_grad;
  kind_.at(static_cast<size_t>(k)) = kind;
  shape_[k][1].fill_(0.0);  // aspect 1
  shape_[k][2].fill_(0.0);  // upright
}

torch::Tensor BlobParameterization::geometry(int64_t k) const {
  torch::NoGradGuard no_grad;
  return shape_[k].clone();
}

void BlobParameterization::set_geometry(int64_t k, BlobKind kind, const torch::Tensor& geometry) {
  torch::NoGradGuard no_grad;
  kind_.at(static_cast<size_t>(k)) = kind;
  shape_[k].copy_(geometry);
}

torch::Tensor BlobParameterization::colour(int64_t k) const {
  torch::NoGradGuard no_grad;
  return torch::sigmoid(colour_[k].narrow(0, 0, 3)).to(torch::kCPU).clone();
}

void BlobParameterization::set_colour(int64_t k, const torch::Tensor& rgb) {
  torch::NoGradGuard no_grad;
  colour_[k].narrow(0, 0, 3).copy_(torch::logit(rgb.to(torch::kFloat32).clamp(0.01, 0.99)).to(colour_.device()));
}

torch::Tensor BlobParameterization::image() const {
  const double side = static_cast<double>(std::min(options_.width(), options_.height()));
  const auto centre = torch::sigmoid(centre_);  // [K,2], fractions of width / height
  const auto cx = (centre.select(1, 0) * (options_.width() / side)).view({-1, 1, 1});
  const auto cy = (centre.select(1, 1) * (options_.height() / side)).view({-1, 1, 1});
  const auto radius = torch::exp(shape_.select(1, 0)).clamp(0.02, 0.45).view({-1, 1, 1});
  const auto aspect = torch::exp(shape_.select(1, 1).clamp(-1.5, 1.5)).view({-1, 1, 1});
  const auto angle = shape_.select(1, 2).view({-1, 1, 1});
  const auto dx = x_ - cx, dy = y_ - cy;                              // [K,H,W]
  const auto u = (dx * torch::cos(angle) + dy * torch::sin(angle)) / (radius * aspect);
  const auto v = (dy * torch::cos(angle) - dx * torch::sin(angle)) * aspect / radius;
  auto distance = torch::sqrt(u * u + v * v + 1e-8);                 // 1 on the ellipse's edge
  // Other kinds: their gauge where a shape is of that kind (the ellipses' values untouched, so runs
  // with ellipses alone paint exactly what they painted before kinds existed).
  for (const auto& [kind, gauge] : {std::pair{BlobKind::kRectangle, &rectangle_gauge}, std::pair{BlobKind::kTriangle, &triangle_gauge},
                                    std::pair{BlobKind::kStar, &star_gauge}}) {
    std::vector<uint8_t> mask(kind_.size());
    for (size_t i = 0; i < kind_.size(); ++i) mask[i] = kind_[i] == kind;
    if (std::find(mask.begin(), mask.end(), 1) == mask.end()) continue;
    const auto where = torch::tensor(std::vector<int64_t>(mask.begin(), mask.end())).to(distance.device()).gt(0).view({-1, 1, 1});
    distance = torch::where(where, gauge(u, v), distance);
  }
  // Soft coverage: 0.5 on the edge, rising over `edge` pixels inside (in units of the radius).
  const auto coverage = torch::sigmoid((1 - distance) * radius * side / options_.edge());
  const auto rgba = torch::sigmoid(colour_);                          // [K,4]
  const auto alpha = coverage * rgba.select(1, 3).view({-1, 1, 1});   // [K,H,W]
  auto image = torch::sigmoid(background_).view({1, 1, 1}).expand({3, options_.height(), options_.width()});
  for (int64_t k = 0; k < options_.count(); ++k) {
    const auto a = alpha[k].unsqueeze(0);
    image = image * (1 - a) + rgba[k].narrow(0, 0, 3).view({3, 1, 1}) * a;
  }
  return image.unsqueeze(0).clamp(1e-6, 1 - 1e-6);
}

}  // namespace brivl
