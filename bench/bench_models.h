#pragma once
// Model layouts and weight initialisation shared by the benchmarks.
#include <sys/resource.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "model/brivl_model.h"

namespace brivl::bench {

// Peak resident memory of this process so far, GiB (ru_maxrss is in KiB on Linux).
inline double peak_rss_gib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1048576.0;
}

// Official-style config text for a random bundle.
inline std::string layout_yaml(const std::string& layout) {
  const std::string common =
      "  TEXT_TRANSFORMER_HEAD: 4\n  TEXT_TRANSFORMER_LAYER: 4\n  MAX_TEXT_LEN: 80\n  IMG_TRANSFORMER_HEAD: 4\n"
      "  IMG_TRANSFORMER_LAYER: 4\n  MAX_IMG_LEN: 37\n  BOX_GRID: 6\n  TOPK: 1\n  QUEUE_SIZE: 9600\n"
      "  MOMENTUM: 0.99\n  TEMPERATURE: 0.07\n  GRID_SIZE: 4\n";
  if (layout == "b5") {  // the released model: tf_efficientnet_b5_ns @456 + RoBERTa-wwm-ext base
    return "MODEL:\n  NAME: VL\n  ENCODER: 'hfl/chinese-roberta-wwm-ext'\n  TEXT_FEATURE_DIM: 768\n"
           "  CNN: 'tf_efficientnet_b5_ns'\n  IMG_SIZE: 456\n  IMG_FEATURE_DIM: 2048\n" + common;
  }
  if (layout == "b0") {  // a small model: full B0 @160 + a 4-layer, 256-wide BERT
    return "MODEL:\n  NAME: VL\n  ENCODER: 'hfl/chinese-roberta-wwm-ext'\n  TEXT_FEATURE_DIM: 256\n"
           "  CNN: 'tf_efficientnet_b0'\n  IMG_SIZE: 160\n  IMG_FEATURE_DIM: 1280\n" + common +
           "  BERT_HIDDEN: 256\n  BERT_LAYERS: 4\n  BERT_HEADS: 4\n  BERT_INTERMEDIATE: 1024\n";
  }
  throw std::runtime_error("unknown --layout " + layout + " (tiny, b0, b5)");
}

// timm's EfficientNet init (He normal over fan-out) keeps activations at a trained network's
// scale. LibTorch's default init shrinks them layer by layer into denormal floats, which x86
// processes 10-100x slower: a benchmark on such weights measures denormals, not the model.
inline void realistic_init(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.named_parameters()) {
    auto& w = p.value();
    if (w.dim() != 4) continue;
    const bool depthwise = w.size(1) == 1;
    const double fan_out = static_cast<double>(w.size(2) * w.size(3) * (depthwise ? 1 : w.size(0)));
    w.normal_(0, std::sqrt(2.0 / fan_out));
  }
}

}  // namespace brivl::bench
