#include "imagine/basis_parameterization.h"

#include "util/error.h"

namespace brivl {
namespace F = torch::nn::functional;
namespace {

// x [N, 3, h, w] at height x width (bilinear), or x itself when it has that size.
torch::Tensor resized(const torch::Tensor& x, int64_t height, int64_t width) {
  if (x.size(2) == height && x.size(3) == width) return x;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{height, width})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

}  // namespace

BasisParameterization::BasisParameterization(std::shared_ptr<const ImageBasis> basis, const BasisOptions& options,
                                             torch::Generator& generator, const std::optional<torch::Tensor>& init,
                                             double strength)
    : basis_(std::move(basis)), options_(options) {
  BRIVL_CHECK(basis_ != nullptr && basis_->count() > 0, "basis parameterisation: no image basis");
  torch::NoGradGuard no_grad;
  mean_ = basis_->mean.flatten().unsqueeze(0).to(options.device());
  scaled_components_ = (basis_->components.flatten(1) * basis_->stddev.unsqueeze(1)).to(options.device());
  // Drawn on the CPU generator whatever the device: the same start everywhere.
  auto z = torch::randn({1, basis_->count()}, generator) * options.init_std();
  if (init) z = basis_->project(init->to(torch::kFloat32)) * strength + z * (1.0 - strength);
  coefficients_ = z.to(options.device()).contiguous().set_requires_grad(true);
}

torch::Tensor BasisParameterization::image() const {
  const auto x = resized(
      (torch::matmul(coefficients_, scaled_components_) + mean_).view({1, 3, basis_->height(), basis_->width()}),
      options_.height(), options_.width());
  // A blend can overshoot the data's range; those pixels show as the nearest valid colour and stop
  // pulling (their gradient is zero) until the rest of the blend brings them back.
  return x.clamp(0, 1);
}

torch::Tensor BasisParameterization::noise(int64_t n, double scale, int64_t size, torch::Generator& generator) const {
  torch::NoGradGuard no_grad;
  const auto z = (torch::randn({n, basis_->count()}, generator) * scale).to(coefficients_.device());
  return resized(torch::matmul(z, scaled_components_).view({n, 3, basis_->height(), basis_->width()}), size, size);
}

}  // namespace brivl
