#include "model/efficientnet.h"

namespace brivl {
namespace {

torch::nn::BatchNorm2d make_bn(int64_t channels, double eps) {
  return torch::nn::BatchNorm2d(torch::nn::BatchNormOptions(channels).eps(eps));
}

PaddedConv2dOptions conv_options(int64_t in, int64_t out, int64_t kernel, const EfficientNetOptions& o) {
  return PaddedConv2dOptions(in, out, kernel).tf_same(o.tf_same_padding());
}

// Applies bn unless it was folded into the preceding convolution; a deviation probe sees the
// result either way.
torch::Tensor maybe_bn(torch::nn::BatchNorm2d& bn, const torch::Tensor& x, bool folded, BatchNormDeviation* deviation) {
  auto y = folded ? x : bn(x);
  if (deviation != nullptr) deviation->add(bn, y);
  return y;
}

}  // namespace

EfficientNetOptions EfficientNetOptions::from_spec(const EfficientNetSpec& spec) {
  return EfficientNetOptions()
      .channel_multiplier(spec.channel_multiplier)
      .depth_multiplier(spec.depth_multiplier)
      .num_features(spec.num_features)
      .tf_same_padding(spec.tf_same_padding)
      .bn_eps(spec.bn_eps);
}

SqueezeExciteImpl::SqueezeExciteImpl(int64_t channels, int64_t reduced)
    : conv_reduce(register_module("conv_reduce", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, reduced, 1)))),
      conv_expand(register_module("conv_expand", torch::nn::Conv2d(torch::nn::Conv2dOptions(reduced, channels, 1)))) {}

torch::Tensor SqueezeExciteImpl::forward(const torch::Tensor& x) {
  auto s = x.mean({2, 3}, /*keepdim=*/true);
  s = conv_expand(torch::silu(conv_reduce(s)));
  return x * torch::sigmoid(s);
}

DepthwiseSeparableBlock::DepthwiseSeparableBlock(const BlockLayout& b, const EfficientNetOptions& o)
    : residual_(b.residual) {
  const int64_t c = b.in_channels;
  conv_dw_ = register_module("conv_dw", PaddedConv2d(conv_options(c, c, b.kernel, o).stride(b.stride).groups(c)));
  bn1_ = register_module("bn1", make_bn(c, o.bn_eps()));
  se_ = register_module("se", SqueezeExcite(c, b.se_channels));
  conv_pw_ = register_module("conv_pw", PaddedConv2d(conv_options(c, b.out_channels, 1, o)));
  bn2_ = register_module("bn2", make_bn(b.out_channels, o.bn_eps()));
}

torch::Tensor DepthwiseSeparableBlock::forward(const torch::Tensor& x, BatchNormDeviation* deviation) {
  auto h = torch::silu(maybe_bn(bn1_, conv_dw_(x), folded_, deviation));
  h = maybe_bn(bn2_, conv_pw_(se_(h)), folded_, deviation);
  return residual_ ? h + x : h;
}

void DepthwiseSeparableBlock::fold_batchnorm() {
  conv_dw_->fold_batchnorm(bn1_);
  conv_pw_->fold_batchnorm(bn2_);
  folded_ = true;
}

InvertedResidualBlock::InvertedResidualBlock(const BlockLayout& b, const EfficientNetOptions& o)
    : residual_(b.residual) {
  const int64_t mid = b.mid_channels;
  conv_pw_ = register_module("conv_pw", PaddedConv2d(conv_options(b.in_channels, mid, 1, o)));
  bn1_ = register_module("bn1", make_bn(mid, o.bn_eps()));
  conv_dw_ = register_module("conv_dw", PaddedConv2d(conv_options(mid, mid, b.kernel, o).stride(b.stride).groups(mid)));
  bn2_ = register_module("bn2", make_bn(mid, o.bn_eps()));
  se_ = register_module("se", SqueezeExcite(mid, b.se_channels));
  conv_pwl_ = register_module("conv_pwl", PaddedConv2d(conv_options(mid, b.out_channels, 1, o)));
  bn3_ = register_module("bn3", make_bn(b.out_channels, o.bn_eps()));
}

torch::Tensor InvertedResidualBlock::forward(const torch::Tensor& x, BatchNormDeviation* deviation) {
  auto h = torch::silu(maybe_bn(bn1_, conv_pw_(x), folded_, deviation));
  h = torch::silu(maybe_bn(bn2_, conv_dw_(h), folded_, deviation));
  h = maybe_bn(bn3_, conv_pwl_(se_(h)), folded_, deviation);
  return residual_ ? h + x : h;
}

void InvertedResidualBlock::fold_batchnorm() {
  conv_pw_->fold_batchnorm(bn1_);
  conv_dw_->fold_batchnorm(bn2_);
  conv_pwl_->fold_batchnorm(bn3_);
  folded_ = true;
}

EfficientNetImpl::EfficientNetImpl(const EfficientNetOptions& options)
    : options_(options),
      layout_(efficientnet_layout(options.channel_multiplier(), options.depth_multiplier(), options.num_features())) {
  conv_stem_ = register_module(
      "conv_stem", PaddedConv2d(conv_options(3, layout_.stem_channels, 3, options_).stride(2)));
  bn1_ = register_module("bn1", make_bn(layout_.stem_channels, options_.bn_eps()));
  auto stages = register_module("blocks", torch::nn::ModuleList());
  std::shared_ptr<torch::nn::ModuleListImpl> stage;
  for (const auto& b : layout_.blocks) {
    if (b.index == 0) {
      stage = std::make_shared<torch::nn::ModuleListImpl>();
      stages->push_back(stage);
    }
    std::shared_ptr<EfficientNetBlock> block;
    if (b.kind == BlockKind::kDepthwiseSeparable) {
      block = std::make_shared<DepthwiseSeparableBlock>(b, options_);
    } else {
      block = std::make_shared<InvertedResidualBlock>(b, options_);
    }
    stage->push_back(block);
    blocks_.push_back(block);
  }
  conv_head_ = register_module("conv_head", PaddedConv2d(conv_options(layout_.head_in_channels, layout_.num_features, 1, options_)));
  bn2_ = register_module("bn2", make_bn(layout_.num_features, options_.bn_eps()));
}

torch::Tensor EfficientNetImpl::forward_features(const torch::Tensor& x, BatchNormDeviation* deviation) {
  const auto input = channels_last_ ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
  auto h = torch::silu(maybe_bn(bn1_, conv_stem_(input), folded_, deviation));
  for (auto& block : blocks_) h = block->forward(h, deviation);
  return torch::silu(maybe_bn(bn2_, conv_head_(h), folded_, deviation));
}

void EfficientNetImpl::use_channels_last() {
  torch::NoGradGuard no_grad;
  for (auto& p : parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
  channels_last_ = true;
}

void EfficientNetImpl::fold_batchnorm() {
  if (folded_) return;
  TORCH_CHECK(!is_training(), "fold_batchnorm() needs eval mode");
  conv_stem_->fold_batchnorm(bn1_);
  for (auto& block : blocks_) block->fold_batchnorm();
  conv_head_->fold_batchnorm(bn2_);
  folded_ = true;
}

void EfficientNetImpl::init_weights_like_timm() {
  torch::NoGradGuard no_grad;
  for (auto& p : named_parameters()) {
    auto& w = p.value();
    if (w.dim() == 4) {
      const bool depthwise = w.size(1) == 1 && w.size(0) > 1;
      const double fan_out = static_cast<double>(w.size(2) * w.size(3) * (depthwise ? 1 : w.size(0)));
      w.normal_(0, std::sqrt(2.0 / fan_out));
    } else if (p.key().find("bn") != std::string::npos) {
      p.key().size() >= 6 && p.key().compare(p.key().size() - 6, 6, "weight") == 0 ? w.fill_(1.0) : w.zero_();
    } else if (w.dim() == 1) {
      w.zero_();  // convolution biases (squeeze-excite)
    }
  }
}

}  // namespace brivl
