#include "imagine/basis_parameterization.h"

#include "util/error.h"

namespace brivl {
namespace F = torch::nn::functional;

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
  auto x = (torch::matmul(coefficients_, scaled_components_) + mean_).view({1, 3, basis_->height(), basis_->width()});
  if (basis_->height() != options_.height() || basis_->width() != options_.width())
    x = F::interpolate(x, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{options_.height(), options_.width()})
                              .mode(torch::kBilinear)
                              .align_corners(false));
  // A blend can overshoot the data's range; those pixels show as the nearest valid colour and stop
  // pulling (their gradient is zero) until the rest of the blend brings them back.
  return x.clamp(0, 1);
}

torch::Tensor BasisParameterization::noise(int64_t n, double scale, int64_t size, torch::Generator& generator) const {
  torch::NoGradGuard no_grad;
  const auto z = (torch::randn({n, basis_->count()}, generator) * scale).to(coefficients_.device());
  auto x = torch::matmul(z, scaled_components_).view({n, 3, basis_->height(), basis_->width()});
  if (basis_->height() != size || basis_->width() != size)
    x = F::interpolate(x, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{size, size})
                              .mode(torch::kBilinear)
                              .align_corners(false));
  return x;
}

}  // namespace brivl
