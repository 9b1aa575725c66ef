// Training benchmark: optimizer steps per second of the cross-modal MoCo recipe and where a step's
// time goes (online forward, momentum forward, backward, optimizer + momentum update), for the
// shipped small config and larger layouts, plus the data loader's stall share on a real dataset.
// Not a test: numbers go to docs/PERFORMANCE.md with the machine description printed here.
//
//   bench_train [--config FILE | --layout b0|b5] [--batch N] [--steps N] [--threads N]
//               [--warmup N] [--init default|timm] [--data CAPTIONS.csv --workers N]
#include <chrono>
#include <iomanip>
#include <iostream>
#include <thread>

#include "bench_models.h"
#include "model/config.h"
#include "text/bert_tokenizer.h"
#include "train/batch_loader.h"
#include "train/caption_table.h"
#include "train/moco.h"
#include "util/atomic_file.h"
#include "util/allocator_tuning.h"

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Args {
  std::string config = std::string(BRIVL_SOURCE_DIR) + "/models/brivl-emoji-small/config.yml";
  std::string layout, data, init = "default";
  int batch = 32, steps = 20, warmup = 3, threads = 0, workers = 2;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--config") a.config = v;
    else if (k == "--layout") a.layout = v;
    else if (k == "--data") a.data = v;
    else if (k == "--init") a.init = v;
    else if (k == "--batch") a.batch = std::stoi(v);
    else if (k == "--steps") a.steps = std::stoi(v);
    else if (k == "--warmup") a.warmup = std::stoi(v);
    else if (k == "--threads") a.threads = std::stoi(v);
    else if (k == "--workers") a.workers = std::stoi(v);
    else throw std::runtime_error("unknown option " + k);
  }
  return a;
}
}  // namespace

int main(int argc, char** argv) try {
  brivl::keep_freed_memory_for_reuse();  // as the programs do (util/allocator_tuning.h)
  const auto a = parse(argc, argv);
  torch::set_num_threads(a.threads > 0 ? a.threads : static_cast<int>(std::thread::hardware_concurrency()));  // as the trainer
  const auto config = a.layout.empty() ? brivl::load_model_config(a.config)
                                       : brivl::parse_model_config(brivl::bench::layout_yaml(a.layout), a.layout);
  std::cout << brivl::bench::machine_description() << "config: " << (a.layout.empty() ? a.config : a.layout) << " ("
            << config.cnn << " @" << config.img_size << ", BERT " << config.bert.hidden_size << "x" << config.bert.num_layers
            << "), batch " << a.batch << ", " << a.steps << " timed steps\n";
  torch::manual_seed(0);
  brivl::MoCoBriVL model(config);
  if (a.init == "timm") model->imgencoder->backbone->init_weights_like_timm();  // default: the trainer's init
  model->copy_online_to_momentum();
  model->train();
  std::vector<torch::Tensor> params;
  for (auto& p : model->imgencoder->parameters()) params.push_back(p);
  for (auto& p : model->textencoder->parameters()) params.push_back(p);
  torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(1e-4));
  brivl::FeatureQueue iq(1024, config.img_feature_dim, torch::kCPU), tq(1024, config.img_feature_dim, torch::kCPU);
  const int64_t B = a.batch, S = config.img_size, L = std::min<int64_t>(config.max_text_len, 32);
  const auto images = torch::randn({B, 3, S, S});
  const auto ids = torch::randint(100, 8000, {B, L});
  const auto mask = torch::ones({B, L}, torch::kInt64);
  std::vector<uint64_t> keys(B);
  for (int64_t i = 0; i < B; ++i) keys[i] = static_cast<uint64_t>(i);
  const auto norm = torch::nn::functional::NormalizeFuncOptions().p(2).dim(-1);
  double t_img = 0, t_txt = 0, t_mom = 0, t_back = 0, t_opt = 0, total = 0;
  for (int step = -a.warmup; step < a.steps; ++step) {  // warm-up steps are not timed
    const auto t0 = Clock::now();
    auto q_img = torch::nn::functional::normalize(model->imgencoder(images), norm);
    const double d_img = ms_since(t0);
    auto t1 = Clock::now();
    auto q_txt = torch::nn::functional::normalize(model->textencoder(ids, mask), norm);
    const double d_txt = ms_since(t1);
    t1 = Clock::now();
    torch::Tensor k_img, k_txt;
    {
      torch::NoGradGuard ng;
      k_img = torch::nn::functional::normalize(model->imgencoder_mom(images), norm);
      k_txt = torch::nn::functional::normalize(model->textencoder_mom(ids, mask), norm);
    }
    const double d_mom = ms_since(t1);
    t1 = Clock::now();
    auto loss = brivl::contrastive_loss(q_img, q_txt, k_img, k_txt, iq, tq, keys, {});
    loss.loss.backward();
    const double d_back = ms_since(t1);
    t1 = Clock::now();
    optimizer.step();
    optimizer.zero_grad();
    model->momentum_update(0.99);
    iq.enqueue(k_img, keys);
    tq.enqueue(k_txt, keys);
    const double d_opt = ms_since(t1);
    if (step >= 0) t_img += d_img, t_txt += d_txt, t_mom += d_mom, t_back += d_back, t_opt += d_opt, total += ms_since(t0);
  }
  const double n = a.steps;
  std::cout << std::fixed << std::setprecision(1) << "step " << total / n << " ms = " << B * 1000.0 / (total / n)
            << " samples/s | image fwd " << t_img / n << " ms, text fwd " << t_txt / n << " ms, momentum fwd " << t_mom / n
            << " ms, loss+backward " << t_back / n << " ms, AdamW+momentum+queues " << t_opt / n << " ms\n"
            << "peak RSS " << std::setprecision(2) << brivl::bench::peak_rss_gib() << " GiB\n";

  if (!a.data.empty()) {  // the loader alone: how long a step would wait for data
    const auto table = brivl::read_caption_table(a.data);
    const auto vocab = std::string(BRIVL_SOURCE_DIR) + "/models/brivl-emoji-small/vocab.txt";
    const auto tokenizer = brivl::BertTokenizer::from_file(vocab);
    brivl::LoaderOptions lo;
    lo.image_size = S, lo.text_len = L, lo.batch_size = B, lo.workers = a.workers;
    brivl::BatchLoader loader(table, tokenizer, lo);
    loader.start_epoch(0);
    double build = 0;
    int batches = 0;
    const auto t0 = Clock::now();
    while (auto b = loader.next()) build += b->build_ms, ++batches;
    const double wall = ms_since(t0);
    std::cout << "loader (" << a.workers << " workers, no model): " << batches << " batches in " << wall << " ms = "
              << batches * B * 1000.0 / wall << " samples/s; " << build / batches << " ms of worker time per batch; "
              << "stall share if the step took " << total / n << " ms: "
              << std::max(0.0, (build / batches / a.workers - total / n) / (build / batches / a.workers)) * 100 << " %\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_train: " << e.what() << "\n";
  return 1;
}
