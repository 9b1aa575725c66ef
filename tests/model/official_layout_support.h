#pragma once
// Random-weight models in the layout of the released BriVL files: an official cfg/*.yml for a
// backbone pair, and the checkpoint's full key set (momentum encoders, timm's classifier, BERT's
// pooler, position_ids). Shared by the layout tests and the robustify test.
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "io/checkpoint.h"
#include "model/brivl_model.h"

namespace brivl::test {

inline std::string official_yaml(const std::string& cnn, int64_t img_size, int64_t img_dim, const std::string& encoder,
                                 int64_t text_dim) {
  return "MODEL:\n  NAME: VL\n  ENCODER: '" + encoder + "'\n  TEXT_FEATURE_DIM: " + std::to_string(text_dim) +
         "\n  TEXT_TRANSFORMER_HEAD: 4\n  TEXT_TRANSFORMER_LAYER: 4\n  MAX_TEXT_LEN: 80\n  CNN: '" + cnn +
         "'\n  IMG_SIZE: " + std::to_string(img_size) + "\n  IMG_FEATURE_DIM: " + std::to_string(img_dim) +
         "\n  IMG_TRANSFORMER_HEAD: 4\n  IMG_TRANSFORMER_LAYER: 4\n  MAX_IMG_LEN: 37\n  BOX_GRID: 6\n  TOPK: 1\n"
         "  QUEUE_SIZE: 9600\n  MOMENTUM: 0.99\n  TEMPERATURE: 0.07\n  GRID_SIZE: 4\n";
}

// The official file: both encoders, their _mom twins (sharing storage here to keep the file
// small; the keys and shapes are what matter), timm's classifier, BERT's pooler, position_ids.
inline std::vector<std::pair<std::string, torch::Tensor>> official_state(BriVL& model) {
  std::vector<std::pair<std::string, torch::Tensor>> state;
  const auto& c = model->config();
  for (const auto& tower : {"imgencoder", "textencoder"}) {
    std::vector<std::pair<std::string, torch::Tensor>> part;
    for (auto& [k, v] : module_state(*model)) {
      if (k.rfind(std::string(tower) + ".", 0) == 0) part.emplace_back(k.substr(k.find('.') + 1), v);
    }
    if (std::string(tower) == "imgencoder") {
      part.emplace_back("backbone.classifier.weight", torch::randn({1000, c.img_feature_dim}));
      part.emplace_back("backbone.classifier.bias", torch::randn({1000}));
    } else {
      part.emplace_back("backbone.bert.embeddings.position_ids", torch::arange(c.bert.max_position).unsqueeze(0));
      part.emplace_back("backbone.bert.pooler.dense.weight", torch::randn({c.bert.hidden_size, c.bert.hidden_size}));
      part.emplace_back("backbone.bert.pooler.dense.bias", torch::randn({c.bert.hidden_size}));
    }
    for (const auto& suffix : {"", "_mom"}) {
      for (auto& [k, v] : part) state.emplace_back(std::string(tower) + suffix + "." + k, v);
    }
  }
  return state;
}

}  // namespace brivl::test
