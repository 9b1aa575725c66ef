// Imagination benchmark: ms per step split into transforms, forward and backward, for a model
// layout and a number of cutouts; peak memory. Not a test: results go to docs/PERFORMANCE.md.
//
//   bench_imagine [--layout tiny|b0|b5 | --bundle DIR] [--cutouts N] [--steps N] [--size N] [--threads N]
//                 [--views-per-pass N] (default: what the CLI picks on the device) [--dtype fp32|bf16|fp16]
//                 [--device cpu|cuda|cuda:N] (a step ends with the loss read back: timed with the GPU's work)
//                 [--json 1] (one JSON line, median step, for ../shared/official/bench_official.py suite)
//                 [--similarity-every K] (the clean image's similarity, a forward pass of its own,
//                 every K steps: 10 as `brivl imagine` on a terminal, 1 as the studio and --jsonl)
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <iostream>
#include <thread>

#include "embed/embedder.h"
#include "bench_models.h"
#include "imagine/session.h"
#include "util/allocator_tuning.h"

namespace {

brivl::BriVL make_model(const std::string& layout, const std::string& bundle, const std::string& dtype,
                        const std::string& device) {
  if (!bundle.empty() || layout == "tiny") {
    return brivl::load_model(brivl::ModelFiles::resolve(bundle.empty() ? BRIVL_SOURCE_DIR "/models/brivl-official-tiny" : bundle),
                             brivl::LoadOptions().device(device).dtype(dtype))
        .model;
  }
  if (dtype != "fp32") throw std::runtime_error("--dtype " + dtype + " needs --bundle or --layout tiny (a random layout is fp32)");
  brivl::BriVL model(brivl::parse_model_config(brivl::bench::layout_yaml(layout), layout));
  brivl::bench::realistic_init(*model);
  model->to(torch::Device(device));
  model->eval();
  model->optimize_for_inference();
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  brivl::keep_freed_memory_for_reuse();  // as the programs do (util/allocator_tuning.h)
  std::string layout = "tiny", bundle, dtype = "fp32", device = "cpu";
  bool json = false;
  int similarity_every = 10;
  int cutouts = 1, views_per_pass = 0, steps = 5, size = 256, threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--layout") layout = v;
    else if (k == "--cutouts") cutouts = std::stoi(v);
    else if (k == "--steps") steps = std::stoi(v);
    else if (k == "--size") size = std::stoi(v);
    else if (k == "--threads") threads = std::stoi(v);
    else if (k == "--views-per-pass") views_per_pass = std::stoi(v);
    else if (k == "--bundle") bundle = v;
    else if (k == "--dtype") dtype = v;
    else if (k == "--device") device = v;
    else if (k == "--json") json = v == "1" || v == "on";
    else if (k == "--similarity-every") similarity_every = std::stoi(v);
    else { std::cerr << "unknown option " << k << "\n"; return 1; }
  }
  at::set_num_threads(threads);
  const auto loading = std::chrono::steady_clock::now();
  auto model = make_model(layout, bundle, dtype, device);
  const torch::Device dev(device);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - loading).count();
  brivl::ImagineSettings s;
  s.prompt = "bench";
  s.steps = steps + 1;  // the first step (allocations, oneDNN primitive creation) is not counted
  s.width = s.height = size;
  s.augment.cutouts = cutouts;
  const auto target = torch::randn({model->config().img_feature_dim});
  if (views_per_pass == 0) views_per_pass = brivl::views_per_pass_for(dev.is_cuda(), model->config().img_size, cutouts);
  brivl::ImaginationSession session(model, dev, target, s, std::nullopt, views_per_pass);
  session.set_similarity_every(similarity_every);
  session.step();
  double transform = 0, forward = 0, backward = 0;
  std::vector<double> totals, forwards, backwards;
  for (int i = 0; i < steps; ++i) {
    const auto t = std::chrono::steady_clock::now();
    const auto p = session.step();
    totals.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    forwards.push_back(p.forward_ms), backwards.push_back(p.backward_ms);
    transform += p.transform_ms;
    forward += p.forward_ms;
    backward += p.backward_ms;
  }
  if (json) {
    const auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    };
    const nlohmann::json j{{"kind", "imagine"},
                           {"impl", "brivl " + dtype},
                           {"load_s", load_s},
                           {"ms_per_step", median(totals)},
                           {"forward_ms", median(forwards)},
                           {"backward_ms", median(backwards)},
                           {"transform_ms", transform / steps},
                           {"peak_rss_mb", brivl::bench::peak_rss_gib() * 1024},
                           {"settings", {{"threads", threads}, {"cutouts", cutouts}, {"views_per_pass", views_per_pass},
                                         {"size", size}, {"steps", steps}, {"dtype", dtype}, {"device", device},
                                         {"similarity_every", similarity_every}}},
                           {"runtime", brivl::runtime_description(threads)},
                           {"threads_info", {{"env", brivl::bench::kernel_environment()}}}};
    std::cout << j.dump() << std::endl;
    return 0;
  }
  const double total = (transform + forward + backward) / steps;
  std::cout << std::fixed << std::setprecision(1) << "| " << layout << " @" << model->config().img_size << " | "
            << cutouts << " (" << views_per_pass << "/pass) | " << total << " | " << transform / steps << " | " << forward / steps << " | "
            << backward / steps << " | " << std::setprecision(2) << brivl::bench::peak_rss_gib() << " GiB |  (" << brivl::runtime_description()
            << ", image " << size << "px, " << steps << " steps)\n";
  return 0;
}
