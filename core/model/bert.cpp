#include "model/bert.h"

#include <cmath>

#include "util/error.h"

namespace brivl {
namespace {

torch::nn::LayerNorm make_layer_norm(int64_t dim, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps));
}

}  // namespace

BertOptions BertOptions::from_spec(const BertSpec& s) {
  return BertOptions()
      .vocab_size(s.vocab_size)
      .hidden_size(s.hidden_size)
      .num_layers(s.num_layers)
      .num_heads(s.num_heads)
      .intermediate_size(s.intermediate_size)
      .max_position(s.max_position)
      .type_vocab_size(s.type_vocab_size)
      .layer_norm_eps(s.layer_norm_eps);
}

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertOptions& o)
    : word_embeddings(register_module("word_embeddings", Embedding(o.vocab_size(), o.hidden_size()))),
      position_embeddings(register_module("position_embeddings", Embedding(o.max_position(), o.hidden_size()))),
      token_type_embeddings(register_module("token_type_embeddings", Embedding(o.type_vocab_size(), o.hidden_size()))),
      LayerNorm(register_module("LayerNorm", make_layer_norm(o.hidden_size(), o.layer_norm_eps()))) {}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids) {
  const int64_t L = input_ids.size(1);
  BRIVL_CHECK(L <= position_embeddings->weight.size(0), "text of ", L, " tokens exceeds BERT's ",
              position_embeddings->weight.size(0), " positions");
  // (word + token_type 0) + position, in HF's order of additions.
  auto h = word_embeddings(input_ids) + token_type_embeddings->weight[0];
  h = h + position_embeddings->weight.narrow(0, 0, L);
  return LayerNorm(h);
}

BertLayerImpl::BertLayerImpl(const BertOptions& o) : heads_(o.num_heads()) {
  const int64_t H = o.hidden_size();
  auto attention = register_module("attention", std::make_shared<torch::nn::Module>());
  auto self = attention->register_module("self", std::make_shared<torch::nn::Module>());
  query_ = self->register_module("query", Linear(H, H));
  key_ = self->register_module("key", Linear(H, H));
  value_ = self->register_module("value", Linear(H, H));
  auto attn_output = attention->register_module("output", std::make_shared<torch::nn::Module>());
  attn_out_ = attn_output->register_module("dense", Linear(H, H));
  attn_norm_ = attn_output->register_module("LayerNorm", make_layer_norm(H, o.layer_norm_eps()));
  auto intermediate = register_module("intermediate", std::make_shared<torch::nn::Module>());
  intermediate_ = intermediate->register_module("dense", Linear(H, o.intermediate_size()));
  auto output = register_module("output", std::make_shared<torch::nn::Module>());
  output_ = output->register_module("dense", Linear(o.intermediate_size(), H));
  output_norm_ = output->register_module("LayerNorm", make_layer_norm(H, o.layer_norm_eps()));
}

torch::Tensor BertLayerImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), L = x.size(1), H = x.size(2), d = H / heads_;
  auto split = [&](const torch::Tensor& t) { return t.view({B, L, heads_, d}).transpose(1, 2); };  // [B, h, L, d]
  auto q = split(query_(x)), k = split(key_(x)), v = split(value_(x));
  // HF: scores = q k^T / sqrt(d); no mask (BriVL passes none), softmax, dropout (eval: none).
  auto scores = torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(d));
  auto context = torch::matmul(torch::softmax(scores, -1), v).transpose(1, 2).reshape({B, L, H});
  auto h = attn_norm_(attn_out_(context) + x);
  auto ff = output_(torch::gelu(intermediate_(h)));
  return output_norm_(ff + h);
}

BertModelImpl::BertModelImpl(const BertOptions& o)
    : embeddings(register_module("embeddings", BertEmbeddings(o))) {
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  auto layer_list = encoder->register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers(); ++i) {
    layers.emplace_back(o);
    layer_list->push_back(layers.back());
  }
}

torch::Tensor BertModelImpl::forward(const torch::Tensor& input_ids) {
  auto h = embeddings(input_ids);
  for (auto& layer : layers) h = layer(h);
  return h;
}

}  // namespace brivl
