// brivl train / eval / dataset: local training of BriVL, its evaluation, and building datasets.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "commands.h"
#include "local_launch.h"
#include "model_options.h"
#include "output_format.h"
#include "progress_line.h"
#include "text/text_lines.h"
#include "train/caption_table.h"
#include "train/distributed/availability.h"
#include "train/distributed/launch_environment.h"
#include "train/retrieval_metrics.h"
#include "train/shapes_dataset.h"
#include "train/trainer.h"
#include "util/error.h"
#include "watch.h"

namespace brivl::cli {
namespace {
namespace fs = std::filesystem;

// SIGINT/SIGTERM ask the trainer to checkpoint and stop; a second signal ends the process at
// once (the last complete checkpoint is still there to resume from).
std::atomic<int> stop_signals{0};
extern "C" void on_stop_signal(int sig) {
  if (stop_signals.fetch_add(1) >= 1) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

struct TrainArgs {
  TrainOptions options;
  std::string resume;
  std::string augment = "none";
  bool jsonl = false;
  bool no_mask = false;
  bool watch = false;
  int nproc = 0;  // --nproc-per-node: launch this many local ranks
  std::string executable;
};

std::string clock_text(double seconds) {
  if (seconds < 0) return "--:--";
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(buf, sizeof(buf), "%lld:%02lld", s / 60, s % 60);
  return buf;
}

TrainHooks train_hooks(bool jsonl) {
  TrainHooks hooks;
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  hooks.should_stop = [] { return stop_signals.load() > 0; };
  hooks.on_message = [tty](const std::string& text) {
    std::fprintf(stderr, "%s%s\n", tty ? "\r\033[K" : "", text.c_str());
  };
  hooks.on_progress = [tty, jsonl](const TrainProgress& p) {
    if (jsonl && p.phase == "train") {
      nlohmann::json j = {{"phase", p.phase}, {"step", p.step},   {"total_steps", p.total_steps}, {"epoch", p.epoch},
                          {"epochs", p.epochs}, {"loss", p.loss}, {"lr", p.lr}, {"samples_per_s", p.samples_per_s},
                          {"eta_s", p.eta_s}};
      std::cout << j.dump() << std::endl;
    }
    if (!tty) return;
    if (p.phase != "train") {
      std::fprintf(stderr, "\r\033[K%s at step %lld ...", p.phase == "eval" ? "evaluating" : "saving checkpoint",
                   static_cast<long long>(p.step));
      std::fflush(stderr);
      return;
    }
    const int width = 24;
    const double frac = p.total_steps > 0 ? std::min(1.0, static_cast<double>(p.step) / static_cast<double>(p.total_steps)) : 0;
    std::string bar(static_cast<size_t>(frac * width), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r\033[Kepoch %lld/%lld [%s] step %lld/%lld  loss %.3f  %.0f samples/s  ETA %s",
                 static_cast<long long>(p.epoch), static_cast<long long>(p.epochs), bar.c_str(),
                 static_cast<long long>(p.step), static_cast<long long>(p.total_steps), p.loss, p.samples_per_s,
                 clock_text(p.eta_s).c_str());
    if (p.last_eval) std::fprintf(stderr, "  R@1 t2i %.2f i2t %.2f", p.last_eval->t2i.r1, p.last_eval->i2t.r1);
    std::fflush(stderr);
  };
  return hooks;
}

void print_result(const TrainResult& r, bool jsonl) {
  if (jsonl) {
    nlohmann::json j = {{"phase", "done"}, {"state", r.state}, {"step", r.step}, {"run_dir", r.run_dir},
                        {"best_checkpoint", r.best_checkpoint}, {"last_checkpoint", r.last_checkpoint}, {"seconds", r.seconds}};
    if (r.best_eval) j["best_eval"] = nlohmann::json::parse(r.best_eval->to_json());
    std::cout << j.dump() << std::endl;
    return;
  }
  std::cerr << "run " << r.run_dir << ": " << r.state << " at step " << r.step << " after " << clock_text(r.seconds) << "\n";
  if (r.best_eval)
    std::cerr << "best: text->image R@1 " << std::fixed << std::setprecision(3) << r.best_eval->t2i.r1 << ", image->text R@1 "
              << r.best_eval->i2t.r1 << " (" << r.best_checkpoint << ")\n";
  std::cerr << "load it with --model " << r.run_dir << "\n";
}

void run_train(const CLI::App& command, TrainArgs& a) {
  const auto env = LaunchEnvironment::from_environment();
  if (a.nproc > 0) {
    BRIVL_CHECK(!env.distributed(), "--nproc-per-node: this process is already rank ", env.rank, " of ", env.world_size,
                " (RANK/WORLD_SIZE are set); start it either way, not both");
    BRIVL_CHECK(distributed_training_available() || a.nproc == 1,
                "--nproc-per-node ", a.nproc, ": this build of brivl cannot train on several processes (LibTorch's c10d "
                "with Gloo was not found when it was built: install libgloo-dev and rebuild)");
    BRIVL_CHECK(!a.resume.empty() || a.options.batch_size % a.nproc == 0, "--batch ", a.options.batch_size,
                " cannot be split evenly over ", a.nproc, " processes: the batch is the whole step's, each process takes "
                "batch / processes of it");
    LocalLaunchOptions lo;
    lo.processes = a.nproc;
    lo.set_threads = command.count("--threads") == 0 && std::getenv("BRIVL_THREADS") == nullptr;
    const int status = launch_local_ranks(own_arguments_without("--nproc-per-node"), lo);
    if (status != 0) std::exit(status);
    return;
  }
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  if (env.rank != 0) a.watch = false;  // one window per job: rank 0's
  auto& o = a.options;
  TrainResult result;
  if (!a.resume.empty()) {
    for (const char* fixed : {"--data", "--out", "--config", "--init", "--batch", "--lr", "--val-split", "--seed"})
      BRIVL_CHECK(command.count(fixed) == 0, fixed, " cannot be changed when resuming; the run keeps its own settings (",
                  a.resume, "/train_options.json)");
    ResumeOptions r;
    if (command.count("--max-minutes")) r.max_minutes = o.max_minutes;
    if (command.count("--epochs")) r.epochs = o.epochs;
    if (command.count("--device")) r.device = o.device;
    if (command.count("--threads")) r.threads = o.threads;
    if (command.count("--workers")) r.workers = o.workers;
    if (command.count("--backend")) r.backend = o.backend;
    if (command.count("--dist-timeout")) r.dist_timeout_s = o.dist_timeout_s;
    Watch watch(a.watch);
    auto hooks = train_hooks(a.jsonl);
    watch.attach(hooks, a.resume);
    result = watch.run([&] { return resume_training(a.resume, r, hooks); });
  } else {
    BRIVL_CHECK(!o.data.empty(), "train: --data FILE is required (or --resume RUN_DIR)");
    BRIVL_CHECK(!o.out.empty(), "train: --out RUN_DIR is required");
    if (o.config.empty()) {
      const auto dir = default_model_dir(a.executable);
      o.config = (fs::path(dir) / "config.yml").string();
      if (o.vocab.empty()) o.vocab = (fs::path(dir) / "vocab.txt").string();
    }
    if (a.augment == "official") {
      const double noise_std = o.augment.noise_std, noise_p = o.augment.noise_p;
      o.augment = AugmentOptions::official();
      o.augment.noise_std = noise_std, o.augment.noise_p = noise_p;
    } else {
      BRIVL_CHECK(a.augment == "none", "--augment '", a.augment, "': expected none or official");
    }
    if (o.augment.noise_std > 0 && o.augment.noise_p == 0) o.augment.noise_p = 0.5;
    o.mask_same_text = !a.no_mask;
    Watch watch(a.watch);
    auto hooks = train_hooks(a.jsonl);
    watch.attach(hooks, o.out);
    result = watch.run([&] { return train(o, hooks); });
  }
  if (result.rank != 0) {  // rank 0 reports for the job
    if (result.state == "stopped") std::exit(130);
    return;
  }
  if (::isatty(STDERR_FILENO)) std::fputc('\n', stderr);
  print_result(result, a.jsonl);
  if (result.state == "stopped") std::exit(130);
}

// "4/255", "0.0157": a pixel budget in [0, 1] units.
double parse_pixel_budget(const std::string& text, const char* option) {
  double num = 0, den = 1;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%lf/%lf%c", &num, &den, &extra) == 2 && den > 0) return num / den;
  if (std::sscanf(text.c_str(), "%lf%c", &num, &extra) == 1) return num;
  BRIVL_FAIL(option, " '", text, "': expected a number or a fraction such as 4/255");
}

struct RobustifyArgs {
  ModelArgs model;
  TrainOptions options;
  std::string eps = "4/255";
  std::string resume;
  bool jsonl = false;
  bool watch = false;
};

// brivl robustify: FARE fine-tuning of a bundle's image tower, run by the trainer (objective
// "fare"), so it has everything `brivl train` has: run folder, metrics, checkpoints, resume.
void run_robustify(const CLI::App& command, RobustifyArgs& a) {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  TrainResult result;
  auto hooks = train_hooks(a.jsonl);
  Watch watch(a.watch);
  if (!a.resume.empty()) {
    for (const char* fixed : {"--model", "--data", "--out", "--eps", "--pgd-steps", "--lr", "--batch", "--seed"})
      BRIVL_CHECK(command.count(fixed) == 0, fixed, " cannot be changed when resuming; the run keeps its own settings (",
                  a.resume, "/train_options.json)");
    ResumeOptions r;
    if (command.count("--max-minutes")) r.max_minutes = a.options.max_minutes;
    if (command.count("--epochs")) r.epochs = a.options.epochs;
    if (command.count("--device")) r.device = a.model.device;
    if (command.count("--threads")) r.threads = a.model.threads;
    watch.attach(hooks, a.resume);
    result = watch.run([&] { return resume_training(a.resume, r, hooks); });
  } else {
    auto& o = a.options;
    BRIVL_CHECK(!o.data.empty(), "robustify: --data FILE is required (or --resume RUN_DIR)");
    BRIVL_CHECK(!o.out.empty(), "robustify: --out RUN_DIR is required");
    const auto files = resolve_model_files(a.model);
    o.config = fs::absolute(files.config).string();
    o.vocab = fs::absolute(files.vocab).string();
    o.init_checkpoint = fs::absolute(files.checkpoint).string();
    o.objective = "fare";
    o.adversarial.eps = parse_pixel_budget(a.eps, "--eps");
    o.device = a.model.device;
    o.threads = a.model.threads;
    watch.attach(hooks, o.out);
    result = watch.run([&] { return train(o, hooks); });
  }
  if (::isatty(STDERR_FILENO)) std::fputc('\n', stderr);
  print_result(result, a.jsonl);
  if (result.state == "stopped") std::exit(130);
}

struct EvalArgs {
  ModelArgs model;
  std::string data, labels;
  bool json = false;
};

void run_eval(const EvalArgs& a) {
  const auto table = read_caption_table(a.data);
  if (!table.skipped.empty()) std::cerr << a.data << ": " << table.skipped.summary() << "\n";
  auto embedder = Embedder::load(resolve_model_files(a.model), embedder_options(a.model));
  Matrix image_rows;
  {
    ProgressLine progress("images");
    image_rows = embedder.embed_images(table.images, progress.hooks());
  }
  nlohmann::json out;
  if (a.labels.empty()) {
    std::vector<std::string> texts;
    std::vector<int64_t> text_image;
    std::vector<uint64_t> keys;
    for (size_t i = 0; i < table.texts.size(); ++i)
      for (const auto& t : table.texts[i]) texts.push_back(t), text_image.push_back(static_cast<int64_t>(i)), keys.push_back(caption_key(t));
    Matrix text_rows;
    {
      ProgressLine progress("texts");
      text_rows = embedder.embed_texts(texts, progress.hooks());
    }
    const auto sim = cosine_matrix(text_rows, image_rows);
    const auto m = retrieval_metrics(sim.data, sim.rows, sim.cols, text_image, keys);
    if (a.json) {
      std::cout << m.to_json() << "\n";
      return;
    }
    std::cout << std::fixed << std::setprecision(3) << a.data << ": " << m.images << " images, " << m.texts << " texts\n"
              << "text->image  R@1 " << m.t2i.r1 << "  R@5 " << m.t2i.r5 << "  R@10 " << m.t2i.r10 << "  mean rank "
              << std::setprecision(1) << m.t2i.mean_rank << "\n"
              << std::setprecision(3) << "image->text  R@1 " << m.i2t.r1 << "  R@5 " << m.i2t.r5 << "  R@10 " << m.i2t.r10
              << "  mean rank " << std::setprecision(1) << m.i2t.mean_rank << "\n";
    return;
  }
  // Zero-shot classification: each image's label is the first of its captions found in the label list.
  const auto labels = read_text_lines(a.labels);
  BRIVL_CHECK(!labels.empty(), a.labels, ": no labels (one label per line)");
  std::map<std::string, int64_t> index;
  for (size_t l = 0; l < labels.size(); ++l) index.emplace(labels[l], static_cast<int64_t>(l));
  std::vector<int64_t> truth, rows;
  int64_t unlabeled = 0;
  for (size_t i = 0; i < table.texts.size(); ++i) {
    int64_t label = -1;
    for (const auto& t : table.texts[i])
      if (auto it = index.find(t); it != index.end()) { label = it->second; break; }
    if (label < 0) { ++unlabeled; continue; }
    truth.push_back(label);
    rows.push_back(static_cast<int64_t>(i));
  }
  BRIVL_CHECK(!truth.empty(), a.data, ": no image has a caption equal to one of the labels in ", a.labels);
  if (unlabeled > 0) std::cerr << a.data << ": " << unlabeled << " images have no caption among the labels; left out\n";
  Matrix chosen;
  chosen.rows = static_cast<int64_t>(rows.size()), chosen.cols = image_rows.cols;
  for (auto r : rows) chosen.data.insert(chosen.data.end(), image_rows.row(r), image_rows.row(r) + image_rows.cols);
  Matrix label_rows;
  {
    ProgressLine progress("labels");
    label_rows = embedder.embed_texts(labels, progress.hooks());
  }
  const auto sim = cosine_matrix(chosen, label_rows);
  const auto z = zero_shot_metrics(sim.data, sim.rows, sim.cols, truth);
  if (a.json) {
    std::cout << nlohmann::json{{"n", z.images}, {"labels", z.labels}, {"top1", z.top1}, {"top5", z.top5}}.dump() << "\n";
    return;
  }
  std::cout << std::fixed << std::setprecision(3) << "zero-shot over " << z.labels << " labels, " << z.images
            << " images: top-1 " << z.top1 << "  top-5 " << z.top5 << "\n";
}

struct ShapesArgs {
  std::string out;
  ShapesOptions options;
  bool overwrite = false;
};

}  // namespace

void add_train_commands(CLI::App& app, const std::string& executable) {
  auto t = std::make_shared<TrainArgs>();
  t->executable = executable;
  auto& o = t->options;
  auto* train = app.add_subcommand("train", "train BriVL (cross-modal MoCo) on image-text pairs; see docs/TRAINING.md");
  train->add_option("--data", o.data, "CSV / TSV / JSONL of image-text pairs (columns image,text)");
  train->add_option("--out", o.out, "new run folder (config, metrics.jsonl, status.json, checkpoints/, train.log)");
  train->add_option("--resume", t->resume, "continue the run in this folder from its last checkpoint");
  train->add_option("--config", o.config, "model config.yml (default: the embedded default model's)");
  train->add_option("--vocab", o.vocab, "vocab.txt (default: next to the config)");
  train->add_option("--init", o.init_checkpoint, "start from these weights (.pth or .safetensors)");
  train->add_option("--epochs", o.epochs, "passes over the training images")->capture_default_str();
  train->add_option("--batch", o.batch_size, "images per batch")->capture_default_str();
  train->add_option("--accumulate", o.accumulate, "batches per optimizer step")->capture_default_str();
  train->add_option("--lr", o.lr, "peak learning rate (AdamW, warm-up then cosine)")->capture_default_str();
  train->add_option("--weight-decay", o.weight_decay)->capture_default_str();
  train->add_option("--warmup", o.warmup_steps, "warm-up steps")->capture_default_str();
  train->add_option("--clip", o.clip_norm, "gradient norm clipping (0: off)")->capture_default_str();
  train->add_option("--max-minutes", o.max_minutes, "stop with a checkpoint after this long (the schedule is fitted to it)");
  train->add_option("--val-split", o.val_split, "fraction of images held out for validation")->capture_default_str();
  train->add_option("--seed", o.seed, "seed of the split, order, augmentation and initialisation")->capture_default_str();
  train->add_option("--device", o.device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  train->add_option("--threads", o.threads, "intra-op threads (0: all cores)");
  train->add_option("--workers", o.workers, "data-loading threads")->capture_default_str();
  train->add_option("--freeze", o.freeze, "none | official (brivl-nmi init_param: only the top backbone blocks learn)")->capture_default_str();
  train->add_option("--augment", t->augment, "none | official (colour jitter p 0.8, grayscale p 0.2)")->capture_default_str();
  train->add_option("--noise", o.augment.noise_std,
                    "Gaussian pixel noise: largest standard deviation (pixel units, e.g. 0.5; 0: off)")
      ->capture_default_str();
  train->add_option("--noise-p", o.augment.noise_p, "share of images that get --noise (default 0.5 when --noise is set)");
  train->add_option("--queue", o.queue_size, "negative queue length (0: MODEL.QUEUE_SIZE)");
  train->add_option("--momentum", o.momentum, "momentum of the key encoders (default MODEL.MOMENTUM)");
  train->add_option("--temperature", o.temperature, "softmax temperature (default MODEL.TEMPERATURE)");
  train->add_option("--moco-weight", o.moco_weight, "weight of the queue (MoCo) loss")->capture_default_str();
  train->add_option("--in-batch-weight", o.in_batch_weight, "weight of the in-batch online-online loss")->capture_default_str();
  train->add_option("--hard-negatives", o.hard_negatives,
                    "build batches from groups of N images whose captions differ by a word (0: off; docs/TRAINING.md)")
      ->capture_default_str();
  train->add_flag("--no-mask-same-text", t->no_mask, "treat negatives with the positive's exact caption as negatives");
  train->add_option("--eval-every", o.eval_every, "steps between evaluations and checkpoints (0: every epoch)");
  train->add_option("--log-every", o.log_every, "steps between metrics lines")->capture_default_str();
  train->add_option("--keep", o.keep_last, "checkpoints kept besides the best")->capture_default_str();
  train->add_option_function<std::string>(
      "--adversarial", [t](const std::string& v) { t->options.adversarial.eps = parse_pixel_budget(v, "--adversarial"); },
      "adversarial training (CLIPAG-style) with this L-inf pixel budget, e.g. 4/255 (docs/TRAINING.md)");
  train->add_option("--pgd-steps", o.adversarial.steps, "PGD steps of each attack")->capture_default_str();
  train->add_option("--adv-start", o.adversarial.start_step, "clean steps before the first attack")->capture_default_str();
  train->add_option("--adv-ramp", o.adversarial.ramp_steps, "steps over which the budget grows to its value")->capture_default_str();
  train->add_option("--aligned-gradients", o.aligned_gradients.weight,
                    "teach the image tower gradients that imagination can follow: weight of the loss pulling its input "
                    "gradient towards the way to the caption's image (0: off; e.g. 1; docs/TRAINING.md)")
      ->capture_default_str();
  train->add_option("--aligned-other", o.aligned_gradients.other_p,
                    "share of --aligned-gradients points that aim at another image's caption")
      ->capture_default_str();
  train->add_option("--aligned-noise", o.aligned_gradients.noise_std,
                    "largest noise spread around grey of the --aligned-gradients starts (pixel units)")
      ->capture_default_str();
  train->add_option("--aligned-pool", o.aligned_gradients.pool,
                    "--aligned-gradients measures the alignment on the gradient average-pooled by this factor (coarse shape)")
      ->capture_default_str();
  train->add_option("--aligned-rivals", o.aligned_gradients.rival_p,
                    "share of --aligned-gradients points taught the difference of two captions' gradients (picture minus picture)")
      ->capture_default_str();
  train->add_option("--aligned-basis", o.aligned_gradients.basis,
                    "teach the --aligned-gradients way in this image basis (brivl basis's image_basis.safetensors), the "
                    "space brivl imagine --param basis climbs in, instead of in pixels");
  train->add_option("--aligned-basis-components", o.aligned_gradients.basis_components,
                    "--aligned-basis: use its first this many components (0: all)")
      ->capture_default_str();
  train->add_option("--imagined-negatives", o.imagined_negatives.weight,
                    "teach the tower to like each caption's picture more than what imagination makes of the caption: "
                    "weight of the loss over persistent imagination chains in --imagined-basis (0: off; e.g. 1; docs/TRAINING.md)")
      ->capture_default_str();
  train->add_option("--imagined-basis", o.imagined_negatives.basis,
                    "--imagined-negatives: the image basis the chains climb in (brivl basis's image_basis.safetensors)");
  train->add_option("--imagined-components", o.imagined_negatives.basis_components,
                    "--imagined-negatives: use the basis's first this many components (0: all)")
      ->capture_default_str();
  train->add_option("--imagined-per-batch", o.imagined_negatives.per_batch,
                    "--imagined-negatives: captions of each micro-batch whose chains climb")
      ->capture_default_str();
  train->add_option("--imagined-steps", o.imagined_negatives.steps, "--imagined-negatives: climbing steps per visit")
      ->capture_default_str();
  train->add_option("--imagined-step", o.imagined_negatives.step_size,
                    "--imagined-negatives: root mean square of a step in whitened coefficients")
      ->capture_default_str();
  train->add_option("--imagined-restart", o.imagined_negatives.restart_p,
                    "--imagined-negatives: chance that a visited chain starts again from noise")
      ->capture_default_str();
  train->add_option("--imagined-init-std", o.imagined_negatives.init_std,
                    "--imagined-negatives: spread of a fresh chain's whitened coefficients")
      ->capture_default_str();
  train->add_option("--imagined-from-pictures", o.imagined_negatives.picture_start,
                    "--imagined-negatives: a fresh chain starts at this times its picture's coefficients plus the noise "
                    "(1 with --imagined-restart 1: every visit climbs away from the picture; 0: from noise)")
      ->capture_default_str();
  train->add_option("--imagined-prior", o.imagined_negatives.prior,
                    "--imagined-negatives: the chains climb cos - prior * mean(z^2), as brivl imagine --basis-prior")
      ->capture_default_str();
  train->add_option("--imagined-scale", o.imagined_negatives.scale,
                    "--imagined-negatives: softplus(scale * (cos(imagined) - cos(picture)))")
      ->capture_default_str();
  train->add_option("--batchnorm", o.batchnorm,
                    "batch | frozen: BatchNorm of the image tower from each batch, or the --init weights' statistics kept")
      ->capture_default_str();
  train->add_option("--nproc-per-node", t->nproc,
                    "data-parallel: start this many processes on this machine, each with its share of every batch "
                    "(docs/TRAINING.md; torchrun-style RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT also work)");
  train->add_option("--backend", o.backend, "data-parallel: auto | gloo | nccl")->capture_default_str();
  train->add_option("--dist-timeout", o.dist_timeout_s,
                    "data-parallel: seconds a process waits for the others before the run ends with an error "
                    "(more than rank 0 needs to evaluate and write a checkpoint)")
      ->capture_default_str();
  train->add_flag("--jsonl", t->jsonl, "progress as JSON lines on stdout (for monitors)");
  train->add_flag("--watch", t->watch, "show loss and recall@1 in a live window (Q: checkpoint and stop)");
  train->callback([train, t] { run_train(*train, *t); });

  auto ra = std::make_shared<RobustifyArgs>();
  ra->model.executable = executable;
  auto& ro = ra->options;
  // FARE's recipe, scaled to small data: a gentle learning rate and no weight decay keep the clean
  // embeddings where they were (docs/TRAINING.md, "Robust models").
  ro.lr = 1e-4, ro.weight_decay = 0.0, ro.epochs = 5, ro.warmup_steps = 20;
  auto* robustify = app.add_subcommand(
      "robustify", "adversarially fine-tune a model's image tower (FARE): robust features whose gradients imagination can follow; see docs/TRAINING.md");
  add_model_file_options(*robustify, ra->model, false);
  robustify->add_option("--device", ra->model.device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  robustify->add_option("--threads", ra->model.threads, "intra-op threads (0: all cores)");
  robustify->add_option("--data", ro.data, "CSV / TSV / JSONL of image-text pairs, or a folder of images (captions only feed the recall it reports)");
  robustify->add_option("--out", ro.out, "new run folder: a model bundle in the official layout, like brivl train's");
  robustify->add_option("--resume", ra->resume, "continue the run in this folder from its last checkpoint");
  robustify->add_option("--eps", ra->eps, "L-inf budget of the attack in pixel units, e.g. 4/255")->capture_default_str();
  robustify->add_option("--pgd-steps", ro.adversarial.steps, "PGD steps of each attack")->capture_default_str();
  robustify->add_option("--adv-ramp", ro.adversarial.ramp_steps, "steps over which the budget grows to --eps")->capture_default_str();
  robustify->add_option("--epochs", ro.epochs, "passes over the images")->capture_default_str();
  robustify->add_option("--max-minutes", ro.max_minutes, "stop with a checkpoint after this long (the schedule is fitted to it)");
  robustify->add_option("--batch", ro.batch_size, "images per batch")->capture_default_str();
  robustify->add_option("--lr", ro.lr, "peak learning rate (AdamW, warm-up then cosine)")->capture_default_str();
  robustify->add_option("--seed", ro.seed, "seed of the split, order and attacks")->capture_default_str();
  robustify->add_option("--eval-every", ro.eval_every, "steps between evaluations and checkpoints (0: every epoch)");
  robustify->add_flag("--jsonl", ra->jsonl, "progress as JSON lines on stdout (for monitors)");
  robustify->add_flag("--watch", ra->watch, "show loss and recall@1 in a live window (Q: checkpoint and stop)");
  robustify->callback([robustify, ra] { run_robustify(*robustify, *ra); });

  auto e = std::make_shared<EvalArgs>();
  e->model.executable = executable;
  auto* eval = app.add_subcommand("eval", "retrieval recall@1/5/10 both ways, or zero-shot accuracy with --labels");
  add_model_file_options(*eval, e->model, true);
  add_runtime_options(*eval, e->model);
  eval->add_option("--data", e->data, "CSV / TSV / JSONL of image-text pairs")->required();
  eval->add_option("--labels", e->labels, "zero-shot classification over these labels (one per line)");
  eval->add_flag("--json", e->json, "one JSON object on stdout");
  eval->callback([e] { run_eval(*e); });

  auto s = std::make_shared<ShapesArgs>();
  auto* dataset = app.add_subcommand("dataset", "build a training dataset");
  dataset->require_subcommand(1);
  auto* shapes = dataset->add_subcommand("shapes", "synthetic coloured shapes with Chinese captions (e.g. 左上角的大红色圆形)");
  shapes->add_option("--out", s->out, "dataset folder (images/, captions.csv, attributes.csv)")->required();
  shapes->add_option("--count", s->options.count, "number of images")->capture_default_str();
  shapes->add_option("--seed", s->options.seed, "random seed (same seed, same files)")->capture_default_str();
  shapes->add_option("--size", s->options.image_size, "image side in pixels")->capture_default_str();
  shapes->add_option("--captions", s->options.captions_per_image, "captions per image (different phrasings)")->capture_default_str();
  shapes->add_option("--background", s->options.background,
                     "dark (grey 30..60) | varied (any lightness, tinted, never close to the shape's colour)")
      ->capture_default_str();
  shapes->add_option("--colours", s->options.colours,
                     "exact (six palette colours) | spread (each colour a band of hues, saturations and "
                     "lightnesses, with unnamed gaps between them) | more (spread over twelve colours: "
                     "also 橙色 青色 粉色 棕色 灰色 黑色)")
      ->capture_default_str();
  shapes->add_flag("--overwrite", s->overwrite, "replace an existing dataset in --out");
  shapes->callback([s] {
    ProgressLine progress("images");
    auto hooks = progress.hooks();
    write_shapes_dataset(s->out, s->options, s->overwrite, [&](int done, int total) {
      if (hooks.on_progress) hooks.on_progress(done, total);
    });
    std::cerr << "wrote " << s->options.count << " images to " << s->out << " (captions.csv, attributes.csv)\n";
  });
}

}  // namespace brivl::cli
