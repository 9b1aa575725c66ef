#include "train/moco.h"

#include "util/error.h"

namespace brivl {
namespace F = torch::nn::functional;

MoCoBriVLImpl::MoCoBriVLImpl(const ModelConfig& config) {
  imgencoder = register_module("imgencoder", ImageEncoder(config));
  imgencoder_mom = register_module("imgencoder_mom", ImageEncoder(config));
  textencoder = register_module("textencoder", TextEncoder(config));
  textencoder_mom = register_module("textencoder_mom", TextEncoder(config));
}

void MoCoBriVLImpl::copy_online_to_momentum() {
  torch::NoGradGuard no_grad;
  auto copy = [](torch::nn::Module& from, torch::nn::Module& to) {
    auto src = from.named_parameters(), dst = to.named_parameters();
    for (auto& p : src) dst[p.key()].copy_(p.value());
    auto bsrc = from.named_buffers(), bdst = to.named_buffers();
    for (auto& b : bsrc) bdst[b.key()].copy_(b.value());
  };
  copy(*imgencoder, *imgencoder_mom);
  copy(*textencoder, *textencoder_mom);
  for (auto* m : {static_cast<torch::nn::Module*>(imgencoder_mom.get()), static_cast<torch::nn::Module*>(textencoder_mom.get())})
    for (auto& p : m->parameters()) p.set_requires_grad(false);
}

void MoCoBriVLImpl::momentum_update(double m) {
  torch::NoGradGuard no_grad;
  auto update = [m](torch::nn::Module& q, torch::nn::Module& k) {
    const auto qs = q.parameters(), ks = k.parameters();
    for (size_t i = 0; i < qs.size(); ++i) ks[i].mul_(m).add_(qs[i].detach(), 1.0 - m);
  };
  update(*imgencoder, *imgencoder_mom);
  update(*textencoder, *textencoder_mom);
}

FeatureQueue::FeatureQueue(int64_t capacity, int64_t dim, const torch::Device& device)
    : features(torch::zeros({capacity, dim}, torch::TensorOptions().device(device))), captions(capacity, 0) {}

void FeatureQueue::enqueue(const torch::Tensor& keys, const std::vector<uint64_t>& caption_keys) {
  const int64_t K = capacity(), B = keys.size(0);
  if (K == 0) return;
  BRIVL_CHECK(static_cast<int64_t>(caption_keys.size()) == B, "FeatureQueue::enqueue: ", B, " keys but ",
              caption_keys.size(), " caption keys");
  torch::NoGradGuard no_grad;
  const auto k = keys.detach().to(features.dtype());
  // Only the newest K rows matter when a batch is larger than the queue.
  const int64_t first = std::max<int64_t>(0, B - K);
  for (int64_t i = first; i < B;) {
    const int64_t n = std::min(B - i, K - ptr);
    features.narrow(0, ptr, n).copy_(k.narrow(0, i, n));
    for (int64_t j = 0; j < n; ++j) captions[ptr + j] = caption_keys[i + j];
    ptr = (ptr + n) % K;
    filled = std::min(K, filled + n);
    i += n;
  }
}

torch::Tensor FeatureQueue::filled_features() const {
  // Entries fill from 0 upward until the queue first wraps, so the filled part is a prefix.
  return filled == capacity() ? features : features.narrow(0, 0, filled);
}

namespace {
// [B, N] mask (true = excluded) of queue entries carrying the query's caption.
torch::Tensor same_caption_mask(const std::vector<uint64_t>& query, const std::vector<uint64_t>& entries, int64_t n,
                                const torch::Device& device) {
  const int64_t B = static_cast<int64_t>(query.size());
  auto mask = torch::zeros({B, n}, torch::kBool);
  auto* m = mask.data_ptr<bool>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < n; ++j) m[b * n + j] = entries[j] == query[b];
  return mask.to(device);
}

// Cross-entropy with the positive in column 0.
torch::Tensor ce_first(const torch::Tensor& logits) {
  return F::cross_entropy(logits, torch::zeros({logits.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(logits.device())));
}

torch::Tensor moco_direction(const torch::Tensor& q, const torch::Tensor& k_pos, const FeatureQueue& queue,
                             const std::vector<uint64_t>& captions, const ContrastiveOptions& o) {
  const auto pos = (q * k_pos).sum(-1, true);  // [B, 1]
  if (queue.filled == 0) return ce_first(pos / o.temperature);  // zero loss: nothing to contrast yet
  auto neg = torch::matmul(q, queue.filled_features().t().to(q.dtype()));  // [B, N]
  if (o.mask_same_text) neg = neg.masked_fill(same_caption_mask(captions, queue.captions, queue.filled, q.device()), -1e4);
  return ce_first(torch::cat({pos, neg}, 1) / o.temperature);
}
}  // namespace

ContrastiveLoss contrastive_loss(const torch::Tensor& q_img, const torch::Tensor& q_txt, const torch::Tensor& k_img,
                                 const torch::Tensor& k_txt, const FeatureQueue& image_queue,
                                 const FeatureQueue& text_queue, const std::vector<uint64_t>& captions,
                                 const ContrastiveOptions& o) {
  const int64_t B = q_img.size(0);
  BRIVL_CHECK(static_cast<int64_t>(captions.size()) == B, "contrastive_loss: ", B, " samples but ", captions.size(), " captions");
  auto i2t = torch::zeros({}, q_img.options()), t2i = torch::zeros({}, q_img.options());
  if (o.moco_weight > 0) {
    i2t = i2t + o.moco_weight * moco_direction(q_img, k_txt, text_queue, captions, o);
    t2i = t2i + o.moco_weight * moco_direction(q_txt, k_img, image_queue, captions, o);
  }
  const auto sim = torch::matmul(q_img, q_txt.t());  // [B, B], rows images, columns texts
  // Off-diagonal pairs sharing the caption are positives too: leave them out of the negatives.
  auto same = torch::zeros({B, B}, torch::kBool);
  auto* sp = same.data_ptr<bool>();
  for (int64_t a = 0; a < B; ++a)
    for (int64_t b = 0; b < B; ++b) sp[a * B + b] = a != b && captions[a] == captions[b];
  same = same.to(q_img.device());
  if (o.in_batch_weight > 0) {
    const auto target = torch::arange(B, torch::TensorOptions().dtype(torch::kLong).device(q_img.device()));
    auto logits = sim / o.temperature;
    if (o.mask_same_text) logits = logits.masked_fill(same, -1e4);
    i2t = i2t + o.in_batch_weight * F::cross_entropy(logits, target);
    t2i = t2i + o.in_batch_weight * F::cross_entropy(logits.t(), target);
  }
  ContrastiveLoss out;
  out.loss = (i2t + t2i) / 2;
  out.loss_i2t = i2t.item<double>();
  out.loss_t2i = t2i.item<double>();
  {
    torch::NoGradGuard no_grad;
    const auto s = sim.detach().to(torch::kFloat32);
    out.positive_similarity = s.diagonal().mean().item<double>();
    const auto off = torch::ones({B, B}, torch::kBool).to(s.device()).logical_xor(torch::eye(B, torch::kBool).to(s.device())).logical_and(same.logical_not());
    out.negative_similarity = off.any().item<bool>() ? s.masked_select(off).mean().item<double>() : 0.0;
  }
  return out;
}

}  // namespace brivl
