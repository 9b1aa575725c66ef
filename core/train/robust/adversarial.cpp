#include "train/robust/adversarial.h"

#include <algorithm>

#include "vision/preprocess.h"

namespace brivl {

double adversarial_eps_at(const AdversarialOptions& o, int64_t step) {
  if (o.eps <= 0 || step < o.start_step) return 0.0;
  if (o.ramp_steps <= 0) return o.eps;
  return o.eps * std::min(1.0, static_cast<double>(step - o.start_step + 1) / static_cast<double>(o.ramp_steps));
}

torch::Tensor pgd_attack(const torch::Tensor& images, double eps, int64_t steps, double step_size,
                         const std::function<torch::Tensor(const torch::Tensor&)>& objective, torch::Generator& gen) {
  if (eps <= 0) return images.detach();
  torch::NoGradGuard outer;  // bookkeeping without a graph; the objective is differentiated below
  const auto options = images.options();
  const auto mean = imagenet_mean(options), std = imagenet_std(options);
  // In normalised units: the ball is eps / std per channel, the pixel range [(0 - m) / s, (1 - m) / s].
  const auto radius = eps / std;
  const auto lower = (0 - mean) / std, upper = (1 - mean) / std;
  const double alpha = step_size > 0 ? step_size : 2.5 * eps / static_cast<double>(std::max<int64_t>(1, steps));
  const auto x = images.detach();
  auto delta = (torch::rand(images.sizes(), gen, options.dtype(torch::kFloat32)).to(options) * 2 - 1) * radius;
  delta = torch::max(torch::min(x + delta, upper), lower) - x;
  for (int64_t k = 0; k < steps; ++k) {
    delta.requires_grad_(true);
    torch::Tensor grad;
    {
      torch::AutoGradMode enable(true);
      const auto value = objective(x + delta);
      grad = torch::autograd::grad({value}, {delta})[0];
    }
    delta = delta.detach() + alpha / std * grad.sign();
    delta = torch::max(torch::min(delta, radius), -radius);
    delta = torch::max(torch::min(x + delta, upper), lower) - x;
  }
  return (x + delta).detach();
}

}  // namespace brivl
