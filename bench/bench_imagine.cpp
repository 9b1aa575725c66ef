// Imagination benchmark: ms per step split into transforms, forward and backward, for a model
// layout and a number of cutouts; peak memory. Not a test: results go to docs/PERFORMANCE.md.
//
//   bench_imagine [--layout tiny|b0|b5] [--cutouts N] [--steps N] [--size N] [--threads N]
#include <sys/resource.h>

#include <iomanip>
#include <iostream>
#include <thread>

#include "embed/embedder.h"
#include "imagine/session.h"

namespace {

double peak_rss_gib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1048576.0;
}

std::string layout_yaml(const std::string& layout) {
  const std::string common =
      "  TEXT_TRANSFORMER_HEAD: 4\n  TEXT_TRANSFORMER_LAYER: 4\n  MAX_TEXT_LEN: 80\n  IMG_TRANSFORMER_HEAD: 4\n"
      "  IMG_TRANSFORMER_LAYER: 4\n  MAX_IMG_LEN: 37\n  BOX_GRID: 6\n  TOPK: 1\n  QUEUE_SIZE: 9600\n"
      "  MOMENTUM: 0.99\n  TEMPERATURE: 0.07\n  GRID_SIZE: 4\n";
  if (layout == "b5") {
    return "MODEL:\n  NAME: VL\n  ENCODER: 'hfl/chinese-roberta-wwm-ext'\n  TEXT_FEATURE_DIM: 768\n"
           "  CNN: 'tf_efficientnet_b5_ns'\n  IMG_SIZE: 456\n  IMG_FEATURE_DIM: 2048\n" + common;
  }
  if (layout == "b0") {
    return "MODEL:\n  NAME: VL\n  ENCODER: 'hfl/chinese-roberta-wwm-ext'\n  TEXT_FEATURE_DIM: 256\n"
           "  CNN: 'tf_efficientnet_b0'\n  IMG_SIZE: 160\n  IMG_FEATURE_DIM: 1280\n" + common +
           "  BERT_HIDDEN: 256\n  BERT_LAYERS: 4\n  BERT_HEADS: 4\n  BERT_INTERMEDIATE: 1024\n";
  }
  throw std::runtime_error("unknown --layout " + layout);
}

brivl::BriVL make_model(const std::string& layout) {
  if (layout == "tiny") {
    return brivl::load_model(brivl::ModelFiles::resolve(BRIVL_SOURCE_DIR "/models/brivl-official-tiny"),
                             brivl::LoadOptions().device("cpu"))
        .model;
  }
  brivl::BriVL model(brivl::parse_model_config(layout_yaml(layout), layout));
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters()) {  // timm's He-normal scale: no denormal slowdowns
    auto& w = p.value();
    if (w.dim() == 4) w.normal_(0, std::sqrt(2.0 / (w.size(2) * w.size(3) * (w.size(1) == 1 ? 1 : w.size(0)))));
  }
  model->eval();
  model->optimize_for_inference();
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  std::string layout = "tiny";
  int cutouts = 1, steps = 5, size = 256, threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--layout") layout = v;
    else if (k == "--cutouts") cutouts = std::stoi(v);
    else if (k == "--steps") steps = std::stoi(v);
    else if (k == "--size") size = std::stoi(v);
    else if (k == "--threads") threads = std::stoi(v);
    else { std::cerr << "unknown option " << k << "\n"; return 1; }
  }
  at::set_num_threads(threads);
  auto model = make_model(layout);
  brivl::ImagineSettings s;
  s.prompt = "bench";
  s.steps = steps + 1;  // the first step (allocations, oneDNN primitive creation) is not counted
  s.width = s.height = size;
  s.augment.cutouts = cutouts;
  const auto target = torch::randn({model->config().img_feature_dim});
  brivl::ImaginationSession session(model, torch::kCPU, target, s);
  session.step();
  double transform = 0, forward = 0, backward = 0;
  for (int i = 0; i < steps; ++i) {
    const auto p = session.step();
    transform += p.transform_ms;
    forward += p.forward_ms;
    backward += p.backward_ms;
  }
  const double total = (transform + forward + backward) / steps;
  std::cout << std::fixed << std::setprecision(1) << "| " << layout << " @" << model->config().img_size << " | "
            << cutouts << " | " << total << " | " << transform / steps << " | " << forward / steps << " | "
            << backward / steps << " | " << std::setprecision(2) << peak_rss_gib() << " GiB |  (" << brivl::runtime_description()
            << ", image " << size << "px, " << steps << " steps)\n";
  return 0;
}
