#include "train/robust/aligned_gradients.h"

#include "vision/preprocess.h"

namespace brivl {

AlignedGradientLoss aligned_gradient_loss(const std::function<torch::Tensor(const torch::Tensor&)>& embed,
                                          const torch::Tensor& images, const torch::Tensor& captions,
                                          const AlignedGradientOptions& o, torch::Generator& gen) {
  const int64_t batch = images.size(0);
  const auto f32 = images.options().dtype(torch::kFloat32);
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat32);
  const auto mean = imagenet_mean(f32), std = imagenet_std(f32);
  torch::Tensor start, target, point_captions;
  {
    torch::NoGradGuard no_grad;
    const auto pixels = images.detach().to(torch::kFloat32) * std + mean;
    // The caption each point aims at: its own image's, or (share other_p) another image's.
    auto aim = torch::arange(batch, torch::kInt64), rival = aim.clone();
    auto with_rival = torch::zeros({batch}, torch::kBool);
    // Another index than `index`: a shift of 1 .. batch - 1.
    auto another = [&](const torch::Tensor& index) {
      const auto shift = 1 + (torch::rand({batch}, gen, cpu) * static_cast<double>(batch - 1)).to(torch::kInt64).clamp_max(batch - 2);
      return (index + shift) % batch;
    };
    if (batch > 1) {
      const auto other = torch::rand({batch}, gen, cpu) < o.other_p;
      aim = torch::where(other, another(aim), aim);
      with_rival = torch::rand({batch}, gen, cpu) < o.rival_p;
      rival = another(aim);
    }
    aim = aim.to(images.device()), rival = rival.to(images.device());
    const auto rival_on = with_rival.to(images.device()).to(torch::kFloat32);
    // The point: mixture alpha * image + (1 - alpha) * start, alpha uniform in [0, 1), the start
    // grey with noise of a spread drawn from [0, noise_std] (imagination starts near grey).
    const auto alpha = torch::rand({batch, 1, 1, 1}, gen, cpu).to(images.device());
    const auto spread = (torch::rand({batch, 1, 1, 1}, gen, cpu) * o.noise_std).to(images.device());
    const auto noise = (0.5 + spread * torch::randn(pixels.sizes(), gen, cpu).to(images.device())).clamp(0, 1);
    start = alpha * pixels + (1 - alpha) * noise;
    // The way to the picture from the noise-free mixture: towards the picture whatever the noise
    // (a gradient cannot know the noise's exact pixels, and imagination starts almost noise-free).
    // With a rival: the way from the rival's picture to the aim's, for the gradient of the
    // difference of the two similarities.
    const auto picture = pixels.index_select(0, aim), rival_picture = pixels.index_select(0, rival);
    const auto on = rival_on.view({batch, 1, 1, 1});
    target = on * (picture - rival_picture) + (1 - on) * (picture - (alpha * pixels + (1 - alpha) * 0.5));
    const auto c = captions.detach().to(torch::kFloat32);
    point_captions = c.index_select(0, aim) - rival_on.unsqueeze(1) * c.index_select(0, rival);
  }
  const auto point = start.requires_grad_(true);  // made without a graph: a leaf of its own
  const auto unit = torch::nn::functional::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12);
  const auto e = torch::nn::functional::normalize(embed((point - mean) / std), unit);
  const auto similarity = (e * point_captions).sum();
  const auto gradient = torch::autograd::grad({similarity}, {point}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  auto coarse = [&](const torch::Tensor& x) {
    return o.pool > 1 ? torch::avg_pool2d(x, {o.pool, o.pool}, {o.pool, o.pool}, {0, 0}, /*ceil_mode=*/true).flatten(1) : x.flatten(1);
  };
  const auto alignment = torch::nn::functional::cosine_similarity(
      coarse(gradient), coarse(target), torch::nn::functional::CosineSimilarityFuncOptions().dim(1).eps(1e-12));
  AlignedGradientLoss out;
  out.loss = (1 - alignment).mean();
  out.alignment = alignment.mean().item<double>();
  return out;
}

}  // namespace brivl
