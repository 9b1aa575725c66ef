#include "train/trainer.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "imagine/image_basis.h"
#include "io/checkpoint.h"
#include "model/brivl_model.h"
#include "model/state_loading.h"
#include "text/bert_tokenizer.h"
#include "train/batch_loader.h"
#include "train/caption_table.h"
#include "train/distributed/gradient_sync.h"
#include "train/distributed/process_group.h"
#include "train/moco.h"
#include "train/image_augment.h"
#include "train/robust/adversarial.h"
#include "train/robust/aligned_gradients.h"
#include "train/robust/imagined_negatives.h"
#include "train/run_directory.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/thread_count.h"
#include "vision/preprocess.h"

namespace brivl {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string relative_to(const std::string& path, const std::string& base) {
  std::error_code ec;
  auto rel = fs::relative(path, base, ec);
  return ec ? path : rel.string();
}

// BERT's own initialisation (N(0, 0.02) weights, zero biases): torch's defaults (N(0, 1)
// embeddings) make a from-scratch text tower train much more slowly.
void init_text_backbone(torch::nn::Module& bert) {
  torch::NoGradGuard no_grad;
  for (auto& p : bert.named_parameters()) {
    const auto& name = p.key();
    if (name.find("LayerNorm") != std::string::npos) continue;
    if (p.value().dim() >= 2) p.value().normal_(0.0, 0.02);
    else p.value().zero_();
  }
}

// brivl-nmi init_param: the image backbone learns only in blocks 3-6, BERT only in its last
// four layers; everything else of the backbones is frozen (the heads always learn).
void freeze_official(MoCoBriVLImpl& model, int64_t bert_layers) {
  for (auto& p : model.imgencoder->backbone->named_parameters()) {
    const auto& n = p.key();
    const bool learn = n.find("blocks.3") != std::string::npos || n.find("blocks.4") != std::string::npos ||
                       n.find("blocks.5") != std::string::npos || n.find("blocks.6") != std::string::npos;
    p.value().set_requires_grad(learn);
  }
  for (auto& p : model.textencoder->backbone->named_parameters()) {
    bool learn = false;
    for (int64_t l = std::max<int64_t>(0, bert_layers - 4); l < bert_layers; ++l)
      if (p.key().find("layer." + std::to_string(l) + ".") != std::string::npos) learn = true;
    p.value().set_requires_grad(learn);
  }
}

std::vector<torch::nn::BatchNorm2dImpl*> batchnorms(torch::nn::Module& module) {
  std::vector<torch::nn::BatchNorm2dImpl*> out;
  for (auto& m : module.modules(/*include_self=*/true))
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) out.push_back(bn);
  return out;
}

json recall_json(const RecallAtK& r) { return {{"r1", r.r1}, {"r5", r.r5}, {"r10", r.r10}, {"mean_rank", r.mean_rank}}; }

// Everything the loop needs to continue exactly where a checkpoint was taken.
struct LoopState {
  int64_t step = 0;
  int64_t epoch = 0;
  int64_t batch_in_epoch = 0;  // micro-batches of `epoch` already consumed
  int64_t schedule_steps = 0;  // length of the warm-up + cosine schedule (fixed once known)
  bool schedule_fixed = false;
  double best_metric = -1;
  int64_t best_step = -1;
  double eval_seconds = 0;  // mean cost of one evaluation, for the ETA
  int64_t evals = 0;
};

// The device of this process: a data-parallel rank on CUDA takes the GPU of its LOCAL_RANK
// unless the device names one.
torch::Device process_device(const std::string& spec, const LaunchEnvironment& env) {
  auto device = parse_device(spec);
  if (device.is_cuda() && env.distributed() && spec.find(':') == std::string::npos)
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
  return device;
}

// The sum of every parameter, in double: replicas that compute the same thing agree to the bit.
double parameter_checksum(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  for (const auto& p : module.parameters()) sum += p.to(torch::kFloat64).sum().item<double>();
  return sum;
}

class Trainer {
 public:
  Trainer(TrainOptions options, RunDirectory run, const TrainHooks& hooks, LaunchEnvironment env,
          std::unique_ptr<ProcessGroup> group)
      : o_(std::move(options)), run_(std::move(run)), hooks_(hooks), env_(env), group_(std::move(group)),
        writer_(env.rank == 0) {}

  TrainResult run(bool resuming);

 private:
  // Rank 0 speaks for the run: its log, its hooks.
  void message(const std::string& text) {
    if (!writer_) return;
    run_.log(text);
    if (hooks_.on_message) hooks_.on_message(text);
  }
  // What only this rank knows (its share of the data): said on every rank.
  void rank_message(const std::string& text) {
    if (writer_) return message(text);
    if (hooks_.on_message) hooks_.on_message("rank " + std::to_string(env_.rank) + ": " + text);
  }
  // Data-parallel: each flag raised on any rank, so that every rank takes the same branch.
  std::vector<int64_t> agree(const std::vector<int64_t>& flags) { return group_ ? group_->all_reduce_max(flags) : flags; }
  // The checkpoint step's check that the replicas are still one model.
  void verify_replicas();
  void setup_data(bool resuming);
  void setup_model(bool resuming);
  bool restore_checkpoint();
  double learning_rate(int64_t step) const;
  void train_step(TrainBatch* batches, int64_t count);
  // --aligned-gradients: backpropagates the loss of this micro-batch; returns (loss, alignment).
  std::pair<double, double> aligned_gradients_step(const torch::Tensor& images, const torch::Tensor& captions,
                                                   int64_t micro_batch, int64_t micro_batches);
  // --imagined-negatives: continues the chains of this micro-batch's first captions and
  // backpropagates the loss; returns (loss, imagined similarity, picture similarity). `pictures`:
  // the images' embeddings; `images`: the micro-batch's normalised images.
  std::array<double, 3> imagined_negatives_step(const torch::Tensor& pictures, const torch::Tensor& images,
                                                const torch::Tensor& captions,
                                                const std::vector<uint64_t>& keys, int64_t side, int64_t micro_batch,
                                                int64_t micro_batches);
  // The objective "fare": one micro-batch's loss, backpropagated; returns its value.
  double fare_step(const torch::Tensor& images, double eps, int64_t micro_batch, int64_t micro_batches);
  // The attack's random start depends only on (seed, step, micro-batch): resumed runs see the same.
  torch::Generator attack_generator(int64_t micro_batch) const;
  // train() for the parts that learn; under "fare" the image tower keeps the teacher's BatchNorm
  // statistics (eval mode) and the text tower does not learn at all.
  void set_training_mode();
  RetrievalMetrics evaluate();
  void recalibrate_batchnorm();
  void save_checkpoint();
  void write_status(const std::string& state, const std::string& error = "");
  double eta_seconds() const;
  void fix_schedule_from_time_budget();

  TrainOptions o_;
  RunDirectory run_;
  TrainHooks hooks_;
  LaunchEnvironment env_;
  std::unique_ptr<ProcessGroup> group_;  // null: one process
  std::unique_ptr<GradientSync> gradient_sync_;
  bool writer_ = true;                   // rank 0: writes the run folder, evaluates
  ModelConfig config_;
  std::unique_ptr<BertTokenizer> tokenizer_;
  CaptionTable train_table_, val_table_;
  std::unique_ptr<BatchLoader> loader_, recal_loader_;
  torch::Tensor val_images_;
  torch::Device device_{torch::kCPU};
  MoCoBriVL model_{nullptr};
  ImageEncoder teacher_{nullptr};  // objective "fare": the frozen starting image tower
  std::optional<ImageBasis> aligned_basis_;  // --aligned-basis: on the device
  std::unique_ptr<ImaginationChains> chains_;  // --imagined-negatives
  bool fare_ = false;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  FeatureQueue image_queue_, text_queue_;
  double momentum_ = 0.99;
  ContrastiveOptions loss_options_;
  int64_t text_len_ = 32, steps_per_epoch_ = 0, eval_every_ = 0;
  LoopState s_;
  std::optional<RetrievalMetrics> last_eval_, best_eval_;
  std::string last_checkpoint_, best_checkpoint_;
  Clock::time_point started_ = Clock::now();
  double step_seconds_ = 0;  // running mean of recent optimizer steps
  int64_t recalibrated_at_ = -1;
  int64_t timed_steps_ = 0;
  // Window for the metrics line.
  struct Window {
    int64_t steps = 0, samples = 0;
    double loss = 0, i2t = 0, t2i = 0, pos = 0, neg = 0, data_s = 0, step_s = 0, comm_s = 0;
    double aligned_loss = 0, alignment = 0;  // --aligned-gradients
    double imagined_loss = 0, imagined_sim = 0, picture_sim = 0;  // --imagined-negatives
    Clock::time_point start = Clock::now();
  } w_;
};

void Trainer::setup_data(bool resuming) {
  if (resuming) {
    // The split saved when the run started: resuming never depends on the data file having stayed the same.
    train_table_ = read_caption_table(run_.file("train.csv"));
    val_table_ = fs::exists(run_.file("validation.csv")) ? read_caption_table(run_.file("validation.csv")) : CaptionTable{};
    return;
  }
  auto table = read_caption_table(o_.data);
  message("data: " + o_.data + ": " + std::to_string(table.images.size()) + " images, " + std::to_string(table.pairs()) +
          " image-text pairs");
  if (table.skipped.total() > 0) message("data: " + table.skipped.summary());
  auto split = split_caption_table(table, o_.val_split, o_.seed);
  train_table_ = std::move(split.train);
  val_table_ = std::move(split.validation);
  BRIVL_CHECK(static_cast<int64_t>(train_table_.images.size()) >= o_.batch_size * o_.accumulate, o_.data, ": only ",
              train_table_.images.size(), " training images after the validation split; need at least --batch x --accumulate = ",
              o_.batch_size * o_.accumulate);
  write_caption_csv(run_.file("train.csv"), train_table_);
  if (!val_table_.images.empty()) write_caption_csv(run_.file("validation.csv"), val_table_);
  message("data: " + std::to_string(train_table_.images.size()) + " training images, " +
          std::to_string(val_table_.images.size()) + " validation images (split seed " + std::to_string(o_.seed) + ")");
}

void Trainer::setup_model(bool resuming) {
  device_ = process_device(o_.device, env_);
  // 0 = $BRIVL_THREADS, else all cores (LibTorch would otherwise start this thread with one
  // intra-op thread).
  torch::set_num_threads(o_.threads > 0 ? o_.threads : default_thread_count());
  torch::manual_seed(o_.seed);
  // The image tower keeps LibTorch's default initialisation: on the shapes set it learned ~3x
  // faster from it than from timm's He-normal init (R@1 0.14 vs 0.04 after 100 steps, docs/TRAINING.md).
  model_ = MoCoBriVL(config_);
  init_text_backbone(*model_->textencoder->backbone);
  if (!resuming && !o_.init_checkpoint.empty()) {
    auto reader = CheckpointReader::open(o_.init_checkpoint);
    BriVL online(config_);
    load_state_strict(*online, *reader, is_unused_for_inference, "the model of " + run_.file("config.yml"));
    torch::NoGradGuard no_grad;
    auto src = online->named_parameters(), dst = model_->named_parameters();
    for (auto& p : src) dst[p.key()].copy_(p.value());
    auto bsrc = online->named_buffers(), bdst = model_->named_buffers();
    for (auto& b : bsrc) bdst[b.key()].copy_(b.value());
    message("init: weights from " + o_.init_checkpoint);
  }
  model_->copy_online_to_momentum();
  if (o_.freeze == "official") freeze_official(*model_, config_.bert.num_layers);
  fare_ = o_.objective == "fare";
  if (fare_) {
    // The teacher is always the init checkpoint, also when resuming (the run's own checkpoints
    // hold the student): train_options.json names it, and it must still be there.
    BRIVL_CHECK(fs::exists(o_.init_checkpoint), o_.init_checkpoint,
                ": the starting weights (the robustify teacher) are missing; they are needed to continue this run");
    auto reader = CheckpointReader::open(o_.init_checkpoint);
    BriVL teacher(config_);
    load_state_strict(*teacher, *reader, is_unused_for_inference, "the teacher " + o_.init_checkpoint);
    teacher_ = teacher->imgencoder;
    teacher_->eval();
    for (auto& p : teacher_->parameters()) p.set_requires_grad(false);
    teacher_->to(device_);
    for (auto& p : model_->textencoder->parameters()) p.set_requires_grad(false);
  }
  model_->to(device_);
  if (!o_.aligned_gradients.basis.empty()) {
    // Read on resume too: train_options.json names it, and it must still be there.
    auto basis = load_image_basis(o_.aligned_gradients.basis).first(o_.aligned_gradients.basis_components);
    basis.mean = basis.mean.to(device_), basis.components = basis.components.to(device_), basis.stddev = basis.stddev.to(device_);
    aligned_basis_ = std::move(basis);
  }
  BRIVL_CHECK(!(group_ && o_.imagined_negatives.any()),
              "--imagined-negatives runs on one process; data-parallel runs do not support it yet");
  if (o_.imagined_negatives.any()) {
    // Read on resume too (train_options.json names it); the chains themselves start again.
    auto basis = load_image_basis(o_.imagined_negatives.basis).first(o_.imagined_negatives.basis_components);
    chains_ = std::make_unique<ImaginationChains>(basis, o_.imagined_negatives, device_);
  }
  // The loss's second backward would arrive at the gradient buckets outside the armed pass.
  BRIVL_CHECK(!(group_ && o_.aligned_gradients.any()),
              "--aligned-gradients runs on one process; data-parallel runs do not support it yet");
  if (group_) {
    // Every rank starts from rank 0's weights (the same seed gives the same ones; this makes
    // sure of it, as DDP does), on the device: NCCL takes only device tensors.
    torch::NoGradGuard no_grad;
    for (auto& p : model_->parameters()) group_->broadcast(p, 0);
    for (auto& b : model_->buffers()) group_->broadcast(b, 0);
  }
  set_training_mode();

  std::vector<torch::Tensor> decay, no_decay;
  for (auto* enc : {static_cast<torch::nn::Module*>(model_->imgencoder.get()), static_cast<torch::nn::Module*>(model_->textencoder.get())})
    for (auto& p : enc->parameters())
      if (p.requires_grad()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(o_.lr).weight_decay(o_.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(o_.lr).weight_decay(0.0)));
  optimizer_ = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(o_.lr));
  if (group_) {
    std::vector<torch::Tensor> learned;
    for (auto& g : optimizer_->param_groups())
      for (auto& p : g.params()) learned.push_back(p);
    gradient_sync_ = std::make_unique<GradientSync>(learned, *group_);
  }

  const int64_t K = o_.queue_size > 0 ? o_.queue_size : config_.queue_size;
  image_queue_ = FeatureQueue(K, config_.img_feature_dim, device_);
  text_queue_ = FeatureQueue(K, config_.img_feature_dim, device_);
  momentum_ = o_.momentum >= 0 ? o_.momentum : config_.momentum;
  loss_options_.temperature = o_.temperature > 0 ? o_.temperature : config_.temperature;
  loss_options_.moco_weight = o_.moco_weight;
  loss_options_.in_batch_weight = o_.in_batch_weight;
  loss_options_.mask_same_text = o_.mask_same_text;

  int64_t trainable = 0, total = 0;
  for (auto& p : model_->imgencoder->parameters()) total += p.numel(), trainable += p.requires_grad() ? p.numel() : 0;
  for (auto& p : model_->textencoder->parameters()) total += p.numel(), trainable += p.requires_grad() ? p.numel() : 0;
  std::ostringstream m;
  m << "model: " << config_.cnn << " + " << config_.encoder << ", " << total << " parameters (" << trainable
    << " trainable), queue " << K << ", momentum " << momentum_ << ", temperature " << loss_options_.temperature
    << ", device " << device_;
  if (fare_) m << "; robustify (FARE): image tower only, teacher " << o_.init_checkpoint;
  if (o_.aligned_gradients.any())
    m << "; aligned gradients: weight " << o_.aligned_gradients.weight << ", other captions " << o_.aligned_gradients.other_p
      << ", start noise " << o_.aligned_gradients.noise_std << ", rivals " << o_.aligned_gradients.rival_p << ", pool "
      << o_.aligned_gradients.pool;
  if (aligned_basis_)
    m << ", in the image basis " << o_.aligned_gradients.basis << " (" << aligned_basis_->count() << " components of "
      << aligned_basis_->width() << "x" << aligned_basis_->height() << ")";
  if (chains_) {
    const auto& n = o_.imagined_negatives;
    m << "; imagined negatives: weight " << n.weight << ", " << n.per_batch << " chains a micro-batch in " << n.basis << " ("
      << chains_->components() << " components), " << n.steps << " steps of " << n.step_size << " a visit, restart "
      << n.restart_p << ", scale " << n.scale;
    if (n.picture_start > 0) m << ", fresh chains start at " << n.picture_start << " x their picture's coefficients";
  }
  if (group_)
    m << "; data-parallel: " << group_->size() << " processes (" << group_->backend() << "), " << o_.batch_size / group_->size()
      << " of each batch's " << o_.batch_size << " images per process, gradients in " << gradient_sync_->buckets() << " buckets";
  if (o_.batchnorm == "frozen") m << "; BatchNorm frozen (the starting weights' statistics)";
  if (o_.adversarial.eps > 0)
    m << "; adversarial: eps " << o_.adversarial.eps * 255 << "/255, " << o_.adversarial.steps << " PGD steps, from step "
      << o_.adversarial.start_step << " ramped over " << o_.adversarial.ramp_steps;
  message(m.str());
}

void Trainer::set_training_mode() {
  model_->train();
  if (fare_) {
    model_->imgencoder->eval();
    model_->textencoder->eval();
  }
  if (o_.batchnorm == "frozen") {
    for (auto* bn : batchnorms(*model_->imgencoder)) bn->eval();
    for (auto* bn : batchnorms(*model_->imgencoder_mom)) bn->eval();
  }
}

torch::Generator Trainer::attack_generator(int64_t micro_batch) const {
  // Each rank attacks its own images: its own random starts (one process: as before).
  const uint64_t seed = mix_seed(o_.seed, 0xad7e5a11ULL, static_cast<uint64_t>(s_.step), static_cast<uint64_t>(micro_batch));
  return at::detail::createCPUGenerator(env_.distributed() ? mix_seed(seed, static_cast<uint64_t>(env_.rank)) : seed);
}

double Trainer::fare_step(const torch::Tensor& images, double eps, int64_t micro_batch, int64_t micro_batches) {
  torch::Tensor target;
  {
    torch::NoGradGuard no_grad;
    target = teacher_->forward(images).to(torch::kFloat32);
  }
  auto distance = [&](const torch::Tensor& x) {
    return (model_->imgencoder(x).to(torch::kFloat32) - target).pow(2).sum(1).mean();
  };
  auto gen = attack_generator(micro_batch);
  const auto attacked = pgd_attack(images, eps, o_.adversarial.steps, o_.adversarial.step_size, distance, gen);
  const auto loss = distance(attacked);
  (loss / static_cast<double>(micro_batches)).backward();
  return loss.item<double>();
}

std::pair<double, double> Trainer::aligned_gradients_step(const torch::Tensor& images, const torch::Tensor& captions,
                                                          int64_t micro_batch, int64_t micro_batches) {
  // BatchNorm on its running statistics, as imagination sees the tower: each point's gradient is
  // its own, not mixed with the batch's through the batch statistics.
  std::vector<std::pair<torch::nn::Module*, bool>> modes;
  for (auto* bn : batchnorms(*model_->imgencoder)) modes.emplace_back(bn, bn->is_training()), bn->eval();
  const uint64_t seed = mix_seed(o_.seed, 0xa119edULL, static_cast<uint64_t>(s_.step), static_cast<uint64_t>(micro_batch));
  auto gen = at::detail::createCPUGenerator(seed);
  auto embed = [&](const torch::Tensor& x) { return model_->imgencoder(x).to(torch::kFloat32); };
  const auto a = aligned_gradient_loss(embed, images, captions, o_.aligned_gradients, gen,
                                       aligned_basis_ ? &*aligned_basis_ : nullptr);
  (a.loss * (o_.aligned_gradients.weight / static_cast<double>(micro_batches))).backward();
  for (auto& [bn, training] : modes) bn->train(training);
  return {a.loss.item<double>(), a.alignment};
}

std::array<double, 3> Trainer::imagined_negatives_step(const torch::Tensor& pictures, const torch::Tensor& images,
                                                       const torch::Tensor& captions,
                                                       const std::vector<uint64_t>& keys, int64_t side,
                                                       int64_t micro_batch, int64_t micro_batches) {
  // BatchNorm on its running statistics, as imagination sees the tower.
  std::vector<std::pair<torch::nn::Module*, bool>> modes;
  for (auto* bn : batchnorms(*model_->imgencoder)) modes.emplace_back(bn, bn->is_training()), bn->eval();
  const int64_t m = std::min<int64_t>(o_.imagined_negatives.per_batch, static_cast<int64_t>(keys.size()));
  const uint64_t seed = mix_seed(o_.seed, 0x1ba91eULL, static_cast<uint64_t>(s_.step), static_cast<uint64_t>(micro_batch));
  auto gen = at::detail::createCPUGenerator(seed);
  auto embed = [&](const torch::Tensor& x) { return model_->imgencoder(x).to(torch::kFloat32); };
  const std::vector<uint64_t> chosen(keys.begin(), keys.begin() + m);
  const auto c = captions.narrow(0, 0, m);
  const bool from_pictures = o_.imagined_negatives.picture_start > 0;
  torch::Tensor shown;  // the captions' pictures in [0, 1], for chains that start at them
  if (from_pictures) {
    const auto f = images.options().dtype(torch::kFloat32);
    shown = images.narrow(0, 0, m).detach().to(torch::kFloat32) * imagenet_std(f) + imagenet_mean(f);
  }
  const auto imagined = chains_->advance(embed, c, chosen, side, gen, shown);
  const auto f32 = imagined.options();
  const auto unit = torch::nn::functional::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12);
  const auto e = torch::nn::functional::normalize(embed((imagined - imagenet_mean(f32)) / imagenet_std(f32)), unit);
  // Chains that start at their pictures are measured against their start (with its graph): the
  // projection of the picture must stay above where the climb from it went.
  const auto bar = from_pictures
                       ? torch::nn::functional::normalize(
                             embed((chains_->last_starts() - imagenet_mean(f32)) / imagenet_std(f32)), unit)
                       : pictures.narrow(0, 0, m);
  const auto l = imagined_negative_loss(e, bar, c, o_.imagined_negatives.scale, from_pictures);
  (l.loss * (o_.imagined_negatives.weight / static_cast<double>(micro_batches))).backward();
  for (auto& [bn, training] : modes) bn->train(training);
  return {l.loss.item<double>(), l.imagined_similarity, l.picture_similarity};
}

double Trainer::learning_rate(int64_t step) const {
  if (o_.warmup_steps > 0 && step < o_.warmup_steps) return o_.lr * static_cast<double>(step + 1) / static_cast<double>(o_.warmup_steps);
  const double span = static_cast<double>(std::max<int64_t>(1, s_.schedule_steps - o_.warmup_steps));
  const double t = std::min(1.0, static_cast<double>(step - o_.warmup_steps) / span);
  return o_.lr * 0.5 * (1 + std::cos(M_PI * t));
}

void Trainer::train_step(TrainBatch* batches, int64_t count) {
  const auto start = Clock::now();
  const double lr = learning_rate(s_.step);
  for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  std::vector<torch::Tensor> img_keys, txt_keys;
  std::vector<uint64_t> captions;
  double loss = 0, i2t = 0, t2i = 0, pos = 0, neg = 0, aligned_loss = 0, alignment = 0;
  std::array<double, 3> imagined{0, 0, 0};  // --imagined-negatives: loss, imagined and picture similarity
  int64_t samples = 0;
  const double eps = adversarial_eps_at(o_.adversarial, s_.step);
  for (int64_t m = 0; m < count; ++m) {
    auto& b = batches[m];
    // Data-parallel: every rank holds a slice of the batch; the loss is the one-process loss over
    // the whole batch (embeddings and captions gathered), backpropagated through this rank's slice.
    std::vector<int64_t> rows;
    torch::Tensor batch_captions;
    if (group_) {
      auto keys = torch::empty({static_cast<int64_t>(b.text_keys.size())}, torch::kInt64);
      if (!b.text_keys.empty()) std::memcpy(keys.data_ptr<int64_t>(), b.text_keys.data(), b.text_keys.size() * sizeof(uint64_t));
      batch_captions = group_->all_gather_rows(keys.to(device_), &rows).cpu();
    }
    const int64_t batch_samples = group_ ? batch_captions.size(0) : b.images.size(0);
    if (batch_samples < 2) continue;  // undecodable images left too few samples to contrast
    if (fare_) {
      loss += fare_step(b.images.to(device_), eps, m, count) / static_cast<double>(count);
      samples += b.images.size(0);
      continue;
    }
    auto images = b.images.to(device_);
    const auto ids = b.input_ids.to(device_), mask = b.mask.to(device_);
    const bool none_here = images.size(0) == 0;  // data-parallel: this rank's slice lost every image
    if (eps > 0 && !none_here) {
      // CLIPAG-style: attack each image away from its own caption's current embedding, then
      // learn the contrastive task on the attacked images (their momentum keys too).
      const auto unit = torch::nn::functional::NormalizeFuncOptions().dim(-1);
      torch::Tensor caption;
      {
        torch::NoGradGuard no_grad;
        caption = torch::nn::functional::normalize(model_->textencoder(ids, mask).to(torch::kFloat32), unit);
      }
      auto away = [&](const torch::Tensor& x) {
        const auto e = torch::nn::functional::normalize(model_->imgencoder(x).to(torch::kFloat32), unit);
        return -(e * caption).sum(1).mean();
      };
      auto gen = attack_generator(m);
      images = pgd_attack(images, eps, o_.adversarial.steps, o_.adversarial.step_size, away, gen);
    }
    torch::Tensor q_img, q_txt, k_img, k_txt;
    if (gradient_sync_ && m == count - 1) gradient_sync_->arm();
    if (none_here) {
      const auto empty = torch::zeros({0, config_.img_feature_dim}, torch::TensorOptions().device(device_));
      q_img = q_txt = k_img = k_txt = empty;
    } else {
      const bool amp = o_.amp && device_.is_cuda();
      if (amp) {
        at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
        at::autocast::set_enabled(true);
      }
      const auto norm = torch::nn::functional::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12);
      q_img = torch::nn::functional::normalize(model_->imgencoder(images).to(torch::kFloat32), norm);
      q_txt = torch::nn::functional::normalize(model_->textencoder(ids, mask).to(torch::kFloat32), norm);
      {
        torch::NoGradGuard no_grad;
        k_img = torch::nn::functional::normalize(model_->imgencoder_mom(images).to(torch::kFloat32), norm);
        k_txt = torch::nn::functional::normalize(model_->textencoder_mom(ids, mask).to(torch::kFloat32), norm);
      }
      if (amp) {
        at::autocast::set_enabled(false);
        at::autocast::clear_cache();
      }
    }
    std::vector<uint64_t> keys = b.text_keys;
    if (group_) {
      // This rank's rows keep their graph; the others' arrive as values.
      int64_t before = 0;
      for (int r = 0; r < env_.rank; ++r) before += rows[static_cast<size_t>(r)];
      auto whole = [&](const torch::Tensor& local, bool with_grad) {
        auto all = group_->all_gather_rows(local.detach());
        if (!with_grad) return all;
        const int64_t n = local.size(0), total = all.size(0);
        return torch::cat({all.narrow(0, 0, before), local, all.narrow(0, before + n, total - before - n)});
      };
      q_img = whole(q_img, true), q_txt = whole(q_txt, true), k_img = whole(k_img, false), k_txt = whole(k_txt, false);
      keys.resize(static_cast<size_t>(batch_captions.size(0)));
      std::memcpy(keys.data(), batch_captions.data_ptr<int64_t>(), keys.size() * sizeof(uint64_t));
    }
    const auto local_captions = q_txt.detach();  // one process: this micro-batch's captions
    auto l = contrastive_loss(q_img, q_txt, k_img, k_txt, image_queue_, text_queue_, keys, loss_options_);
    if (l.loss.requires_grad()) (l.loss / static_cast<double>(count)).backward();
    if (o_.aligned_gradients.any() && !none_here) {
      const auto a = aligned_gradients_step(images, local_captions, m, count);
      aligned_loss += a.first / static_cast<double>(count), alignment += a.second / static_cast<double>(count);
    }
    if (chains_ && !none_here) {
      const auto r = imagined_negatives_step(q_img.detach(), images, local_captions, b.text_keys, images.size(-1), m, count);
      imagined[0] += r[0] / static_cast<double>(count), imagined[1] += r[1] / static_cast<double>(count);
      imagined[2] += r[2] / static_cast<double>(count);
    }
    loss += l.loss.item<double>() / count, i2t += l.loss_i2t / count, t2i += l.loss_t2i / count;
    pos += l.positive_similarity / count, neg += l.negative_similarity / count;
    img_keys.push_back(k_img);
    txt_keys.push_back(k_txt);
    captions.insert(captions.end(), keys.begin(), keys.end());
    samples += batch_samples;
  }
  BRIVL_CHECK(std::isfinite(loss), "training diverged at step ", s_.step, " (loss ", loss, "); lower --lr");
  double comm_s = 0;
  if (gradient_sync_) comm_s = gradient_sync_->finish();  // .grad: the whole batch's gradient, on every rank
  if (o_.clip_norm > 0) {
    std::vector<torch::Tensor> params;
    for (auto& g : optimizer_->param_groups())
      for (auto& p : g.params()) params.push_back(p);
    torch::nn::utils::clip_grad_norm_(params, o_.clip_norm);
  }
  optimizer_->step();
  optimizer_->zero_grad();
  if (!fare_) model_->momentum_update(momentum_);
  if (!img_keys.empty()) {
    image_queue_.enqueue(torch::cat(img_keys), captions);
    text_queue_.enqueue(torch::cat(txt_keys), captions);
  }
  ++s_.step;
  const double elapsed = seconds_since(start);
  w_.aligned_loss += aligned_loss, w_.alignment += alignment;
  w_.imagined_loss += imagined[0], w_.imagined_sim += imagined[1], w_.picture_sim += imagined[2];
  w_.steps += 1, w_.samples += samples, w_.loss += loss, w_.i2t += i2t, w_.t2i += t2i, w_.pos += pos, w_.neg += neg;
  w_.step_s += elapsed;
  w_.comm_s += comm_s;
  // Mean step time, skipping the first steps (allocator and oneDNN warm-up).
  if (s_.step > 3) {
    ++timed_steps_;
    const double a = std::max(0.02, 1.0 / static_cast<double>(timed_steps_));
    step_seconds_ = step_seconds_ == 0 ? elapsed : (1 - a) * step_seconds_ + a * elapsed;
  }
}

void Trainer::recalibrate_batchnorm() {
  // BatchNorm running statistics (momentum 0.1) lag far behind weights that change every step;
  // evaluation-mode embeddings from them are poor. Re-estimate them as plain averages over fixed,
  // non-augmented training batches (deterministic, so resumed runs get the same numbers).
  // fare and frozen BatchNorm keep the starting weights' statistics.
  if (o_.bn_recalibration_batches <= 0 || fare_ || o_.batchnorm == "frozen") return;
  auto bns = batchnorms(*model_->imgencoder);
  std::vector<std::decay_t<decltype(bns.front()->options.momentum())>> saved;
  for (auto* bn : bns) {
    saved.push_back(bn->options.momentum());
    bn->reset_running_stats();
    bn->options.momentum(c10::nullopt);
  }
  torch::NoGradGuard no_grad;
  model_->imgencoder->train();
  recal_loader_->start_epoch(0);
  for (int64_t i = 0; i < o_.bn_recalibration_batches; ++i) {
    auto b = recal_loader_->next();
    if (!b) break;
    if (b->images.size(0) > 0) model_->imgencoder(b->images.to(device_));
  }
  for (size_t i = 0; i < bns.size(); ++i) bns[i]->options.momentum(saved[i]);
  recalibrated_at_ = s_.step;
}

RetrievalMetrics Trainer::evaluate() {
  const auto start = Clock::now();
  if (hooks_.on_progress) {
    TrainProgress p;
    p.phase = "eval", p.step = s_.step, p.total_steps = s_.schedule_steps, p.epoch = s_.epoch, p.epochs = o_.epochs;
    hooks_.on_progress(p);
  }
  recalibrate_batchnorm();
  model_->eval();
  RetrievalMetrics metrics;
  {
    torch::NoGradGuard no_grad;
    const auto norm = torch::nn::functional::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12);
    if (!val_images_.defined()) val_images_ = load_eval_images(val_table_.images, config_.img_size, o_.workers);
    std::vector<torch::Tensor> img;
    for (int64_t i = 0; i < val_images_.size(0); i += 64)
      img.push_back(torch::nn::functional::normalize(model_->imgencoder(val_images_.narrow(0, i, std::min<int64_t>(64, val_images_.size(0) - i)).to(device_)).to(torch::kFloat32), norm));
    std::vector<std::string> texts;
    std::vector<int64_t> text_image;
    std::vector<uint64_t> keys;
    for (size_t i = 0; i < val_table_.texts.size(); ++i)
      for (const auto& t : val_table_.texts[i]) texts.push_back(t), text_image.push_back(static_cast<int64_t>(i)), keys.push_back(caption_key(t));
    std::vector<torch::Tensor> txt;
    for (size_t i = 0; i < texts.size(); i += 128) {
      const int64_t n = static_cast<int64_t>(std::min<size_t>(128, texts.size() - i));
      auto ids = torch::zeros({n, text_len_}, torch::kInt64), mask = torch::zeros({n, text_len_}, torch::kInt64);
      for (int64_t k = 0; k < n; ++k) {
        const auto enc = tokenizer_->encode(texts[i + k], static_cast<int>(text_len_));
        std::copy(enc.input_ids.begin(), enc.input_ids.end(), ids.data_ptr<int64_t>() + k * text_len_);
        std::copy(enc.attention_mask.begin(), enc.attention_mask.end(), mask.data_ptr<int64_t>() + k * text_len_);
      }
      txt.push_back(torch::nn::functional::normalize(model_->textencoder(ids.to(device_), mask.to(device_)).to(torch::kFloat32), norm));
    }
    const auto sim = torch::matmul(torch::cat(txt), torch::cat(img).t()).contiguous().cpu();
    std::vector<float> values(sim.data_ptr<float>(), sim.data_ptr<float>() + sim.numel());
    metrics = retrieval_metrics(values, static_cast<int64_t>(texts.size()), val_images_.size(0), text_image, keys);
  }
  set_training_mode();
  const double cost = seconds_since(start);
  s_.eval_seconds = (s_.eval_seconds * static_cast<double>(s_.evals) + cost) / static_cast<double>(s_.evals + 1);
  ++s_.evals;
  last_eval_ = metrics;
  json line = {{"type", "eval"}, {"step", s_.step}, {"epoch", s_.epoch}, {"images", metrics.images}, {"texts", metrics.texts},
               {"t2i", recall_json(metrics.t2i)}, {"i2t", recall_json(metrics.i2t)}, {"eval_s", cost}};
  run_.append_metrics(line.dump());
  std::ostringstream m;
  m.precision(3);
  m << "eval at step " << s_.step << ": text->image R@1 " << metrics.t2i.r1 << " R@5 " << metrics.t2i.r5 << " R@10 "
    << metrics.t2i.r10 << ", image->text R@1 " << metrics.i2t.r1 << " R@5 " << metrics.i2t.r5 << " R@10 " << metrics.i2t.r10
    << " (" << metrics.images << " images, " << cost << " s)";
  message(m.str());
  // The step-0 evaluation (chance level, no checkpoint) is a reference, never the best.
  // Under "fare" recall only watches that the embeddings stay usable: save_checkpoint() makes every
  // checkpoint the run's model.
  if (!fare_ && s_.step > 0 && metrics.mean_r1() > s_.best_metric) {
    s_.best_metric = metrics.mean_r1();
    s_.best_step = s_.step;
    best_eval_ = metrics;
  }
  return metrics;
}

void Trainer::save_checkpoint() {
  if (hooks_.on_progress) {
    TrainProgress p;
    p.phase = "checkpoint", p.step = s_.step, p.total_steps = s_.schedule_steps;
    hooks_.on_progress(p);
  }
  // Saved statistics must be usable for inference. Running statistics never influence training
  // (BatchNorm uses batch statistics there) and every evaluation re-estimates them from scratch,
  // so re-estimating here keeps resumed runs identical to uninterrupted ones.
  if (recalibrated_at_ != s_.step) recalibrate_batchnorm();
  // Robustify's result is its newest (most robust) checkpoint, also after a stop without evaluation.
  if (fare_) s_.best_step = s_.step, best_eval_ = last_eval_;
  // With the official-only entries the checkpoint loads in the official code as well as in ours.
  auto state = module_state(*model_);
  for (auto& entry : official_only_state(config_)) state.push_back(std::move(entry));
  save_official_checkpoint(run_.checkpoint_path(s_.step), state);
  // Trainer state: written after the weights; its presence marks the checkpoint complete.
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive opt_archive;
  optimizer_->save(opt_archive);
  archive.write("optimizer", opt_archive);
  auto captions_tensor = [](const std::vector<uint64_t>& v) {
    auto t = torch::empty({static_cast<int64_t>(v.size())}, torch::kInt64);
    std::memcpy(t.data_ptr<int64_t>(), v.data(), v.size() * sizeof(uint64_t));
    return t;
  };
  archive.write("image_queue", image_queue_.features.cpu());
  archive.write("image_queue_captions", captions_tensor(image_queue_.captions));
  archive.write("text_queue", text_queue_.features.cpu());
  archive.write("text_queue_captions", captions_tensor(text_queue_.captions));
  json meta = {{"step", s_.step},
               {"epoch", s_.epoch},
               {"batch_in_epoch", s_.batch_in_epoch},
               {"schedule_steps", s_.schedule_steps},
               {"schedule_fixed", s_.schedule_fixed},
               {"best_metric", s_.best_metric},
               {"best_step", s_.best_step},
               {"eval_seconds", s_.eval_seconds},
               {"evals", s_.evals},
               {"image_queue_ptr", image_queue_.ptr},
               {"image_queue_filled", image_queue_.filled},
               {"text_queue_ptr", text_queue_.ptr},
               {"text_queue_filled", text_queue_.filled}};
  const auto meta_text = meta.dump();
  archive.write("meta", torch::from_blob(const_cast<char*>(meta_text.data()), {static_cast<int64_t>(meta_text.size())}, torch::kInt8).clone());
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomically(run_.state_path(s_.step), bytes.str());
  last_checkpoint_ = run_.checkpoint_path(s_.step);
  if (s_.best_step >= 0 && fs::exists(run_.checkpoint_path(s_.best_step))) best_checkpoint_ = run_.checkpoint_path(s_.best_step);
  run_.prune_checkpoints(o_.keep_last, s_.best_step);
  message("checkpoint: " + relative_to(last_checkpoint_, run_.path()));
}

bool Trainer::restore_checkpoint() {
  const auto steps = run_.checkpoint_steps();
  if (steps.empty()) return false;
  const int64_t step = steps.back();
  {
    auto reader = CheckpointReader::open(run_.checkpoint_path(step));
    load_state_strict(*model_, *reader, is_official_only, "the training run " + run_.path());
  }
  model_->to(device_);
  torch::serialize::InputArchive archive;
  archive.load_from(run_.state_path(step), device_);
  torch::serialize::InputArchive opt_archive;
  archive.read("optimizer", opt_archive);
  optimizer_->load(opt_archive);
  auto read_tensor = [&](const char* key) {
    torch::Tensor t;
    archive.read(key, t);
    return t;
  };
  auto to_captions = [](const torch::Tensor& t) {
    std::vector<uint64_t> v(static_cast<size_t>(t.numel()));
    std::memcpy(v.data(), t.cpu().data_ptr<int64_t>(), v.size() * sizeof(uint64_t));
    return v;
  };
  const auto meta_t = read_tensor("meta").cpu();
  const auto meta = json::parse(std::string(static_cast<const char*>(meta_t.data_ptr()), static_cast<size_t>(meta_t.numel())));
  BRIVL_CHECK(meta.at("step").get<int64_t>() == step, run_.state_path(step), ": holds step ", meta.at("step"), ", expected ", step);
  const auto iq = read_tensor("image_queue"), tq = read_tensor("text_queue");
  BRIVL_CHECK(iq.size(0) == image_queue_.capacity() && tq.size(0) == text_queue_.capacity(), run_.state_path(step),
              ": queue size ", iq.size(0), " does not match the run's ", image_queue_.capacity());
  image_queue_.features.copy_(iq);
  text_queue_.features.copy_(tq);
  image_queue_.captions = to_captions(read_tensor("image_queue_captions"));
  text_queue_.captions = to_captions(read_tensor("text_queue_captions"));
  image_queue_.ptr = meta.at("image_queue_ptr"), image_queue_.filled = meta.at("image_queue_filled");
  text_queue_.ptr = meta.at("text_queue_ptr"), text_queue_.filled = meta.at("text_queue_filled");
  s_.step = step;
  s_.epoch = meta.at("epoch"), s_.batch_in_epoch = meta.at("batch_in_epoch");
  s_.schedule_steps = meta.at("schedule_steps"), s_.schedule_fixed = meta.at("schedule_fixed");
  s_.best_metric = meta.at("best_metric"), s_.best_step = meta.at("best_step");
  s_.eval_seconds = meta.at("eval_seconds"), s_.evals = meta.at("evals");
  last_checkpoint_ = run_.checkpoint_path(step);
  if (s_.best_step >= 0 && fs::exists(run_.checkpoint_path(s_.best_step))) best_checkpoint_ = run_.checkpoint_path(s_.best_step);
  if (writer_) run_.truncate_metrics_after(step);
  message("resume: from " + relative_to(last_checkpoint_, run_.path()) + " (step " + std::to_string(step) + ", epoch " +
          std::to_string(s_.epoch + 1) + ")");
  return true;
}

void Trainer::verify_replicas() {
  const double mine = parameter_checksum(*model_);
  const auto all = group_->all_gather_rows(torch::full({1}, mine, torch::TensorOptions().dtype(torch::kFloat64).device(device_))).cpu();
  json sums = json::array();
  bool same = true;
  for (int64_t r = 0; r < all.size(0); ++r) {
    sums.push_back(all[r].item<double>());
    same = same && all[r].item<double>() == all[0].item<double>();
  }
  if (writer_) run_.append_metrics(json{{"type", "replicas"}, {"step", s_.step}, {"world_size", env_.world_size}, {"checksums", sums}}.dump());
  if (same) return;
  // Identical inputs, identical summed gradients, identical updates give identical weights, to the
  // bit, when every rank runs the same kernels. Ranks with different thread counts (or CPUs) may
  // round a reduction (the clipping norm) differently and drift apart by ulps: take rank 0's
  // weights everywhere rather than train N models and save one.
  message("replicas: the parameter sums differ at step " + std::to_string(s_.step) + " (" + sums.dump() +
          "); every rank takes rank 0's weights");
  torch::NoGradGuard no_grad;
  for (auto& p : model_->parameters()) group_->broadcast(p, 0);
}

double Trainer::eta_seconds() const {
  if (step_seconds_ <= 0) return -1;
  const int64_t left = std::max<int64_t>(0, s_.schedule_steps - s_.step);
  const int64_t evals_left = left / std::max<int64_t>(1, eval_every_) + 1;
  return static_cast<double>(left) * step_seconds_ + static_cast<double>(evals_left) * s_.eval_seconds;
}

void Trainer::fix_schedule_from_time_budget() {
  // With --max-minutes the run should end with the learning rate annealed, not cut off mid-way:
  // once the step time is known, shorten the schedule to what fits (evaluations included).
  s_.schedule_fixed = true;
  if (o_.max_minutes <= 0 || step_seconds_ <= 0) return;
  const double left = o_.max_minutes * 60 - seconds_since(started_) - 2 * s_.eval_seconds;  // final eval + margin
  const double per_step = step_seconds_ * 1.05 + s_.eval_seconds / static_cast<double>(std::max<int64_t>(1, eval_every_));
  const int64_t fit = s_.step + static_cast<int64_t>(std::max(0.0, left) / per_step);
  if (fit < s_.schedule_steps) {
    message("schedule: " + std::to_string(fit) + " of " + std::to_string(s_.schedule_steps) +
            " steps fit in --max-minutes; the learning rate anneals over those");
    s_.schedule_steps = std::max<int64_t>(fit, s_.step + 1);
  }
}

void Trainer::write_status(const std::string& state, const std::string& error) {
  if (!writer_) return;
  json j = {{"state", state},
            {"pid", static_cast<int64_t>(::getpid())},
            {"step", s_.step},
            {"total_steps", s_.schedule_steps},
            {"epoch", s_.epoch + 1},
            {"epochs", o_.epochs},
            {"last_checkpoint", last_checkpoint_.empty() ? "" : relative_to(last_checkpoint_, run_.path())},
            {"best_checkpoint", best_checkpoint_.empty() ? "" : relative_to(best_checkpoint_, run_.path())},
            {"best_step", s_.best_step},
            {"eta_s", eta_seconds()},
            {"elapsed_s", seconds_since(started_)},
            {"error", error},
            {"world_size", env_.world_size}};
  if (best_eval_) j["best_eval"] = json::parse(best_eval_->to_json());
  if (last_eval_) j["last_eval"] = json::parse(last_eval_->to_json());
  run_.write_status(j.dump(2) + "\n");
}

TrainResult Trainer::run(bool resuming) {
  try {
    config_ = load_model_config(run_.file("config.yml"));
    tokenizer_ = std::make_unique<BertTokenizer>(BertTokenizer::from_file(run_.file("vocab.txt")));
    text_len_ = config_.max_text_len;
    // Rank 0 splits the data and writes the split; the others read it from the run folder.
    if (writer_) setup_data(resuming);
    if (group_) group_->barrier();
    if (!writer_) setup_data(true);
    setup_model(resuming);
    LoaderOptions lo;
    lo.image_size = config_.img_size, lo.text_len = text_len_, lo.batch_size = o_.batch_size, lo.workers = o_.workers;
    lo.augment = o_.augment, lo.seed = o_.seed;
    lo.hard_negative_group = static_cast<int>(o_.hard_negatives);
    LoaderOptions ro = lo;
    lo.shard = env_.rank, lo.shards = env_.world_size;
    loader_ = std::make_unique<BatchLoader>(train_table_, *tokenizer_, lo);
    ro.augment = AugmentOptions::none(), ro.seed = o_.seed ^ 0xb47c4ull, ro.workers = 1;
    ro.hard_negative_group = 0;  // BatchNorm statistics want ordinary batches
    recal_loader_ = std::make_unique<BatchLoader>(train_table_, *tokenizer_, ro);
    steps_per_epoch_ = std::max<int64_t>(1, loader_->batches_per_epoch() / o_.accumulate);
    eval_every_ = o_.eval_every > 0 ? o_.eval_every : steps_per_epoch_;
    s_.schedule_steps = o_.epochs * steps_per_epoch_;
    const bool restored = resuming && restore_checkpoint();
    if (resuming && !restored) message("resume: no complete checkpoint yet; starting over");
    if (resuming) s_.schedule_steps = std::max(s_.schedule_steps, int64_t{0}), s_.schedule_steps = restored && s_.schedule_fixed ? s_.schedule_steps : o_.epochs * steps_per_epoch_;
    write_status("running");
    if (writer_ && !restored && !val_table_.images.empty()) evaluate();  // step 0: chance level, and the cost of one evaluation

    std::string state = "finished";
    const int64_t total_by_epochs = o_.epochs * steps_per_epoch_;
    while (s_.step < std::min(s_.schedule_steps, total_by_epochs) && state == "finished") {
      if (s_.batch_in_epoch == 0 || s_.batch_in_epoch >= steps_per_epoch_ * o_.accumulate) {
        if (s_.batch_in_epoch > 0) ++s_.epoch, s_.batch_in_epoch = 0;
      }
      loader_->start_epoch(s_.epoch, s_.batch_in_epoch);
      while (s_.batch_in_epoch < steps_per_epoch_ * o_.accumulate && s_.step < s_.schedule_steps) {
        const auto wait_start = Clock::now();
        std::vector<TrainBatch> batches;
        for (int64_t m = 0; m < o_.accumulate; ++m) {
          auto b = loader_->next();
          BRIVL_CHECK(b.has_value(), "data loader ended early in epoch ", s_.epoch);
          batches.push_back(std::move(*b));
        }
        for (const auto& p : loader_->take_problems()) rank_message("data: skipped " + p);
        w_.data_s += seconds_since(wait_start);
        train_step(batches.data(), static_cast<int64_t>(batches.size()));
        s_.batch_in_epoch += o_.accumulate;
        if (!s_.schedule_fixed && timed_steps_ >= 10) {
          fix_schedule_from_time_budget();
          if (group_) {  // rank 0's clock decides, for every rank
            auto steps = torch::full({1}, s_.schedule_steps, torch::TensorOptions().dtype(torch::kInt64).device(device_));
            group_->broadcast(steps, 0);
            s_.schedule_steps = steps.cpu().item<int64_t>();
          }
        }

        const bool end_of_schedule = s_.step >= s_.schedule_steps;
        if (writer_ && (s_.step % o_.log_every == 0 || end_of_schedule)) {
          const double window_s = seconds_since(w_.start);
          const double n = static_cast<double>(std::max<int64_t>(1, w_.steps));
          json line = {{"type", "train"},
                       {"step", s_.step},
                       {"epoch", s_.epoch + 1},
                       {"loss", w_.loss / n},
                       {"loss_i2t", w_.i2t / n},
                       {"loss_t2i", w_.t2i / n},
                       {"lr", learning_rate(s_.step - 1)},
                       {"samples_per_s", window_s > 0 ? static_cast<double>(w_.samples) / window_s : 0.0},
                       {"data_ms", 1000 * w_.data_s / n},
                       {"step_ms", 1000 * w_.step_s / n},
                       {"queue_fill", image_queue_.capacity() ? static_cast<double>(image_queue_.filled) / static_cast<double>(image_queue_.capacity()) : 0.0},
                       {"pos_sim", w_.pos / n},
                       {"neg_sim", w_.neg / n},
                       {"eta_s", eta_seconds()}};
          if (o_.adversarial.eps > 0) line["adv_eps"] = adversarial_eps_at(o_.adversarial, s_.step - 1);
          if (o_.aligned_gradients.any()) line["aligned_loss"] = w_.aligned_loss / n, line["gradient_alignment"] = w_.alignment / n;
          if (chains_) {
            line["imagined_loss"] = w_.imagined_loss / n, line["imagined_similarity"] = w_.imagined_sim / n;
            line["picture_similarity"] = w_.picture_sim / n, line["imagination_chains"] = chains_->size();
          }
          if (group_) line["world_size"] = env_.world_size, line["comm_wait_ms"] = 1000 * w_.comm_s / n;
          run_.append_metrics(line.dump());
          if (hooks_.on_progress) {
            TrainProgress p;
            p.phase = "train", p.step = s_.step, p.total_steps = s_.schedule_steps, p.epoch = s_.epoch + 1, p.epochs = o_.epochs;
            p.loss = w_.loss / n, p.lr = learning_rate(s_.step - 1);
            p.samples_per_s = line["samples_per_s"], p.eta_s = eta_seconds(), p.last_eval = last_eval_;
            hooks_.on_progress(p);
          }
          write_status("running");
          w_ = Window{};
        }
        bool asked = hooks_.should_stop && hooks_.should_stop();
        bool out_of_time = o_.max_minutes > 0 &&
                           seconds_since(started_) + step_seconds_ + 1.5 * s_.eval_seconds >= o_.max_minutes * 60;
        if (group_) {  // a stop asked on any rank, or any rank out of time, stops every rank at this step
          const auto flags = agree({asked ? 1 : 0, out_of_time ? 1 : 0});
          asked = flags[0] != 0, out_of_time = flags[1] != 0;
        }
        if (asked || out_of_time || end_of_schedule || s_.step % eval_every_ == 0) {
          if (group_) verify_replicas();
          if (writer_) {
            if (!val_table_.images.empty() && !asked) evaluate();
            save_checkpoint();
            write_status("running");
          }
        }
        if (asked) state = "stopped";
        else if (out_of_time && !end_of_schedule) state = "time_limit";
        if (state != "finished") break;
      }
    }
    if (writer_ && state == "finished" && s_.step > 0 && last_checkpoint_ != run_.checkpoint_path(s_.step)) save_checkpoint();
    write_status(state);
    message(state == "finished" ? "finished at step " + std::to_string(s_.step)
            : state == "stopped" ? "stopped at step " + std::to_string(s_.step) + " (continue with --resume " + run_.path() + ")"
                                 : "time limit reached at step " + std::to_string(s_.step) + " (continue with --resume " + run_.path() + ")");
    TrainResult r;
    r.run_dir = run_.path(), r.state = state, r.step = s_.step, r.total_steps = s_.schedule_steps;
    r.best_checkpoint = best_checkpoint_, r.last_checkpoint = last_checkpoint_;
    r.best_eval = best_eval_, r.last_eval = last_eval_, r.seconds = seconds_since(started_);
    r.rank = env_.rank, r.world_size = env_.world_size;
    // The other ranks wait for rank 0's last checkpoint before they report the run done.
    if (group_) group_->barrier();
    return r;
  } catch (const std::exception& e) {
    try {
      if (writer_) run_.log(std::string("failed: ") + e.what());
      write_status("failed", e.what());
    } catch (...) {
    }
    throw;
  }
}

}  // namespace

namespace {

// Joins the job the environment describes; null for one process.
std::unique_ptr<ProcessGroup> join_launch(const LaunchEnvironment& env, const TrainOptions& o) {
  if (!env.distributed()) return nullptr;
  BRIVL_CHECK(o.objective == "contrastive", "robustify runs in one process (WORLD_SIZE is ", env.world_size, ")");
  BRIVL_CHECK(o.batch_size % env.world_size == 0, "--batch ", o.batch_size, " cannot be split evenly over ", env.world_size,
              " processes: the batch is the whole step's, each process takes batch / processes of it");
  BRIVL_CHECK(o.batch_size / env.world_size >= 1, "--batch ", o.batch_size, ": fewer images than processes");
  ProcessGroupOptions po;
  po.backend = o.backend, po.timeout_s = o.dist_timeout_s;
  return ProcessGroup::join(env, po, process_device(o.device, env));
}

}  // namespace

TrainResult train(const TrainOptions& options, const TrainHooks& hooks) {
  options.validate();
  BRIVL_CHECK(!options.out.empty(), "--out: a run folder is required");
  BRIVL_CHECK(!options.config.empty(), "no model config given");
  // Fail on a bad config or vocabulary before creating anything.
  load_model_config(options.config);
  const std::string vocab = options.vocab.empty() ? (fs::path(options.config).parent_path() / "vocab.txt").string() : options.vocab;
  BertTokenizer::from_file(vocab);
  if (!options.aligned_gradients.basis.empty()) load_image_basis(options.aligned_gradients.basis);
  if (!options.imagined_negatives.basis.empty()) load_image_basis(options.imagined_negatives.basis);
  const auto env = LaunchEnvironment::from_environment();
  auto group = join_launch(env, options);
  TrainOptions saved = options;
  saved.vocab = vocab;
  if (env.rank != 0) {
    group->barrier();  // rank 0 has made the run folder
    return Trainer(saved, RunDirectory::open_read_only(options.out), hooks, env, std::move(group)).run(false);
  }
  std::error_code ec;
  const bool existed = fs::exists(options.out, ec);
  std::optional<RunDirectory> run(RunDirectory::create(options.out));
  try {
    write_file_atomically(run->file("config.yml"), read_file(options.config));
    write_file_atomically(run->file("vocab.txt"), read_file(vocab));
    write_file_atomically(run->file("train_options.json"), train_options_to_json(saved));
  } catch (const std::exception& e) {
    // A run folder without its options is neither resumable nor new (a full disk left such a
    // folder that both --resume and a new start refused): take back what was made, so the same
    // command works once there is room. create() accepted only a new or empty folder: all of it is ours.
    run.reset();  // closes the log and metrics files
    if (existed) {
      for (fs::directory_iterator it(options.out, ec), end; !ec && it != end; it.increment(ec)) fs::remove_all(it->path(), ec);
    } else {
      fs::remove_all(options.out, ec);
    }
    BRIVL_FAIL(e.what(), " (while setting up the run folder ", options.out, "; nothing of it was kept)");
  }
  run->log("new run: " + options.out);
  if (group) group->barrier();
  return Trainer(saved, std::move(*run), hooks, env, std::move(group)).run(false);
}

TrainResult resume_training(const std::string& run_dir, const ResumeOptions& r, const TrainHooks& hooks) {
  const auto env = LaunchEnvironment::from_environment();
  auto run = env.rank == 0 ? RunDirectory::open(run_dir) : RunDirectory::open_read_only(run_dir);
  auto options = train_options_from_json(read_file(run.file("train_options.json")), run.file("train_options.json"));
  if (r.max_minutes) options.max_minutes = *r.max_minutes;
  if (r.epochs) options.epochs = *r.epochs;
  if (r.device) options.device = *r.device;
  if (r.threads) options.threads = *r.threads;
  if (r.workers) options.workers = *r.workers;
  if (r.backend) options.backend = *r.backend;
  if (r.dist_timeout_s) options.dist_timeout_s = *r.dist_timeout_s;
  options.validate();
  auto group = join_launch(env, options);
  if (env.rank == 0) run.log("resume: " + run_dir + (env.distributed() ? " on " + std::to_string(env.world_size) + " processes" : ""));
  return Trainer(options, std::move(run), hooks, env, std::move(group)).run(true);
}

}  // namespace brivl
