#include "imagine/session.h"

#include <cmath>

#include "vision/preprocess.h"

namespace brivl {
namespace F = torch::nn::functional;

ImaginationSession::ImaginationSession(BriVL model, torch::Device device, torch::Tensor target,
                                       const ImagineSettings& settings, const std::optional<torch::Tensor>& init)
    : model_(std::move(model)),
      device_(device),
      target_(F::normalize(target.to(device, torch::kFloat32).view({1, -1}), F::NormalizeFuncOptions().dim(1))),
      settings_(settings),
      generator_(at::detail::createCPUGenerator(settings.seed)),
      start_(std::chrono::steady_clock::now()) {
  settings_.validate();
  auto options = ParameterizationOptions()
                     .width(settings.width)
                     .height(settings.height)
                     .fourier(settings.param == "fourier");
  param_ = std::make_unique<ImageParameterization>(options, generator_, init, settings.init_strength);
  optimizer_ = std::make_unique<torch::optim::Adam>(param_->parameters(), torch::optim::AdamOptions(settings.lr));
}

double ImaginationSession::learning_rate(int step) const {
  // Linear warm-up over the first 10 % of the steps, then cosine decay to 10 % of the peak.
  const double warm = std::max(1.0, 0.1 * settings_.steps);
  if (step < warm) return settings_.lr * (step + 1) / warm;
  const double t = (step - warm) / std::max(1.0, settings_.steps - warm);
  return settings_.lr * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * t)));
}

torch::Tensor ImaginationSession::embed(const torch::Tensor& views) {
  const auto dtype = model_->parameters().front().scalar_type();
  const auto normalized = resize_and_normalize(views, model_->config().img_size).to(device_, dtype);
  return F::normalize(model_->imgencoder->forward(normalized).to(torch::kFloat32), F::NormalizeFuncOptions().dim(1));
}

double ImaginationSession::similarity(const torch::Tensor& views) {
  torch::NoGradGuard no_grad;
  return (embed(views.to(device_)) * target_).sum(1).mean().item<double>();
}

ImagineProgress ImaginationSession::step() {
  TORCH_CHECK(!finished(), "imagination already finished");
  const double lr = learning_rate(step_);
  for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); };
  ImagineProgress p;
  auto t = Clock::now();
  optimizer_->zero_grad();
  const auto image = param_->image().to(device_);
  const auto views = make_views(image, model_->config().img_size, settings_.augment, generator_);
  p.transform_ms = ms_since(t);
  t = Clock::now();
  auto loss = -(embed(views) * target_).sum(1).mean();
  if (settings_.tv_weight > 0) loss = loss + settings_.tv_weight * total_variation(image);
  p.forward_ms = ms_since(t);
  t = Clock::now();
  loss.backward();
  optimizer_->step();
  p.backward_ms = ms_since(t);
  ++step_;

  p.step = step_;
  p.steps = settings_.steps;
  p.loss = loss.item<double>();
  p.lr = lr;
  p.similarity = similarity(clean_view(param_->image().detach(), model_->config().img_size));
  if (step_ % 10 == 0 || finished()) p.robust_similarity = robust_similarity();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  p.steps_per_second = elapsed > 0 ? step_ / elapsed : 0;
  p.eta_seconds = p.steps_per_second > 0 ? (settings_.steps - step_) / p.steps_per_second : 0;
  return p;
}

double ImaginationSession::robust_similarity() {
  // Held-out views: their own generator, re-seeded each time so every evaluation sees the same
  // transforms; stronger than the training ones (smaller crops, more rotation).
  auto held_out = at::detail::createCPUGenerator(settings_.seed ^ 0x9E3779B97F4A7C15ULL);
  AugmentSettings a = settings_.augment;
  a.cutouts = 4;
  a.min_scale = std::max(0.2, a.min_scale * 0.75);
  a.rotate_degrees = std::max(10.0, a.rotate_degrees * 2);
  torch::NoGradGuard no_grad;
  return similarity(make_views(param_->image().detach().to(device_), model_->config().img_size, a, held_out));
}

torch::Tensor ImaginationSession::image() const {
  torch::NoGradGuard no_grad;
  return param_->image().squeeze(0).to(torch::kCPU).contiguous();
}

}  // namespace brivl
