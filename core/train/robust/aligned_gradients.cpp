#include "train/robust/aligned_gradients.h"

#include "vision/preprocess.h"

namespace brivl {
namespace {

// Which caption each point aims at (its own image's, or with probability other_p another's) and,
// for a share rival_p, the rival caption whose picture the way starts from. On the CPU.
struct Aims {
  torch::Tensor aim, rival, with_rival;  // [B] int64, [B] int64, [B] bool
};

Aims draw_aims(int64_t batch, const AlignedGradientOptions& o, torch::Generator& gen) {
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat32);
  Aims a{torch::arange(batch, torch::kInt64), torch::arange(batch, torch::kInt64), torch::zeros({batch}, torch::kBool)};
  if (batch < 2) return a;
  // Another index than `index`: a shift of 1 .. batch - 1.
  auto another = [&](const torch::Tensor& index) {
    const auto shift = 1 + (torch::rand({batch}, gen, cpu) * static_cast<double>(batch - 1)).to(torch::kInt64).clamp_max(batch - 2);
    return (index + shift) % batch;
  };
  const auto other = torch::rand({batch}, gen, cpu) < o.other_p;
  a.aim = torch::where(other, another(a.aim), a.aim);
  a.with_rival = torch::rand({batch}, gen, cpu) < o.rival_p;
  a.rival = another(a.aim);
  return a;
}

// The basis variant: points z_p = alpha * z(image) + (1 - alpha) * noise in whitened coefficients
// (noise N(0, s^2), s drawn from [0, noise_std]), seen as the decoder's images; the gradient of
// the similarity with respect to z_p is pulled towards z(aim's picture) - alpha * z(image) (from
// the noise-free point, as in pixels), or for rival points towards z(aim) - z(rival).
AlignedGradientLoss aligned_basis_gradient_loss(const std::function<torch::Tensor(const torch::Tensor&)>& embed,
                                                const torch::Tensor& images, const torch::Tensor& captions,
                                                const AlignedGradientOptions& o, torch::Generator& gen,
                                                const ImageBasis& basis) {
  const int64_t batch = images.size(0), side_h = images.size(2), side_w = images.size(3);
  const auto device = images.device();
  const auto f32 = images.options().dtype(torch::kFloat32);
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat32);
  const auto mean = imagenet_mean(f32), std = imagenet_std(f32);
  const BasisDecoder decoder(basis, device);
  torch::Tensor start, target, point_captions;
  {
    torch::NoGradGuard no_grad;
    const auto z = basis.project(images.detach().to(torch::kFloat32) * std + mean);  // [B, K]
    const int64_t k = z.size(1);
    const auto aims = draw_aims(batch, o, gen);
    const auto aim = aims.aim.to(device), rival = aims.rival.to(device);
    const auto rival_on = aims.with_rival.to(device).to(torch::kFloat32).unsqueeze(1);
    const auto alpha = torch::rand({batch, 1}, gen, cpu).to(device);
    const auto spread = (torch::rand({batch, 1}, gen, cpu) * o.noise_std).to(device);
    const auto noise = spread * torch::randn({batch, k}, gen, cpu).to(device);
    start = alpha * z + (1 - alpha) * noise;
    const auto picture = z.index_select(0, aim), rival_picture = z.index_select(0, rival);
    target = rival_on * (picture - rival_picture) + (1 - rival_on) * (picture - alpha * z);
    const auto c = captions.detach().to(torch::kFloat32);
    point_captions = c.index_select(0, aim) - rival_on * c.index_select(0, rival);
  }
  const auto point = start.requires_grad_(true);
  const auto unit = torch::nn::functional::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12);
  const auto pixels = decoder.images(point, side_h, side_w);
  const auto e = torch::nn::functional::normalize(embed((pixels - mean) / std), unit);
  const auto similarity = (e * point_captions).sum();
  const auto gradient = torch::autograd::grad({similarity}, {point}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  const auto alignment = torch::nn::functional::cosine_similarity(
      gradient, target, torch::nn::functional::CosineSimilarityFuncOptions().dim(1).eps(1e-12));
  AlignedGradientLoss out;
  out.loss = (1 - alignment).mean();
  out.alignment = alignment.mean().item<double>();
  return out;
}

}  // namespace

AlignedGradientLoss aligned_gradient_loss(const std::function<torch::Tensor(const torch::Tensor&)>& embed,
                                          const torch::Tensor& images, const torch::Tensor& captions,
                                          const AlignedGradientOptions& o, torch::Generator& gen,
                                          const ImageBasis* basis) {
  if (basis != nullptr) return aligned_basis_gradient_loss(embed, images, captions, o, gen, *basis);
  const int64_t batch = images.size(0);
  const auto f32 = images.options().dtype(torch::kFloat32);
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat32);
  const auto mean = imagenet_mean(f32), std = imagenet_std(f32);
  torch::Tensor start, target, point_captions;
  {
    torch::NoGradGuard no_grad;
    const auto pixels = images.detach().to(torch::kFloat32) * std + mean;
    // The caption each point aims at: its own image's, or (share other_p) another image's.
    const auto aims = draw_aims(batch, o, gen);
    auto aim = aims.aim, rival = aims.rival, with_rival = aims.with_rival;
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
