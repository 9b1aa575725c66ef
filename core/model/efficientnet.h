#pragma once
// EfficientNet B0-B8/L2 feature extractor (timm 0.4.9 layout and parameter names), used as the
// BriVL image backbone. Only `forward_features` is needed: the classifier is not built.
// Ref: timm 0.4.9 models/efficientnet.py EfficientNet.forward_features,
//      models/efficientnet_blocks.py DepthwiseSeparableConv, InvertedResidual, SqueezeExcite.
#include <torch/torch.h>

#include "model/batchnorm_deviation.h"
#include "model/config.h"
#include "model/efficientnet_layout.h"
#include "model/layers.h"

namespace brivl {

struct EfficientNetOptions {
  static EfficientNetOptions from_spec(const EfficientNetSpec& spec);
  TORCH_ARG(double, channel_multiplier) = 1.0;
  TORCH_ARG(double, depth_multiplier) = 1.0;
  TORCH_ARG(int64_t, num_features) = 1280;  // conv_head width
  TORCH_ARG(bool, tf_same_padding) = true;  // tf_* variants
  TORCH_ARG(double, bn_eps) = 1e-3;
};

// spatial mean -> conv_reduce -> SiLU -> conv_expand -> sigmoid gate.
class SqueezeExciteImpl : public torch::nn::Module {
 public:
  SqueezeExciteImpl(int64_t channels, int64_t reduced);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv_reduce{nullptr}, conv_expand{nullptr};
};
TORCH_MODULE(SqueezeExcite);

// Common base so a stage can run blocks of both kinds.
class EfficientNetBlock : public torch::nn::Module {
 public:
  // `deviation` (may be null) is told every BatchNorm's output.
  virtual torch::Tensor forward(const torch::Tensor& x, BatchNormDeviation* deviation) = 0;
  virtual void fold_batchnorm() = 0;
};

class DepthwiseSeparableBlock : public EfficientNetBlock {
 public:
  DepthwiseSeparableBlock(const BlockLayout& layout, const EfficientNetOptions& options);
  torch::Tensor forward(const torch::Tensor& x, BatchNormDeviation* deviation) override;
  void fold_batchnorm() override;

 private:
  PaddedConv2d conv_dw_{nullptr}, conv_pw_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  SqueezeExcite se_{nullptr};
  bool residual_ = false, folded_ = false;
};

class InvertedResidualBlock : public EfficientNetBlock {
 public:
  InvertedResidualBlock(const BlockLayout& layout, const EfficientNetOptions& options);
  torch::Tensor forward(const torch::Tensor& x, BatchNormDeviation* deviation) override;
  void fold_batchnorm() override;

 private:
  PaddedConv2d conv_pw_{nullptr}, conv_dw_{nullptr}, conv_pwl_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
  SqueezeExcite se_{nullptr};
  bool residual_ = false, folded_ = false;
};

class EfficientNetImpl : public torch::nn::Module {
 public:
  explicit EfficientNetImpl(const EfficientNetOptions& options);
  // x: [B, 3, H, W] -> [B, num_features, ceil(H/32), ceil(W/32)]. `deviation` (may be null) is
  // told every BatchNorm's output (imagination's feature-statistics prior); passed along, not
  // stored, so a model shared between threads stays stateless.
  torch::Tensor forward_features(const torch::Tensor& x, BatchNormDeviation* deviation = nullptr);
  torch::Tensor forward(const torch::Tensor& x) { return forward_features(x); }
  // Folds every frozen BatchNorm into its convolution: fewer passes over memory at inference.
  // Irreversible and only valid in eval mode; the module can no longer be trained or saved.
  void fold_batchnorm();
  bool batchnorm_folded() const { return folded_; }
  // Stores convolution weights channels-last and runs the backbone in that layout: oneDNN's
  // (and cuDNN's) depthwise kernels are about 2x faster in NHWC. Same numbers up to rounding.
  void use_channels_last();
  // timm's initialisation (_init_weight_goog): convolutions He-normal over fan-out (depthwise:
  // fan-out of one group), BatchNorm weight 1 / bias 0. Needed to train from scratch: LibTorch's
  // default init shrinks activations layer by layer into denormal floats, which learn poorly and
  // run 10-100x slower on x86.
  void init_weights_like_timm();
  const EfficientNetLayout& layout() const { return layout_; }

 private:
  EfficientNetOptions options_;
  EfficientNetLayout layout_;
  PaddedConv2d conv_stem_{nullptr}, conv_head_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  std::vector<std::shared_ptr<EfficientNetBlock>> blocks_;
  bool folded_ = false;
  bool channels_last_ = false;
};
TORCH_MODULE(EfficientNet);

}  // namespace brivl
