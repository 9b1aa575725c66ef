#pragma once
// The two BriVL towers with the official module tree:
//   imgencoder.backbone.*  (EfficientNet)   imgencoder.learnable.{imgFC, imgAtt, max_pool}
//   textencoder.backbone.bert.* (BERT)      textencoder.learnable.{textFC, textAtt}
// Ref: brivl-nmi models/vl_model.py ImgLearnableEncoder, TextLearnableEncoder.
#include <torch/torch.h>

#include <map>
#include <mutex>
#include <tuple>

#include "model/bert.h"
#include "model/config.h"
#include "model/efficientnet.h"
#include "model/layers.h"

namespace brivl {

// The 37 regions of datasets.ImageData: a BOX_GRID x BOX_GRID grid (x from the OUTER index, as
// the official loop does) then the whole image; [num_boxes, 4] float64 (x1, y1, x2, y2).
torch::Tensor image_boxes(int64_t img_size, int64_t box_grid);

// Affine sampling grids of roi_grid_pool for a feature map of h x w: [num_boxes, G, G, 2].
// Mirrors the official theta (with its align_corners=True style (w-1) normalisation) and
// affine_grid(align_corners=False).
torch::Tensor roi_sampling_grid(const ModelConfig& config, int64_t h, int64_t w);

// roi_grid_pool followed by the head's average pool, as one linear map from the feature map's
// h*w positions to the boxes: [h*w, num_boxes]. Sampling is linear in the features, so pooling
// with this matrix equals grid_sample on the 37x expanded map followed by the average.
torch::Tensor roi_pooling_matrix(const ModelConfig& config, int64_t h, int64_t w);

class ImageHeadImpl : public torch::nn::Module {
 public:
  explicit ImageHeadImpl(const ModelConfig& config);
  FakeTransformer imgFC{nullptr};
  TransformerEncoder imgAtt{nullptr};
  torch::nn::Sequential max_pool{nullptr};  // Conv2d 1x1 + AvgPool2d(GRID_SIZE)
  PaddedConv2d pool_conv{nullptr};          // = max_pool[0]
};
TORCH_MODULE(ImageHead);

class ImageEncoderImpl : public torch::nn::Module {
 public:
  explicit ImageEncoderImpl(const ModelConfig& config);
  // images: [B, 3, S, S] normalized -> [B, IMG_FEATURE_DIM] (before the final L2 normalisation)
  torch::Tensor forward(const torch::Tensor& images, BatchNormDeviation* deviation = nullptr);
  // Steps of forward, exposed for tests against the official intermediates.
  torch::Tensor region_features(const torch::Tensor& feature_map);  // [B, C, h, w] -> [B, 37, C]
  torch::Tensor head(const torch::Tensor& region_features);         // [B, 37, C] -> [B, D]

  EfficientNet backbone{nullptr};
  ImageHead learnable{nullptr};

 private:
  torch::Tensor pooling_matrix(int64_t h, int64_t w, const torch::TensorOptions& options);
  ModelConfig config_;
  std::mutex cache_mutex_;
  std::map<std::tuple<int64_t, int64_t, std::string>, torch::Tensor> pooling_cache_;
};
TORCH_MODULE(ImageEncoder);

class TextBackboneImpl : public torch::nn::Module {
 public:
  explicit TextBackboneImpl(const ModelConfig& config);
  BertModel bert{nullptr};
};
TORCH_MODULE(TextBackbone);

class TextHeadImpl : public torch::nn::Module {
 public:
  explicit TextHeadImpl(const ModelConfig& config);
  FakeTransformer textFC{nullptr};
  TransformerEncoder textAtt{nullptr};
};
TORCH_MODULE(TextHead);

class TextEncoderImpl : public torch::nn::Module {
 public:
  explicit TextEncoderImpl(const ModelConfig& config);
  // input_ids: [B, L] int64, mask: [B, L] {0,1} (1 = real token) -> [B, IMG_FEATURE_DIM]
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& mask);
  torch::Tensor head(const torch::Tensor& token_features, const torch::Tensor& mask);  // [B, L, H] -> [B, D]

  TextBackbone backbone{nullptr};
  TextHead learnable{nullptr};
};
TORCH_MODULE(TextEncoder);

}  // namespace brivl
