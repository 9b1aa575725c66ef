#include "model/batchnorm_deviation.h"

#include <cmath>

namespace brivl {

void BatchNormDeviation::add(const torch::nn::BatchNorm2d& bn, const torch::Tensor& y) {
  const auto options = y.options();
  const auto& b = *bn;
  const double eps = b.options.eps();
  const auto running_var = b.running_var.to(options);
  // y = gamma * z + beta, so z = (y - beta) / gamma; a channel whose gamma is (nearly) zero says
  // nothing about z, and is divided by 1 instead so it cannot blow the sum up.
  auto gamma = b.weight.detach().to(options);
  gamma = torch::where(gamma.abs() < 1e-6, torch::ones_like(gamma), gamma);
  const auto z = (y - b.bias.detach().to(options).view({1, -1, 1, 1})) / gamma.view({1, -1, 1, 1});
  const auto mean = z.mean({0, 2, 3});
  const auto var = (z - mean.view({1, -1, 1, 1})).pow(2).mean({0, 2, 3});
  const auto expected_var = running_var / (running_var + eps);
  const auto term = (mean.norm() + (var - expected_var).norm()) / std::sqrt(static_cast<double>(y.size(1)));
  total_ = total_.defined() ? total_ + term : term;
  ++layers_;
}

torch::Tensor BatchNormDeviation::total() const {
  return total_.defined() ? total_ : torch::zeros({});
}

}  // namespace brivl
