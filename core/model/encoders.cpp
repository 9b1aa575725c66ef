#include "model/encoders.h"

#include <sstream>

namespace brivl {
namespace F = torch::nn::functional;

torch::Tensor image_boxes(int64_t img_size, int64_t box_grid) {
  auto boxes = torch::empty({box_grid * box_grid + 1, 4}, torch::kFloat64);
  auto a = boxes.accessor<double, 2>();
  const double cell = static_cast<double>(img_size) / static_cast<double>(box_grid);
  int64_t n = 0;
  for (int64_t i = 0; i < box_grid; ++i) {
    for (int64_t j = 0; j < box_grid; ++j, ++n) {
      a[n][0] = static_cast<double>(i) * cell;
      a[n][1] = static_cast<double>(j) * cell;
      a[n][2] = static_cast<double>(i + 1) * cell;
      a[n][3] = static_cast<double>(j + 1) * cell;
    }
  }
  a[n][0] = 0;
  a[n][1] = 0;
  a[n][2] = static_cast<double>(img_size);
  a[n][3] = static_cast<double>(img_size);
  return boxes;
}

torch::Tensor roi_sampling_grid(const ModelConfig& config, int64_t h, int64_t w) {
  // Ref: ImgLearnableEncoder.roi_grid_pool. theta is built in float64 and cast to float32.
  const auto boxes = image_boxes(config.img_size, config.box_grid) / (static_cast<double>(config.img_size) / h);
  const auto x1 = boxes.select(1, 0), y1 = boxes.select(1, 1), x2 = boxes.select(1, 2), y2 = boxes.select(1, 3);
  const double wm1 = static_cast<double>(w - 1), hm1 = static_cast<double>(h - 1);
  const auto zero = torch::zeros_like(x1);
  const auto theta = torch::stack({(x2 - x1) / wm1, zero, (x1 + x2 - wm1) / wm1,
                                   zero, (y2 - y1) / hm1, (y1 + y2 - hm1) / hm1}, 1)
                         .view({-1, 2, 3})
                         .to(torch::kFloat32);
  const int64_t G = config.grid_size;
  return F::affine_grid(theta, {theta.size(0), 1, G, G}, /*align_corners=*/false);
}

torch::Tensor roi_pooling_matrix(const ModelConfig& config, int64_t h, int64_t w) {
  torch::NoGradGuard no_grad;
  const auto grid = roi_sampling_grid(config, h, w);  // [N, G, G, 2]
  const int64_t N = grid.size(0), G = config.grid_size;
  // Sample the identity "feature map" (one channel per position) at all N*G*G points at once.
  const auto basis = torch::eye(h * w, torch::kFloat32).view({1, h * w, h, w});
  const auto sampled = F::grid_sample(basis, grid.reshape({1, N * G, G, 2}),
                                      F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
  return sampled.view({h * w, N, G * G}).mean(-1);  // [h*w, N]
}

ImageHeadImpl::ImageHeadImpl(const ModelConfig& c) {
  const int64_t D = c.img_feature_dim;
  imgFC = register_module("imgFC", FakeTransformer(D, D, D));
  imgAtt = register_module("imgAtt", TransformerEncoder(D, c.img_transformer_head, c.img_transformer_layer));
  pool_conv = PaddedConv2d(PaddedConv2dOptions(D, D, 1).bias(true));
  max_pool = register_module("max_pool", torch::nn::Sequential(pool_conv, torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(c.grid_size).stride(1))));
}

ImageEncoderImpl::ImageEncoderImpl(const ModelConfig& config) : config_(config) {
  backbone = register_module("backbone", EfficientNet(EfficientNetOptions::from_spec(config.cnn_spec)));
  learnable = register_module("learnable", ImageHead(config));
}

torch::Tensor ImageEncoderImpl::pooling_matrix(int64_t h, int64_t w, const torch::TensorOptions& options) {
  std::ostringstream where;
  where << options.device() << "/" << options.dtype();
  const auto key = std::make_tuple(h, w, where.str());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  auto it = pooling_cache_.find(key);
  if (it == pooling_cache_.end()) {
    // A normal (non-inference) tensor, so a cached matrix can later serve autograd too.
    c10::InferenceMode not_inference(false);
    it = pooling_cache_.emplace(key, roi_pooling_matrix(config_, h, w).to(options)).first;
  }
  return it->second;
}

torch::Tensor ImageEncoderImpl::region_features(const torch::Tensor& fmap) {
  const int64_t B = fmap.size(0), C = fmap.size(1), h = fmap.size(2), w = fmap.size(3);
  // Bilinear weights stay float32 in any model precision (as grid_sample computes them).
  const auto M = pooling_matrix(h, w, fmap.options().dtype(torch::kFloat32));                   // [h*w, N]
  const auto sampled = torch::matmul(fmap.reshape({B, C, h * w}).to(torch::kFloat32), M).to(fmap.dtype());  // [B, C, N]
  auto& conv = learnable->pool_conv;
  // 1x1 conv after the average == before it (both linear): [B, N, C] x W^T + b.
  return torch::linear(sampled.transpose(1, 2), conv->weight.view({C, C}), conv->bias);
}

torch::Tensor ImageEncoderImpl::head(const torch::Tensor& regions) {
  auto x = F::normalize(regions, F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12));
  // Every region is valid (the official mask is all ones): no key padding, a plain mean.
  x = learnable->imgAtt(x);
  return learnable->imgFC(x.mean(1));
}

torch::Tensor ImageEncoderImpl::forward(const torch::Tensor& images, BatchNormDeviation* deviation) {
  return head(region_features(backbone->forward_features(images, deviation)));
}

TextBackboneImpl::TextBackboneImpl(const ModelConfig& c)
    : bert(register_module("bert", BertModel(BertOptions::from_spec(c.bert)))) {}

TextHeadImpl::TextHeadImpl(const ModelConfig& c) {
  textFC = register_module("textFC", FakeTransformer(c.text_feature_dim, c.img_feature_dim, c.img_feature_dim));
  textAtt = register_module("textAtt", TransformerEncoder(c.text_feature_dim, c.text_transformer_head, c.text_transformer_layer));
}

TextEncoderImpl::TextEncoderImpl(const ModelConfig& c)
    : backbone(register_module("backbone", TextBackbone(c))), learnable(register_module("learnable", TextHead(c))) {}

torch::Tensor TextEncoderImpl::head(const torch::Tensor& tokens, const torch::Tensor& mask) {
  auto x = F::normalize(tokens, F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12));
  x = learnable->textAtt(x, mask.eq(0));
  return learnable->textFC(masked_mean(x, mask));
}

torch::Tensor TextEncoderImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& mask) {
  return head(backbone->bert(input_ids), mask);
}

}  // namespace brivl
