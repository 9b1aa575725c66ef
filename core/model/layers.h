#pragma once
// Small building blocks shared by the towers, named like their PyTorch counterparts so that
// parameters register under the official checkpoint keys.
#include <memory>

#include <torch/torch.h>

namespace brivl {

class DynamicInt8Linear;

// While alive (on this thread), new parameters of our modules are left uninitialised instead of
// drawn at random: for models whose weights are about to be loaded from a checkpoint. Random
// initialisation of the released layout costs ~1.2 s, more than reading its weights.
class SkipInitGuard {
 public:
  SkipInitGuard();
  ~SkipInitGuard();
  SkipInitGuard(const SkipInitGuard&) = delete;
  SkipInitGuard& operator=(const SkipInitGuard&) = delete;
  static bool active();

 private:
  bool previous_;
};

// nn.Linear (weight [out, in], bias [out]) with torch's default initialisation unless skipped.
class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, bool with_bias = true);
  torch::Tensor forward(const torch::Tensor& x);
  // Inference from here on in dynamic int8 (model/dynamic_int8.h); the float weights stay, so
  // the state dict is unchanged.
  void quantize_dynamic_int8();
  bool is_int8() const { return int8_ != nullptr; }
  torch::Tensor weight, bias;

 private:
  std::shared_ptr<const DynamicInt8Linear> int8_;
};
TORCH_MODULE(Linear);

// nn.Embedding (weight [num, dim], N(0, 1) initialisation unless skipped).
class EmbeddingImpl : public torch::nn::Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t dim);
  torch::Tensor forward(const torch::Tensor& ids) { return torch::embedding(weight, ids); }
  torch::Tensor weight;
};
TORCH_MODULE(Embedding);

// Conv2d without bias-or-with, padded either like TF "SAME" (computed from the input size; the
// odd pixel goes right/bottom) or symmetrically with k // 2.
// Ref: timm 0.4.9 layers/conv2d_same.py `conv2d_same`, layers/padding.py `get_padding`.
struct PaddedConv2dOptions {
  PaddedConv2dOptions(int64_t in, int64_t out, int64_t kernel) : in_channels_(in), out_channels_(out), kernel_(kernel) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, kernel);
  TORCH_ARG(int64_t, stride) = 1;
  TORCH_ARG(int64_t, groups) = 1;
  TORCH_ARG(bool, bias) = false;
  TORCH_ARG(bool, tf_same) = true;
};

class PaddedConv2dImpl : public torch::nn::Module {
 public:
  explicit PaddedConv2dImpl(const PaddedConv2dOptions& options);
  // x: [B, Cin, H, W] -> [B, Cout, ceil(H/s), ceil(W/s)]
  torch::Tensor forward(const torch::Tensor& x);
  // Folds a following frozen BatchNorm into this convolution (inference only).
  void fold_batchnorm(const torch::nn::BatchNorm2d& bn);
  const PaddedConv2dOptions& options() const { return options_; }
  torch::Tensor weight;
  torch::Tensor bias;  // undefined unless options.bias() or after folding

 private:
  PaddedConv2dOptions options_;
};
TORCH_MODULE(PaddedConv2d);

// Returns the TF "SAME" total padding along one axis.
int64_t tf_same_padding(int64_t input, int64_t kernel, int64_t stride, int64_t dilation = 1);

// Two linear layers with a ReLU between them (the official `FakeTransformer`).
// Ref: brivl-nmi models/fakeTransformer.py
class FakeTransformerImpl : public torch::nn::Module {
 public:
  FakeTransformerImpl(int64_t input_dim, int64_t hidden_dim, int64_t output_dim);
  torch::Tensor forward(const torch::Tensor& x);
  Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(FakeTransformer);

// nn.TransformerEncoderLayer(d_model, nhead) with PyTorch defaults: post-norm, ReLU, feed-forward
// 2048 whatever d_model is, LayerNorm eps 1e-5. Parameter names match the official keys.
// Ref: torch/nn/modules/transformer.py TransformerEncoderLayer._sa_block/_ff_block (torch 1.13).
class TransformerEncoderLayerImpl : public torch::nn::Module {
 public:
  TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead, int64_t dim_feedforward = 2048);
  // x: [B, L, E] (batch first internally; the official sequence-first layout gives the same
  // numbers); key_padding_mask: [B, L] bool, true = ignored key, or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask = {});

  torch::Tensor in_proj_weight, in_proj_bias;  // registered on `self_attn`
  Linear out_proj{nullptr}, linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};

 private:
  torch::Tensor self_attention(const torch::Tensor& x, const torch::Tensor& key_padding_mask);
  int64_t nhead_;
};
TORCH_MODULE(TransformerEncoderLayer);

// nn.TransformerEncoder: `layers.<i>` stacked without a final norm.
class TransformerEncoderImpl : public torch::nn::Module {
 public:
  TransformerEncoderImpl(int64_t d_model, int64_t nhead, int64_t num_layers);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& key_padding_mask = {});
  std::vector<TransformerEncoderLayer> layer_list;
};
TORCH_MODULE(TransformerEncoder);

// Mean over dim 1 weighted by a {0,1} mask: x [B, L, E], mask [B, L] -> [B, E].
torch::Tensor masked_mean(const torch::Tensor& x, const torch::Tensor& mask);

}  // namespace brivl
