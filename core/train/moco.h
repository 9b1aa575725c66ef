#pragma once
// The cross-modal MoCo of BriVL (Fei et al. 2022, Methods "Cross-modal contrastive learning"):
// online (query) encoders trained by gradient, momentum (key) encoders following them as
//   θk ← m·θk + (1 − m)·θq,
// and two queues of past momentum keys serving as negatives. Registered as the official
// `learnable` ModuleDict (imgencoder, imgencoder_mom, textencoder, textencoder_mom) so that the
// state dict is the released checkpoint layout.
// Ref: brivl-nmi models/vl_model.py VL_model (queues, init_param); MoCo (He et al. 2020).
#include <torch/torch.h>

#include <vector>

#include "model/config.h"
#include "model/encoders.h"

namespace brivl {

class MoCoBriVLImpl : public torch::nn::Module {
 public:
  explicit MoCoBriVLImpl(const ModelConfig& config);
  // Copies every online parameter and buffer into the momentum encoders (official init_param).
  void copy_online_to_momentum();
  // θk ← m·θk + (1 − m)·θq for every parameter (buffers are left to each encoder's own BN).
  void momentum_update(double m);

  ImageEncoder imgencoder{nullptr}, imgencoder_mom{nullptr};
  TextEncoder textencoder{nullptr}, textencoder_mom{nullptr};
};
TORCH_MODULE(MoCoBriVL);

// A FIFO of L2-normalised keys with the caption key each came with (to tell same-caption
// "negatives" apart). Starts empty: only filled entries are used, never random placeholders.
struct FeatureQueue {
  FeatureQueue() = default;
  FeatureQueue(int64_t capacity, int64_t dim, const torch::Device& device);
  // Adds rows of `keys` ([B, D], detached), overwriting the oldest entries when full.
  void enqueue(const torch::Tensor& keys, const std::vector<uint64_t>& caption_keys);
  // The filled part: [filled, D] and its caption keys.
  torch::Tensor filled_features() const;
  int64_t capacity() const { return features.defined() ? features.size(0) : 0; }

  torch::Tensor features;          // [capacity, D]
  std::vector<uint64_t> captions;  // [capacity]
  int64_t ptr = 0, filled = 0;
};

struct ContrastiveOptions {
  double temperature = 0.07;
  double moco_weight = 1.0;
  double in_batch_weight = 1.0;
  bool mask_same_text = true;
};

struct ContrastiveLoss {
  torch::Tensor loss;         // (i2t + t2i) / 2, for backward
  double loss_i2t = 0, loss_t2i = 0;
  double positive_similarity = 0, negative_similarity = 0;  // online image·text, in batch
};

// q_*: online embeddings [B, D] (with grad); k_*: momentum embeddings [B, D] (no grad);
// queues of past momentum keys. Image→text: the positive is the momentum key of the paired text,
// negatives the text queue; text→image the same the other way; plus the in-batch InfoNCE
// between the two online towers (which keeps them from collapsing when training from scratch).
ContrastiveLoss contrastive_loss(const torch::Tensor& q_img, const torch::Tensor& q_txt, const torch::Tensor& k_img,
                                 const torch::Tensor& k_txt, const FeatureQueue& image_queue,
                                 const FeatureQueue& text_queue, const std::vector<uint64_t>& caption_keys,
                                 const ContrastiveOptions& options);

}  // namespace brivl
