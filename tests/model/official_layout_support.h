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
#include "model/state_loading.h"

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
  for (const auto& suffix : {"", "_mom"}) {
    for (auto& [k, v] : module_state(*model)) {
      const auto dot = k.find('.');
      state.emplace_back(k.substr(0, dot) + suffix + k.substr(dot), v);
    }
  }
  for (auto& entry : official_only_state(model->config())) state.push_back(std::move(entry));
  return state;
}

}  // namespace brivl::test
