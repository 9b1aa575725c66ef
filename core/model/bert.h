#pragma once
// BERT encoder with HuggingFace parameter names (`embeddings.*`, `encoder.layer.<i>.*`), called the
// way BriVL calls it: no attention mask (padding positions are attended to), token types 0,
// positions 0..L-1, exact (erf) GELU. The pooler is not built: BriVL uses last_hidden_state.
// Ref: transformers 4.6.1 models/bert/modeling_bert.py BertEmbeddings, BertLayer, BertModel.
#include <torch/torch.h>

#include "model/config.h"
#include "model/layers.h"

namespace brivl {

struct BertOptions {
  static BertOptions from_spec(const BertSpec& spec);
  TORCH_ARG(int64_t, vocab_size) = 21128;
  TORCH_ARG(int64_t, hidden_size) = 768;
  TORCH_ARG(int64_t, num_layers) = 12;
  TORCH_ARG(int64_t, num_heads) = 12;
  TORCH_ARG(int64_t, intermediate_size) = 3072;
  TORCH_ARG(int64_t, max_position) = 512;
  TORCH_ARG(int64_t, type_vocab_size) = 2;
  TORCH_ARG(double, layer_norm_eps) = 1e-12;
};

class BertEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit BertEmbeddingsImpl(const BertOptions& o);
  // input_ids: [B, L] int64 -> [B, L, H]
  torch::Tensor forward(const torch::Tensor& input_ids);
  Embedding word_embeddings{nullptr}, position_embeddings{nullptr}, token_type_embeddings{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
};
TORCH_MODULE(BertEmbeddings);

class BertLayerImpl : public torch::nn::Module {
 public:
  explicit BertLayerImpl(const BertOptions& o);
  // x: [B, L, H] -> [B, L, H]
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t heads_;
  Linear query_{nullptr}, key_{nullptr}, value_{nullptr}, attn_out_{nullptr};
  Linear intermediate_{nullptr}, output_{nullptr};
  torch::nn::LayerNorm attn_norm_{nullptr}, output_norm_{nullptr};
};
TORCH_MODULE(BertLayer);

class BertModelImpl : public torch::nn::Module {
 public:
  explicit BertModelImpl(const BertOptions& o);
  // input_ids: [B, L] int64 -> last_hidden_state [B, L, H]
  torch::Tensor forward(const torch::Tensor& input_ids);
  BertEmbeddings embeddings{nullptr};
  std::vector<BertLayer> layers;
};
TORCH_MODULE(BertModel);

}  // namespace brivl
