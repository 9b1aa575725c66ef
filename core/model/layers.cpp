#include "model/layers.h"

#include <cmath>

#include "model/dynamic_int8.h"

namespace brivl {
namespace F = torch::nn::functional;

namespace {
thread_local bool skip_init = false;

// torch's default for Linear/Conv: kaiming_uniform(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
torch::Tensor uniform_fan_in(std::vector<int64_t> shape, int64_t fan_in) {
  auto t = torch::empty(shape);
  if (!skip_init) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(fan_in, 1)));
    t.uniform_(-bound, bound);
  }
  return t;
}
}  // namespace

SkipInitGuard::SkipInitGuard() : previous_(skip_init) { skip_init = true; }
SkipInitGuard::~SkipInitGuard() { skip_init = previous_; }
bool SkipInitGuard::active() { return skip_init; }

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool with_bias) {
  weight = register_parameter("weight", uniform_fan_in({out_features, in_features}, in_features));
  if (with_bias) bias = register_parameter("bias", uniform_fan_in({out_features}, in_features));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  return int8_ ? int8_->forward(x).to(x.dtype()) : torch::linear(x, weight, bias);
}

void LinearImpl::quantize_dynamic_int8() { int8_ = std::make_shared<const DynamicInt8Linear>(weight, bias); }

EmbeddingImpl::EmbeddingImpl(int64_t num_embeddings, int64_t dim) {
  weight = register_parameter("weight", torch::empty({num_embeddings, dim}));
  if (!skip_init) torch::nn::init::normal_(weight);
}

int64_t tf_same_padding(int64_t input, int64_t kernel, int64_t stride, int64_t dilation) {
  const int64_t out = (input + stride - 1) / stride;
  return std::max<int64_t>((out - 1) * stride + (kernel - 1) * dilation + 1 - input, 0);
}

PaddedConv2dImpl::PaddedConv2dImpl(const PaddedConv2dOptions& options) : options_(options) {
  const int64_t fan_in = options.in_channels() / options.groups() * options.kernel() * options.kernel();
  weight = register_parameter("weight", uniform_fan_in({options.out_channels(), options.in_channels() / options.groups(),
                                                        options.kernel(), options.kernel()},
                                                       fan_in));
  if (options.bias()) bias = register_parameter("bias", uniform_fan_in({options.out_channels()}, fan_in));
}

torch::Tensor PaddedConv2dImpl::forward(const torch::Tensor& x) {
  const int64_t k = options_.kernel(), s = options_.stride();
  auto conv = F::Conv2dFuncOptions().stride(s).groups(options_.groups());
  if (bias.defined()) conv.bias(bias);
  if (!options_.tf_same()) return F::conv2d(x, weight, conv.padding(k / 2));
  const int64_t ph = tf_same_padding(x.size(2), k, s), pw = tf_same_padding(x.size(3), k, s);
  if (ph == 0 && pw == 0) return F::conv2d(x, weight, conv);
  if (ph % 2 == 0 && pw % 2 == 0) return F::conv2d(x, weight, conv.padding(torch::ExpandingArray<2>({ph / 2, pw / 2})));
  const auto padded = F::pad(x, F::PadFuncOptions({pw / 2, pw - pw / 2, ph / 2, ph - ph / 2}));
  return F::conv2d(padded, weight, conv);
}

void PaddedConv2dImpl::fold_batchnorm(const torch::nn::BatchNorm2d& bn) {
  torch::NoGradGuard no_grad;
  const auto scale = bn->weight / torch::sqrt(bn->running_var + bn->options.eps());
  const auto shift = bn->bias - bn->running_mean * scale;
  weight.mul_(scale.reshape({-1, 1, 1, 1}));
  if (bias.defined()) {
    bias.mul_(scale).add_(shift);
  } else {
    bias = register_parameter("bias", shift.clone());  // registered so that .to() moves it
  }
}

FakeTransformerImpl::FakeTransformerImpl(int64_t input_dim, int64_t hidden_dim, int64_t output_dim)
    : fc1(register_module("fc1", Linear(input_dim, hidden_dim))),
      fc2(register_module("fc2", Linear(hidden_dim, output_dim))) {}

torch::Tensor FakeTransformerImpl::forward(const torch::Tensor& x) { return fc2(torch::relu(fc1(x))); }

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead, int64_t dim_feedforward)
    : nhead_(nhead) {
  auto self_attn = register_module("self_attn", std::make_shared<torch::nn::Module>());
  in_proj_weight = self_attn->register_parameter("in_proj_weight", torch::empty({3 * d_model, d_model}));
  in_proj_bias = self_attn->register_parameter("in_proj_bias", torch::zeros({3 * d_model}));
  if (!SkipInitGuard::active()) torch::nn::init::xavier_uniform_(in_proj_weight);  // as nn.MultiheadAttention
  out_proj = self_attn->register_module("out_proj", Linear(d_model, d_model));
  linear1 = register_module("linear1", Linear(d_model, dim_feedforward));
  linear2 = register_module("linear2", Linear(dim_feedforward, d_model));
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model}).eps(1e-5)));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model}).eps(1e-5)));
}

torch::Tensor TransformerEncoderLayerImpl::self_attention(const torch::Tensor& x, const torch::Tensor& key_padding_mask) {
  const int64_t B = x.size(0), L = x.size(1), E = x.size(2), d = E / nhead_;
  // qkv: [B, L, 3E] -> 3 x [B, H, L, d]
  auto qkv = torch::linear(x, in_proj_weight, in_proj_bias).view({B, L, 3, nhead_, d}).permute({2, 0, 3, 1, 4});
  auto q = qkv[0] / std::sqrt(static_cast<double>(d));
  auto scores = torch::matmul(q, qkv[1].transpose(-2, -1));  // [B, H, L, L]
  if (key_padding_mask.defined()) {
    scores = scores.masked_fill(key_padding_mask.view({B, 1, 1, L}), -std::numeric_limits<float>::infinity());
  }
  auto context = torch::matmul(torch::softmax(scores, -1), qkv[2]);  // [B, H, L, d]
  return out_proj(context.transpose(1, 2).reshape({B, L, E}));
}

torch::Tensor TransformerEncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask) {
  auto h = norm1(x + self_attention(x, key_padding_mask));
  return norm2(h + linear2(torch::relu(linear1(h))));
}

TransformerEncoderImpl::TransformerEncoderImpl(int64_t d_model, int64_t nhead, int64_t num_layers) {
  auto layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) {
    layer_list.emplace_back(d_model, nhead);
    layers->push_back(layer_list.back());
  }
}

torch::Tensor TransformerEncoderImpl::forward(torch::Tensor x, const torch::Tensor& key_padding_mask) {
  for (auto& layer : layer_list) x = layer(x, key_padding_mask);
  return x;
}

torch::Tensor masked_mean(const torch::Tensor& x, const torch::Tensor& mask) {
  const auto w = mask.to(x.dtype()).unsqueeze(-1);  // [B, L, 1]
  return (x * w).sum(1) / w.sum(1);
}

}  // namespace brivl
