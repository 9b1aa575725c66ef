#include "imagine/parameterization.h"

#include <cmath>

namespace brivl {
namespace F = torch::nn::functional;
namespace {

// lucid's color_correlation_svd_sqrt, normalised by its largest column norm.
torch::Tensor color_decorrelation() {
  auto m = torch::tensor({0.26, 0.09, 0.02, 0.27, 0.00, -0.05, 0.27, -0.09, 0.03}, torch::kFloat64).view({3, 3});
  const double max_norm = m.norm(2, 0).max().item<double>();
  return (m / max_norm).to(torch::kFloat32);
}

// sqrt(fy^2 + fx^2) on the rfft2 grid: [H, W/2+1] (numpy fftfreq conventions).
torch::Tensor rfft2_frequencies(int64_t h, int64_t w) {
  auto fy = torch::fft::fftfreq(h, torch::kFloat64).unsqueeze(1);
  auto fx = torch::fft::rfftfreq(w, torch::kFloat64).unsqueeze(0);
  return torch::sqrt(fy * fy + fx * fx);
}

// lucid divides the inverse FFT by 4 to keep logits in a useful range.
constexpr double kFourierOutputScale = 4.0;

}  // namespace

ImageParameterization::ImageParameterization(const ParameterizationOptions& options, torch::Generator& gen,
                                             const std::optional<torch::Tensor>& init, double strength)
    : options_(options), color_(color_decorrelation().to(options.device())) {
  grid_h_ = options.grid_height() > 0 ? options.grid_height() : options.height();
  grid_w_ = options.grid_width() > 0 ? options.grid_width() : options.width();
  const int64_t h = grid_h_, w = grid_w_;
  torch::NoGradGuard no_grad;
  if (options.fourier()) {
    const auto f = rfft2_frequencies(h, w);
    scale_ = (1.0 / torch::pow(torch::clamp_min(f, 1.0 / std::max(h, w)), options.decay_power()))
                 .to(torch::kFloat32)
                 .view({1, 1, h, w / 2 + 1, 1})
                 .to(options.device());
    param_ = torch::randn({1, 3, h, w / 2 + 1, 2}, gen) * options.init_std();
  } else {
    param_ = torch::randn({1, 3, h, w}, gen) * options.init_std();
  }
  param_ = param_.to(options.device());
  if (init) {
    auto rgb = F::interpolate(init->unsqueeze(0).to(torch::kFloat32),
                              F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBilinear).align_corners(false));
    auto logits = from_rgb(rgb).to(options.device());
    auto start = options.fourier() ? logits_to_spectrum(logits) : logits;
    param_ = start * strength + param_ * (1.0 - strength);
  }
  param_ = param_.contiguous().set_requires_grad(true);
}

torch::Tensor ImageParameterization::mix_colours(const torch::Tensor& x) const {
  return torch::einsum("bchw,dc->bdhw", {x, color_});
}

torch::Tensor ImageParameterization::from_rgb(const torch::Tensor& rgb) const {
  const auto logit = torch::logit(rgb.clamp(1e-3, 1 - 1e-3));
  return torch::einsum("bchw,dc->bdhw", {logit, torch::inverse(color_.cpu())});
}

torch::Tensor ImageParameterization::spectrum_to_logits(const torch::Tensor& spectrum) const {
  const auto complex = torch::view_as_complex(spectrum * scale_);
  // "ortho" normalisation as lucent: with the default ("backward") the image would be sqrt(H*W)
  // times fainter and the optimiser would barely move it.
  return torch::fft::irfft2(complex, std::vector<int64_t>{grid_h_, grid_w_}, {-2, -1}, "ortho") / kFourierOutputScale;
}

torch::Tensor ImageParameterization::logits_to_spectrum(const torch::Tensor& logits) const {
  const auto spectrum = torch::view_as_real(torch::fft::rfft2(logits * kFourierOutputScale, c10::nullopt, {-2, -1}, "ortho"));
  return spectrum / scale_;
}

torch::Tensor ImageParameterization::to_output_size(const torch::Tensor& x) const {
  if (grid_h_ == options_.height() && grid_w_ == options_.width()) return x;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{options_.height(), options_.width()})
                               .mode(torch::kBilinear)
                               .align_corners(false));
}

torch::Tensor ImageParameterization::logits() const {
  return to_output_size(mix_colours(options_.fourier() ? spectrum_to_logits(param_) : param_));
}

torch::Tensor ImageParameterization::image() const { return torch::sigmoid(logits()); }

void ImageParameterization::gradient_in_logits() {
  if (options_.fourier() || !param_.grad().defined()) return;
  torch::NoGradGuard no_grad;
  const auto c = color_.to(param_.device());
  const auto inverse_gram = torch::inverse(torch::matmul(c.t(), c));  // (C^T C)^-1, [3, 3]
  param_.grad().copy_(torch::einsum("bchw,dc->bdhw", {param_.grad(), inverse_gram}));
}

}  // namespace brivl
