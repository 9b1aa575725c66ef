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

BasisDecoder::BasisDecoder(const ImageBasis& basis, torch::Device device)
    : basis_height_(basis.height()), basis_width_(basis.width()) {
  torch::NoGradGuard no_grad;
  mean_ = basis.mean.flatten().unsqueeze(0).to(device);
  scaled_components_ = (basis.components.flatten(1) * basis.stddev.unsqueeze(1)).to(device);
}

torch::Tensor BasisDecoder::images(const torch::Tensor& z, int64_t height, int64_t width) const {
  const auto x = resized((torch::matmul(z, scaled_components_) + mean_).view({z.size(0), 3, basis_height_, basis_width_}),
                         height, width);
  // A blend can overshoot the data's range; those pixels show as the nearest valid colour and stop
  // pulling (their gradient is zero) until the rest of the blend brings them back.
  return x.clamp(0, 1);
}

torch::Tensor BasisDecoder::blend(const torch::Tensor& z, int64_t height, int64_t width) const {
  return resized(torch::matmul(z, scaled_components_).view({z.size(0), 3, basis_height_, basis_width_}), height, width);
}

namespace {
std::shared_ptr<const ImageBasis> checked(std::shared_ptr<const ImageBasis> basis) {
  BRIVL_CHECK(basis != nullptr && basis->count() > 0, "basis parameterisation: no image basis");
  return basis;
}
}  // namespace

BasisParameterization::BasisParameterization(std::shared_ptr<const ImageBasis> basis, const BasisOptions& options,
                                             torch::Generator& generator, const std::optional<torch::Tensor>& init,
                                             double strength)
    : basis_(checked(std::move(basis))), options_(options), decoder_(*basis_, options.device()) {
  torch::NoGradGuard no_grad;
  // Drawn on the CPU generator whatever the device: the same start everywhere.
  auto z = torch::randn({1, basis_->count()}, generator) * options.init_std();
  if (init) z = basis_->project(init->to(torch::kFloat32)) * strength + z * (1.0 - strength);
  coefficients_ = z.to(options.device()).contiguous().set_requires_grad(true);
}

torch::Tensor BasisParameterization::image() const {
  return decoder_.images(coefficients_, options_.height(), options_.width());
}

torch::Tensor BasisParameterization::noise(int64_t n, double scale, int64_t size, torch::Generator& generator) const {
  torch::NoGradGuard no_grad;
  const auto z = (torch::randn({n, basis_->count()}, generator) * scale).to(coefficients_.device());
  return decoder_.blend(z, size, size);
}

}  // namespace brivl
