#include "train/robust/imagined_negatives.h"

#include "vision/preprocess.h"

namespace brivl {

ImaginationChains::ImaginationChains(const ImageBasis& basis, ImaginedNegativeOptions options, torch::Device device)
    : o_(std::move(options)), device_(device), basis_(basis), decoder_(basis, device) {}

torch::Tensor ImaginationChains::advance(const Embed& embed, const torch::Tensor& captions,
                                         const std::vector<uint64_t>& keys, int64_t side, torch::Generator& gen,
                                         const torch::Tensor& pictures) {
  const int64_t m = static_cast<int64_t>(keys.size()), k = decoder_.count();
  TORCH_CHECK(captions.size(0) == m, "imagined negatives: ", m, " keys for ", captions.size(0), " captions");
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat32);
  // Gather the chains (fresh ones from noise, or from their pictures), drawing every random number
  // in key order.
  std::vector<torch::Tensor> starts;
  const auto restart = torch::rand({m}, gen, cpu);
  auto fresh_start = torch::randn({m, k}, gen, cpu) * o_.init_std;
  if (o_.picture_start > 0) {
    TORCH_CHECK(pictures.defined() && pictures.size(0) == m, "imagined negatives: chains starting at their pictures need ",
                m, " pictures");
    torch::NoGradGuard no_grad;
    fresh_start = fresh_start + o_.picture_start * basis_.project(pictures.detach().to(torch::kCPU, torch::kFloat32));
  }
  const auto restarts = (restart < o_.restart_p).contiguous();
  const auto* restart_now = restarts.data_ptr<bool>();
  for (int64_t i = 0; i < m; ++i) {
    const auto it = chains_.find(keys[static_cast<size_t>(i)]);
    const bool fresh = it == chains_.end() || restart_now[i];
    starts.push_back(fresh ? fresh_start[i] : it->second);
  }
  auto z = torch::stack(starts).to(device_);
  {
    torch::NoGradGuard no_grad;
    last_starts_ = decoder_.images(z, side, side);
  }
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device_);
  const auto mean = imagenet_mean(f32), std = imagenet_std(f32);
  const auto unit = torch::nn::functional::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12);
  const auto c = captions.detach().to(device_, torch::kFloat32);
  for (int64_t step = 0; step < o_.steps; ++step) {
    z = z.detach().requires_grad_(true);
    const auto e = torch::nn::functional::normalize(embed((decoder_.images(z, side, side) - mean) / std), unit);
    auto objective = (e * c).sum();
    if (o_.prior > 0) objective = objective - o_.prior * z.square().mean(1).sum();  // imagination's basis prior, per chain
    const auto g = torch::autograd::grad({objective}, {z})[0];
    // Each chain moves by step_size per coefficient on average, as Adam's first steps do.
    z = z.detach() + o_.step_size * g / (g.pow(2).mean(1, /*keepdim=*/true).sqrt() + 1e-12);
  }
  z = z.detach();
  const auto z_cpu = z.cpu();
  for (int64_t i = 0; i < m; ++i) chains_[keys[static_cast<size_t>(i)]] = z_cpu[i].clone();
  torch::NoGradGuard no_grad;
  return decoder_.images(z, side, side);
}

ImaginedNegativeLoss imagined_negative_loss(const torch::Tensor& imagined, const torch::Tensor& pictures,
                                            const torch::Tensor& captions, double scale, bool train_bar) {
  const auto c = captions.detach().to(torch::kFloat32);
  const auto imagined_cos = (imagined * c).sum(1);
  const auto picture_cos = ((train_bar ? pictures : pictures.detach()).to(torch::kFloat32) * c).sum(1);
  ImaginedNegativeLoss out;
  // The picture's similarity is the bar: an imagination the tower likes less than the picture
  // costs little, one it likes more costs about scale * the difference.
  out.loss = torch::nn::functional::softplus(scale * (imagined_cos - picture_cos)).mean();
  out.imagined_similarity = imagined_cos.mean().item<double>();
  out.picture_similarity = picture_cos.detach().mean().item<double>();
  return out;
}

}  // namespace brivl
