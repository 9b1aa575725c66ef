// Imagination benchmark: ms per step split into transforms, forward and backward, for a model
// layout and a number of cutouts; peak memory. Not a test: results go to docs/PERFORMANCE.md.
//
//   bench_imagine [--layout tiny|b0|b5] [--cutouts N] [--steps N] [--size N] [--threads N]
//                 [--views-per-pass N] (default: what the CLI picks on the CPU)
#include <sys/resource.h>

#include <iomanip>
#include <iostream>
#include <thread>

#include "embed/embedder.h"
#include "bench_models.h"
#include "imagine/session.h"

namespace {

brivl::BriVL make_model(const std::string& layout) {
  if (layout == "tiny") {
    return brivl::load_model(brivl::ModelFiles::resolve(BRIVL_SOURCE_DIR "/models/brivl-official-tiny"),
                             brivl::LoadOptions().device("cpu"))
        .model;
  }
  brivl::BriVL model(brivl::parse_model_config(brivl::bench::layout_yaml(layout), layout));
  brivl::bench::realistic_init(*model);
  model->eval();
  model->optimize_for_inference();
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  std::string layout = "tiny";
  int cutouts = 1, views_per_pass = 0, steps = 5, size = 256, threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--layout") layout = v;
    else if (k == "--cutouts") cutouts = std::stoi(v);
    else if (k == "--steps") steps = std::stoi(v);
    else if (k == "--size") size = std::stoi(v);
    else if (k == "--threads") threads = std::stoi(v);
    else if (k == "--views-per-pass") views_per_pass = std::stoi(v);
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
  if (views_per_pass == 0) views_per_pass = brivl::views_per_pass_for(false, model->config().img_size, cutouts);
  brivl::ImaginationSession session(model, torch::kCPU, target, s, std::nullopt, views_per_pass);
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
            << cutouts << " (" << views_per_pass << "/pass) | " << total << " | " << transform / steps << " | " << forward / steps << " | "
            << backward / steps << " | " << std::setprecision(2) << brivl::bench::peak_rss_gib() << " GiB |  (" << brivl::runtime_description()
            << ", image " << size << "px, " << steps << " steps)\n";
  return 0;
}
