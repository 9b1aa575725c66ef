#include "imagine/session.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "imagine/basis_parameterization.h"
#include "imagine/blob_parameterization.h"
#include "util/error.h"
#include "vision/preprocess.h"

namespace brivl {
namespace F = torch::nn::functional;

ImaginationSession::ImaginationSession(BriVL model, torch::Device device, torch::Tensor target,
                                       const ImagineSettings& settings, const std::optional<torch::Tensor>& init,
                                       int views_per_pass, std::shared_ptr<const ImageBasis> basis)
    : model_(std::move(model)),
      device_(device),
      target_(F::normalize(target.to(device, torch::kFloat32).view({1, -1}), F::NormalizeFuncOptions().dim(1))),
      settings_(settings),
      views_per_pass_(views_per_pass),
      generator_(at::detail::createCPUGenerator(settings.seed)),
      start_(std::chrono::steady_clock::now()) {
  settings_.validate();
  // The optimised grid: param_size on the longer side (0: the output size), never finer than the output.
  const int64_t longer = std::max(settings.width, settings.height);
  const int64_t side = settings.param_size > 0 ? std::min<int64_t>(longer, settings.param_size) : longer;
  const auto grid = [&](int64_t extent) { return std::max<int64_t>(8, (extent * side + longer / 2) / longer); };
  auto options = ParameterizationOptions()
                     .width(settings.width)
                     .height(settings.height)
                     .grid_width(grid(settings.width))
                     .grid_height(grid(settings.height))
                     .fourier(settings.param == "fourier")
                     .device(device);
  if (settings.param == "blobs") {
    param_ = std::make_unique<BlobParameterization>(
        BlobOptions()
            .width(settings.width)
            .height(settings.height)
            .count(settings.blobs)
            .kinds(parse_blob_kinds(settings.primitives, "--primitives"))
            .device(device),
        generator_);
  } else if (settings.param == "basis") {
    BRIVL_CHECK(basis != nullptr, "--param basis: this model has no image basis (", kImageBasisFile,
                " in its folder; `brivl basis --data ... --out DIR/", kImageBasisFile, "` makes one)");
    param_ = std::make_unique<BasisParameterization>(
        std::make_shared<const ImageBasis>(basis->first(settings.basis_components)),
        BasisOptions().width(settings.width).height(settings.height).device(device), generator_, init,
        settings.init_strength);
  } else {
    param_ = std::make_unique<ImageParameterization>(options, generator_, init, settings.init_strength);
  }
  if (settings.optimizer == "gd")
    optimizer_ = std::make_unique<torch::optim::SGD>(param_->parameters(), torch::optim::SGDOptions(settings.lr));
  else
    optimizer_ = std::make_unique<torch::optim::Adam>(param_->parameters(), torch::optim::AdamOptions(settings.lr));
}

void ImaginationSession::set_target(const torch::Tensor& target) {
  TORCH_CHECK(target.numel() == target_.numel(), "set_target: ", target.numel(), " values for a ", target_.numel(),
              "-d target");
  target_ = F::normalize(target.to(device_, torch::kFloat32).view({1, -1}), F::NormalizeFuncOptions().dim(1));
}

int views_per_pass_for(bool gpu, int64_t img_size, int cutouts) {
  if (gpu) return cutouts;
  constexpr int64_t kPixelsPerPass = 256 * 1024;
  return static_cast<int>(std::clamp<int64_t>(kPixelsPerPass / (img_size * img_size), 1, cutouts));
}

double ImaginationSession::learning_rate(int step) const {
  // Linear warm-up over the first 10 % of the steps, then cosine decay to 10 % of the peak.
  const double warm = std::max(1.0, 0.1 * settings_.steps);
  if (step < warm) return settings_.lr * (step + 1) / warm;
  const double t = (step - warm) / std::max(1.0, settings_.steps - warm);
  return settings_.lr * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * t)));
}

torch::Tensor ImaginationSession::embed(const torch::Tensor& views, BatchNormDeviation* deviation) {
  const auto dtype = model_->parameters().front().scalar_type();
  const auto normalized = resize_and_normalize(views, model_->config().img_size).to(device_, dtype);
  return F::normalize(model_->imgencoder->forward(normalized, deviation).to(torch::kFloat32),
                      F::NormalizeFuncOptions().dim(1));
}

void ImaginationSession::set_contrast(const torch::Tensor& texts, double temperature) {
  TORCH_CHECK(temperature > 0, "contrast: temperature must be positive");
  if (texts.numel() == 0) {
    contrast_ = torch::Tensor();
    return;
  }
  TORCH_CHECK(texts.dim() == 2 && texts.size(1) == target_.size(1), "contrast: [N, ", target_.size(1), "] texts expected");
  contrast_ = F::normalize(texts.to(device_, torch::kFloat32), F::NormalizeFuncOptions().dim(1));
  contrast_scale_ = 1.0 / temperature;
}

torch::Tensor ImaginationSession::objective(const torch::Tensor& e) const {
  const auto cosine = (e * target_).sum(1);
  if (!contrast_.defined()) return cosine;
  const auto logits = torch::cat({cosine.unsqueeze(1), torch::matmul(e, contrast_.t())}, 1) * contrast_scale_;
  return torch::log_softmax(logits, 1).select(1, 0);
}

double ImaginationSession::clean_score() {
  torch::NoGradGuard no_grad;
  return objective(embed(clean_view(param_->image().detach(), model_->config().img_size).to(device_))).mean().item<double>();
}

double ImaginationSession::similarity(const torch::Tensor& views) {
  torch::NoGradGuard no_grad;
  return (embed(views.to(device_)) * target_).sum(1).mean().item<double>();
}

ImagineProgress ImaginationSession::step() {
  TORCH_CHECK(!finished(), "imagination already finished");
  const double lr = learning_rate(step_);
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); };
  ImagineProgress p;
  auto t = Clock::now();
  optimizer_->zero_grad();
  const auto image = param_->image();
  auto views = make_views(image, model_->config().img_size, settings_.augment, generator_);
  if (settings_.basis_noise > 0) {
    if (const auto* basis = dynamic_cast<const BasisParameterization*>(param_.get()))
      views = (views + basis->noise(views.size(0), settings_.basis_noise, views.size(-1), generator_)).clamp(0, 1);
  }
  p.transform_ms = ms_since(t);
  t = Clock::now();
  // Undefined when no regulariser is on: the common case builds no extra tensors.
  torch::Tensor regularisers;
  const auto add = [&regularisers](const torch::Tensor& term) {
    regularisers = regularisers.defined() ? regularisers + term : term;
  };
  if (settings_.tv_weight > 0) add(settings_.tv_weight * total_variation(image));
  if (settings_.range_weight > 0) add(settings_.range_weight * range_penalty(param_->logits()));
  if (settings_.basis_prior > 0) {
    if (const auto* basis = dynamic_cast<const BasisParameterization*>(param_.get()))
      add(settings_.basis_prior * basis->coefficients().square().mean());
  }
  const int64_t n = views.size(0);
  double backward_ms = 0;
  if (views_per_pass_ <= 0 || views_per_pass_ >= n) {
    // All views in one forward: the GPU path, and small models on the CPU.
    BatchNormDeviation deviation;
    auto loss = -objective(embed(views, settings_.bn_prior > 0 ? &deviation : nullptr)).mean();
    if (settings_.bn_prior > 0) loss = loss + settings_.bn_prior * deviation.total().to(torch::kFloat32);
    if (regularisers.defined()) loss = loss + regularisers;
    p.forward_ms = ms_since(t);
    t = Clock::now();
    loss.backward();
    backward_ms = ms_since(t);
    p.loss = loss.item<double>();
  } else {
    // Views in passes of views_per_pass_: the encoder's activations exist for one pass at a time
    // (peak memory of a smaller batch), and the views' gradient is gathered on a detached copy
    // before it flows back into the image once. Same gradient up to float summation order.
    const auto detached = views.detach().requires_grad_(true);
    double view_loss = 0;
    for (int64_t start = 0; start < n; start += views_per_pass_) {
      t = Clock::now();
      const auto part = detached.narrow(0, start, std::min<int64_t>(views_per_pass_, n - start));
      // The prior over each pass's views, weighted by its share of the views.
      BatchNormDeviation deviation;
      auto loss = -objective(embed(part, settings_.bn_prior > 0 ? &deviation : nullptr)).sum() / static_cast<double>(n);
      if (settings_.bn_prior > 0)
        loss = loss + settings_.bn_prior * deviation.total().to(torch::kFloat32) * (part.size(0) / static_cast<double>(n));
      p.forward_ms += ms_since(t);
      t = Clock::now();
      loss.backward();
      view_loss += loss.item<double>();
      backward_ms += ms_since(t);
    }
    t = Clock::now();
    auto into_image = (views * detached.grad()).sum();
    if (regularisers.defined()) into_image = into_image + regularisers;
    into_image.backward();
    backward_ms += ms_since(t);
    p.loss = view_loss + (regularisers.defined() ? regularisers.item<double>() : 0.0);
  }
  t = Clock::now();
  if (settings_.optimizer == "gd") {
    // Each parameter tensor's gradient divided by its root mean square: lr is the typical step.
    torch::NoGradGuard no_grad;
    param_->gradient_in_logits();
    for (auto& p : param_->parameters())
      if (p.grad().defined()) p.grad().div_(p.grad().pow(2).mean().sqrt().clamp_min(1e-20));
  }
  optimizer_->step();
  p.backward_ms = backward_ms + ms_since(t);
  ++step_;

  p.step = step_;
  p.steps = settings_.steps;
  p.lr = lr;
  p.similarity = step_ % similarity_every_ == 0 || finished()
                     ? similarity(clean_view(param_->image().detach(), model_->config().img_size))
                     : std::numeric_limits<double>::quiet_NaN();
  if (step_ % 10 == 0 || finished()) p.robust_similarity = robust_similarity();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  p.steps_per_second = elapsed > 0 ? step_ / elapsed : 0;
  p.eta_seconds = p.steps_per_second > 0 ? (settings_.steps - step_) / p.steps_per_second : 0;
  return p;
}

torch::Tensor ImaginationSession::held_out_views() {
  // Held-out views: their own generator, re-seeded each time so every evaluation sees the same
  // transforms; stronger than the training ones (smaller crops, more rotation).
  auto held_out = at::detail::createCPUGenerator(settings_.seed ^ 0x9E3779B97F4A7C15ULL);
  AugmentSettings a = settings_.augment;
  a.cutouts = 4;
  a.min_scale = std::max(0.2, a.min_scale * 0.75);
  a.rotate_degrees = std::max(10.0, a.rotate_degrees * 2);
  torch::NoGradGuard no_grad;
  return make_views(param_->image().detach(), model_->config().img_size, a, held_out);
}

double ImaginationSession::robust_similarity() { return similarity(held_out_views()); }

ImaginationSession::HeldOutScore ImaginationSession::held_out_score(const torch::Tensor& rivals) {
  torch::NoGradGuard no_grad;
  const auto e = embed(held_out_views().to(device_));
  const double own = (e * target_).sum(1).mean().item<double>();  // as similarity() computes it
  if (!rivals.defined() || rivals.numel() == 0) return {own, true};
  const auto texts = F::normalize(rivals.to(device_, torch::kFloat32), F::NormalizeFuncOptions().dim(1));
  return {own, own > torch::matmul(e, texts.t()).mean(0).max().item<double>()};
}

double ImaginationSession::clean_similarity() {
  torch::NoGradGuard no_grad;
  return similarity(clean_view(param_->image().detach(), model_->config().img_size));
}

double ImaginationSession::sweep_colours(const torch::Tensor& colours, bool keep_own) {
  TORCH_CHECK(step_ == 0, "the colour sweep comes before the first step");
  double best = clean_score();
  auto* blobs = dynamic_cast<BlobParameterization*>(param_.get());
  if (blobs == nullptr) return best;
  for (int64_t k = 0; k < blobs->count(); ++k) {
    auto kept = blobs->colour(k);
    if (!keep_own) best = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < colours.size(0); ++c) {
      blobs->set_colour(k, colours[c]);
      const double score = clean_score();
      if (score > best) best = score, kept = colours[c].clone();
    }
    blobs->set_colour(k, kept);
  }
  return best;
}

double ImaginationSession::sweep_shapes() {
  TORCH_CHECK(step_ == 0, "the shape sweep comes before the first step");
  double best = clean_score();
  auto* blobs = dynamic_cast<BlobParameterization*>(param_.get());
  if (blobs == nullptr) return best;
  const auto kinds = parse_blob_kinds(settings_.primitives, "--primitives");
  if (kinds.size() < 2) return best;
  for (int64_t k = 0; k < blobs->count(); ++k) {
    auto kept_kind = blobs->kind(k);
    auto kept = blobs->geometry(k);
    const auto drawn = kept.clone();
    for (const auto kind : kinds) {
      blobs->set_geometry(k, kind, drawn);
      blobs->set_kind(k, kind);
      const double score = clean_score();
      if (score > best) best = score, kept_kind = kind, kept = blobs->geometry(k);
    }
    blobs->set_geometry(k, kept_kind, kept);
  }
  return best;
}

torch::Tensor ImaginationSession::image() const {
  torch::NoGradGuard no_grad;
  return param_->image().squeeze(0).to(torch::kCPU).contiguous();
}

}  // namespace brivl
