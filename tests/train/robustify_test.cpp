// brivl robustify (the trainer's objective "fare"): FARE adversarial fine-tuning of the image
// tower. It must make the tower more robust to pixel attacks while keeping its clean embeddings
// and leaving the text tower exactly as it was, resume exactly, and work on the released layout.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "embed/embedder.h"
#include "io/checkpoint.h"
#include "model/model_test_support.h"
#include "model/official_layout_support.h"
#include "model/state_loading.h"
#include "test_support.h"
#include "train/robust/adversarial.h"
#include "train/run_directory.h"
#include "vision/preprocess.h"
#include "train/shapes_dataset.h"
#include "train/trainer.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {
namespace fs = std::filesystem;

std::string tiny_config() { return test::fixture_dir() + "/../train-tiny/config.yml"; }

std::string make_shapes(const test::TempDir& tmp, int count, uint64_t seed, const std::string& name) {
  ShapesOptions s;
  s.count = count, s.seed = seed, s.image_size = 64;
  write_shapes_dataset(tmp.file(name), s);
  return tmp.file(name + "/captions.csv");
}

TrainOptions base_options(const std::string& data, const std::string& out) {
  TrainOptions o;
  o.data = data, o.out = out, o.config = tiny_config(), o.vocab = test::fixture_model_file("vocab.txt");
  o.device = "cpu", o.workers = 1, o.bn_recalibration_batches = 2;
  return o;
}

// A small trained model to robustify (trained once per test binary run).
const std::string& trained_tiny_bundle() {
  static test::TempDir* dir = new test::TempDir;  // lives for the whole test binary
  static const std::string run = [] {
    const auto data = make_shapes(*dir, 96, 11, "shapes");
    auto o = base_options(data, dir->file("base"));
    o.epochs = 4, o.batch_size = 16, o.lr = 3e-3, o.warmup_steps = 5;
    train(o);
    return dir->file("base");
  }();
  return run;
}

TrainOptions fare_options(const std::string& data, const std::string& out) {
  auto o = base_options(data, out);
  const auto& base = trained_tiny_bundle();
  o.init_checkpoint = run_directory_model_checkpoint(base);
  o.objective = "fare";
  o.adversarial.eps = 8.0 / 255, o.adversarial.steps = 2;
  o.lr = 1e-3, o.weight_decay = 0, o.warmup_steps = 5, o.batch_size = 16, o.val_split = 0.15;
  return o;
}

// Mean cosine between each image's clean embedding and its embedding under a PGD attack that
// pushes it away (eps 8/255, 5 steps): higher is more robust.
double attacked_cosine(BriVL& model, const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  const auto clean = model->encode_images(images);
  auto away = [&](const torch::Tensor& x) { return -(model->encode_images(x) * clean).sum(1).mean(); };
  auto gen = at::detail::createCPUGenerator(5);
  const auto attacked = pgd_attack(images, 8.0 / 255, 5, 0, away, gen);
  return (model->encode_images(attacked) * clean).sum(1).mean().item<double>();
}

BriVL load(const std::string& dir) { return load_model(ModelFiles::resolve(dir), LoadOptions().device("cpu")).model; }

TEST(Robustify, MakesTheImageTowerRobustKeepsItsEmbeddingsAndTheTextTower) {
  test::TempDir tmp;
  const auto data = make_shapes(tmp, 96, 11, "shapes");
  auto o = fare_options(data, tmp.file("robust"));
  o.epochs = 6;
  const auto result = train(o);
  ASSERT_EQ(result.state, "finished");

  // The text tower is bit for bit the starting one; the image tower learned.
  auto before = CheckpointReader::open(o.init_checkpoint);
  auto after = CheckpointReader::open(run_directory_model_checkpoint(tmp.file("robust")));
  int text = 0, image_changed = 0;
  for (const auto& e : before->entries()) {
    const auto* other = after->find(e.key);
    ASSERT_NE(other, nullptr) << e.key;
    if (e.key.rfind("textencoder.", 0) == 0) {
      EXPECT_TRUE(torch::equal(before->read(e), after->read(*other))) << e.key;
      ++text;
    }
    if (e.key.rfind("imgencoder.", 0) == 0 && !torch::equal(before->read(e), after->read(*other))) ++image_changed;
  }
  EXPECT_GT(text, 10);
  EXPECT_GT(image_changed, 10);

  // Loaded as a bundle: texts embed exactly as before; images stay close to their old embeddings
  // but resist an attack much better.
  auto base = load(trained_tiny_bundle()), robust = load(tmp.file("robust"));
  const auto ids = torch::tensor({101, 2769, 791, 1921, 102, 0}).unsqueeze(0), mask = torch::tensor({1, 1, 1, 1, 1, 0}).unsqueeze(0);
  {
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(base->encode_texts(ids, mask), robust->encode_texts(ids, mask)));
  }
  std::vector<torch::Tensor> images;
  for (int i = 0; i < 16; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "shapes/images/%06d.png", i);
    images.push_back(load_image_for_model(tmp.file(name), base->config().img_size));
  }
  const auto batch = torch::cat(images);
  double drift = 0;
  {
    torch::NoGradGuard no_grad;
    drift = (base->encode_images(batch) * robust->encode_images(batch)).sum(1).mean().item<double>();
  }
  const double base_attacked = attacked_cosine(base, batch), robust_attacked = attacked_cosine(robust, batch);
  std::printf("clean embeddings before/after: cosine %.3f; attacked cosine %.3f -> %.3f\n", drift, base_attacked, robust_attacked);
  EXPECT_GT(drift, 0.8);
  EXPECT_GT(robust_attacked, base_attacked + 0.1);
  // The run records what it did.
  const auto options = nlohmann::json::parse(read_file(tmp.file("robust/train_options.json")));
  EXPECT_EQ(options["objective"], "fare");
  EXPECT_NEAR(options["adversarial"]["eps"].get<double>(), 8.0 / 255, 1e-12);
}

TEST(Robustify, ResumeGivesExactlyTheUninterruptedRun) {
  test::TempDir tmp;
  const auto data = make_shapes(tmp, 64, 12, "shapes");
  auto o = fare_options(data, tmp.file("straight"));
  o.epochs = 2, o.eval_every = 3, o.log_every = 1;
  const auto straight = train(o);
  ASSERT_EQ(straight.state, "finished");
  o.out = tmp.file("interrupted");
  int64_t seen = 0;
  TrainHooks stop;
  stop.on_progress = [&](const TrainProgress& p) { seen = p.step; };
  stop.should_stop = [&] { return seen >= 4; };
  ASSERT_EQ(train(o, stop).state, "stopped");
  const auto resumed = resume_training(o.out, {});
  ASSERT_EQ(resumed.state, "finished");
  auto a = CheckpointReader::open(straight.last_checkpoint), b = CheckpointReader::open(resumed.last_checkpoint);
  ASSERT_EQ(a->entries().size(), b->entries().size());
  for (const auto& e : a->entries()) EXPECT_TRUE(torch::equal(a->read(e), b->read(*b->find(e.key)))) << e.key;
}

TEST(Robustify, RefusesAMissingTeacherAndBadBudgets) {
  test::TempDir tmp;
  const auto data = make_shapes(tmp, 32, 13, "shapes");
  auto o = fare_options(data, tmp.file("run"));
  o.init_checkpoint.clear();
  EXPECT_BRIVL_ERROR(train(o), "needs the weights to start from");
  o = fare_options(data, tmp.file("run"));
  o.adversarial.eps = 0.5;
  EXPECT_BRIVL_ERROR(train(o), "--eps 0.5");
  EXPECT_FALSE(fs::exists(tmp.file("run")));
  // Resuming needs the teacher where the run found it.
  o = fare_options(data, tmp.file("run"));
  fs::copy_file(o.init_checkpoint, tmp.file("teacher.pth"));
  o.init_checkpoint = tmp.file("teacher.pth");
  o.epochs = 1;
  ASSERT_EQ(train(o).state, "finished");
  fs::remove(tmp.file("teacher.pth"));
  EXPECT_BRIVL_ERROR(resume_training(tmp.file("run"), {}), "teacher.pth");
}

// The released layout (tf_efficientnet_b5_ns @456 + RoBERTa-base, random weights, the official
// file's full key set) robustifies for a step from a folder of images, and the result loads.
TEST(Robustify, RunsOnTheReleasedB5Layout) {
  test::TempDir tmp;
  fs::create_directories(tmp.file("model"));
  write_file_atomically(tmp.file("model/config.yml"),
                        test::official_yaml("tf_efficientnet_b5_ns", 456, 2048, "hfl/chinese-roberta-wwm-ext", 768));
  fs::copy_file(test::fixture_model_file("vocab.txt"), tmp.file("model/vocab.txt"));
  {
    BriVL original(load_model_config(tmp.file("model/config.yml")));
    original->eval();
    save_official_checkpoint(tmp.file("model/brivl-with-roberta-base.pth"), test::official_state(original));
  }
  ShapesOptions s;
  s.count = 2, s.seed = 3, s.image_size = 64;
  write_shapes_dataset(tmp.file("shapes"), s);
  TrainOptions o;
  o.data = tmp.file("shapes/images");  // a folder of images
  o.out = tmp.file("robust");
  o.config = tmp.file("model/config.yml"), o.vocab = tmp.file("model/vocab.txt");
  o.init_checkpoint = tmp.file("model/brivl-with-roberta-base.pth");
  o.objective = "fare", o.adversarial.eps = 4.0 / 255, o.adversarial.steps = 1;
  o.device = "cpu", o.workers = 1, o.batch_size = 2, o.epochs = 1, o.val_split = 0, o.warmup_steps = 0, o.lr = 1e-5;
  const auto r = train(o);
  ASSERT_EQ(r.state, "finished");
  EXPECT_EQ(r.step, 1);
  auto reader = CheckpointReader::open(r.last_checkpoint);
  for (const char* key : {"imgencoder.backbone.conv_stem.weight", "imgencoder_mom.backbone.conv_stem.weight",
                          "textencoder.backbone.bert.embeddings.word_embeddings.weight"})
    EXPECT_NE(reader->find(key), nullptr) << key;
  auto model = load(tmp.file("robust"));
  torch::NoGradGuard no_grad;
  const auto e = model->encode_images(torch::rand({1, 3, 456, 456}));
  EXPECT_EQ(e.size(1), 2048);
  EXPECT_TRUE(torch::isfinite(e).all().item<bool>());
}

TEST(Adversarial, PgdStaysInsideTheBudgetAndThePixelRange) {
  auto gen = at::detail::createCPUGenerator(1);
  auto pixels = torch::rand({2, 3, 8, 8}, gen);
  pixels.index_put_({0, 0, 0, 0}, 0.0);
  pixels.index_put_({0, 0, 0, 1}, 1.0);
  const auto normalised = (pixels - imagenet_mean()) / imagenet_std();
  const auto weights = torch::randn({3 * 8 * 8}, gen);
  auto objective = [&](const torch::Tensor& x) { return (x.flatten(1) * weights).sum(); };
  const double eps = 4.0 / 255;
  const auto attacked = pgd_attack(normalised, eps, 3, 0, objective, gen);
  const auto back = attacked * imagenet_std() + imagenet_mean();
  EXPECT_LE((back - pixels).abs().max().item<double>(), eps + 1e-6);
  EXPECT_GE(back.min().item<double>(), -1e-6);
  EXPECT_LE(back.max().item<double>(), 1 + 1e-6);
  EXPECT_GT(objective(attacked).item<double>(), objective(normalised).item<double>());
  // The budget schedule: clean, then a linear ramp.
  AdversarialOptions a;
  a.eps = 0.04, a.start_step = 10, a.ramp_steps = 4;
  EXPECT_EQ(adversarial_eps_at(a, 9), 0.0);
  EXPECT_DOUBLE_EQ(adversarial_eps_at(a, 10), 0.01);
  EXPECT_DOUBLE_EQ(adversarial_eps_at(a, 13), 0.04);
  EXPECT_DOUBLE_EQ(adversarial_eps_at(a, 100), 0.04);
}

}  // namespace
}  // namespace brivl
