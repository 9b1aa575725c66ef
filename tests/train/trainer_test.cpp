// The trainer end to end on small generated shape datasets (2 CPU cores: seconds, not minutes).
#include "train/trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "embed/embedder.h"
#include "io/checkpoint.h"
#include "model/brivl_model.h"
#include "test_support.h"
#include "train/run_directory.h"
#include "train/shapes_dataset.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {
namespace fs = std::filesystem;

std::string tiny_config() { return test::fixture_dir() + "/../train-tiny/config.yml"; }

TrainOptions small_run(const std::string& data, const std::string& out) {
  TrainOptions o;
  o.data = data;
  o.out = out;
  o.config = tiny_config();
  o.vocab = test::fixture_model_file("vocab.txt");
  o.device = "cpu";
  o.workers = 1;
  o.bn_recalibration_batches = 2;
  return o;
}

std::string make_shapes(const test::TempDir& tmp, int count, uint64_t seed, const std::string& name) {
  ShapesOptions s;
  s.count = count, s.seed = seed, s.image_size = 64;
  write_shapes_dataset(tmp.file(name), s);
  return tmp.file(name + "/captions.csv");
}

std::vector<nlohmann::json> metrics_lines(const std::string& run, const std::string& type) {
  std::ifstream in(run + "/metrics.jsonl");
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["type"] == type) out.push_back(j);
  }
  return out;
}

TEST(Trainer, LearnsShapesFarBeyondChance) {
  test::TempDir tmp;
  const auto data = make_shapes(tmp, 320, 1, "shapes");
  auto o = small_run(data, tmp.file("run"));
  o.epochs = 12, o.batch_size = 32, o.val_split = 0.15, o.lr = 3e-3, o.warmup_steps = 20, o.log_every = 5;
  const auto result = train(o);
  EXPECT_EQ(result.state, "finished");
  const auto train_lines = metrics_lines(tmp.file("run"), "train");
  ASSERT_GE(train_lines.size(), 4u);
  const double first = train_lines.front()["loss"], last = train_lines.back()["loss"];
  EXPECT_LT(last, first * 0.8) << "loss " << first << " -> " << last;
  const auto evals = metrics_lines(tmp.file("run"), "eval");
  ASSERT_GE(evals.size(), 2u);
  const auto& start = evals.front();
  const auto& end = evals.back();
  const double images = end["images"];
  // Chance: mean rank of the first hit ~ images / (number of images with the caption + 1).
  EXPECT_LT(end["t2i"]["mean_rank"].get<double>(), start["t2i"]["mean_rank"].get<double>() / 2.5) << end.dump();
  EXPECT_GT(end["t2i"]["r5"].get<double>(), 4 * 5 / images) << end.dump();
  ASSERT_TRUE(result.best_eval.has_value());
}

// Plain shuffled batches and batches grouped by near captions (--hard-negatives) alike.
void expect_resume_gives_the_uninterrupted_run(int64_t hard_negatives) {
  test::TempDir tmp;
  const auto data = make_shapes(tmp, 72, 2, "shapes");
  auto o = small_run(data, tmp.file("straight"));
  o.epochs = 2, o.batch_size = 8, o.eval_every = 4, o.log_every = 2, o.warmup_steps = 2;
  o.hard_negatives = hard_negatives;
  const auto straight = train(o);
  ASSERT_EQ(straight.state, "finished");

  o.out = tmp.file("interrupted");
  int steps_seen = 0;
  TrainHooks stop_at_6;
  stop_at_6.on_progress = [&](const TrainProgress& p) {
    if (p.phase == "train") steps_seen = static_cast<int>(p.step);
  };
  stop_at_6.should_stop = [&] { return steps_seen >= 6; };
  const auto first = train(o, stop_at_6);
  ASSERT_EQ(first.state, "stopped");
  EXPECT_EQ(first.step, 6);
  EXPECT_EQ(nlohmann::json::parse(read_file(o.out + "/status.json"))["state"], "stopped");
  const auto resumed = resume_training(o.out, {});
  ASSERT_EQ(resumed.state, "finished");
  EXPECT_EQ(resumed.step, straight.step);

  const auto a = metrics_lines(tmp.file("straight"), "eval"), b = metrics_lines(o.out, "eval");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["step"], b[i]["step"]);
    EXPECT_EQ(a[i]["t2i"], b[i]["t2i"]) << "eval " << i;
    EXPECT_EQ(a[i]["i2t"], b[i]["i2t"]) << "eval " << i;
  }
  auto ra = CheckpointReader::open(straight.last_checkpoint), rb = CheckpointReader::open(resumed.last_checkpoint);
  ASSERT_EQ(ra->entries().size(), rb->entries().size());
  for (const auto& e : ra->entries()) {
    const auto* other = rb->find(e.key);
    ASSERT_NE(other, nullptr) << e.key;
    EXPECT_TRUE(torch::equal(ra->read(e), rb->read(*other))) << e.key;
  }
}

TEST(Trainer, ResumeGivesExactlyTheUninterruptedRun) { expect_resume_gives_the_uninterrupted_run(0); }

TEST(Trainer, ResumeWithHardNegativeBatchesGivesExactlyTheUninterruptedRun) {
  expect_resume_gives_the_uninterrupted_run(4);
}

TEST(Trainer, BadRowsAndBrokenImagesAreSkippedAndReported) {
  test::TempDir tmp;
  const auto data = make_shapes(tmp, 40, 3, "shapes");
  std::string csv = read_file(data);
  csv += "images/does-not-exist.png,一个不存在的图\n";
  csv += "images/000001.png,\n";
  csv += "images/broken.png,坏的图片\n";
  write_file_atomically(tmp.file("shapes/images/broken.png"), "not a png at all");
  write_file_atomically(data, csv);
  auto o = small_run(data, tmp.file("run"));
  o.epochs = 1, o.batch_size = 8, o.val_split = 0.2;
  std::vector<std::string> messages;
  TrainHooks hooks;
  hooks.on_message = [&](const std::string& m) { messages.push_back(m); };
  const auto r = train(o, hooks);
  EXPECT_EQ(r.state, "finished");
  const auto log = read_file(tmp.file("run/train.log"));
  EXPECT_NE(log.find("missing image file"), std::string::npos) << log;
  EXPECT_NE(log.find("empty text"), std::string::npos) << log;
  // The broken image is found when it is decoded (training or validation), named, and skipped.
  const bool named = log.find("broken.png") != std::string::npos;
  EXPECT_TRUE(named) << log;
}

TEST(Trainer, ARunFolderIsAModelBundleInTheOfficialLayout) {
  test::TempDir tmp;
  const auto data = make_shapes(tmp, 48, 4, "shapes");
  auto o = small_run(data, tmp.file("run"));
  o.epochs = 1, o.batch_size = 8;
  const auto r = train(o);
  auto reader = CheckpointReader::open(r.best_checkpoint.empty() ? r.last_checkpoint : r.best_checkpoint);
  for (const char* key : {"imgencoder.backbone.conv_stem.weight", "imgencoder_mom.backbone.conv_stem.weight",
                          "textencoder.backbone.bert.embeddings.word_embeddings.weight",
                          "textencoder_mom.learnable.textFC.fc1.weight", "imgencoder.backbone.bn1.running_var",
                          // what only the official model holds, so that its strict load takes the file too
                          "imgencoder_mom.backbone.classifier.bias", "textencoder.backbone.bert.pooler.dense.weight",
                          "textencoder_mom.backbone.bert.embeddings.position_ids"})
    EXPECT_NE(reader->find(key), nullptr) << key;
  EmbedderOptions eo;
  eo.device = "cpu";
  auto embedder = Embedder::load(ModelFiles::resolve(tmp.file("run")), eo);
  const auto rows = embedder.embed_texts({"左上角的大红色圆形"});
  EXPECT_EQ(rows.cols, 64);
  // A run folder refuses to be started twice.
  EXPECT_BRIVL_ERROR(train(o), "--resume");
}

TEST(Trainer, BadOptionsFailBeforeCreatingAnything) {
  test::TempDir tmp;
  auto o = small_run(tmp.file("missing.csv"), tmp.file("run"));
  o.batch_size = 1;
  EXPECT_BRIVL_ERROR(train(o), "--batch 1");
  EXPECT_FALSE(fs::exists(tmp.file("run")));
  o.batch_size = 8;
  o.config = tmp.file("nope.yml");
  EXPECT_THROW(train(o), Error);
  EXPECT_FALSE(fs::exists(tmp.file("run")));
}

}  // namespace
}  // namespace brivl
