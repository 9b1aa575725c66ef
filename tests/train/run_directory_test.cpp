#include "train/run_directory.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "model/model_files.h"
#include "test_support.h"
#include "train/train_options.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {
namespace fs = std::filesystem;

void touch(const std::string& path) { write_file_atomically(path, "x"); }

TEST(RunDirectory, CreateRefusesAnExistingRunAndNonEmptyFolders) {
  test::TempDir tmp;
  const auto dir = tmp.file("run");
  {
    auto run = RunDirectory::create(dir);
    run.write_status("{}");
  }
  EXPECT_BRIVL_ERROR(RunDirectory::create(dir), "--resume");
  const auto other = tmp.file("other");
  fs::create_directories(other);
  touch(other + "/notes.txt");
  EXPECT_BRIVL_ERROR(RunDirectory::create(other), "not empty");
}

TEST(RunDirectory, OpenNeedsARun) {
  test::TempDir tmp;
  EXPECT_BRIVL_ERROR(RunDirectory::open(tmp.path().string()), "status.json");
}

TEST(RunDirectory, OnlyCompleteCheckpointsCountAndPruningKeepsTheBest) {
  test::TempDir tmp;
  auto run = RunDirectory::create(tmp.file("run"));
  for (int64_t step : {10, 20, 30, 40}) {
    touch(run.checkpoint_path(step));
    touch(run.state_path(step));
  }
  touch(run.checkpoint_path(50));  // killed before its state was written
  EXPECT_EQ(run.checkpoint_steps(), (std::vector<int64_t>{10, 20, 30, 40}));
  run.prune_checkpoints(2, 10);
  EXPECT_EQ(run.checkpoint_steps(), (std::vector<int64_t>{10, 30, 40}));
  EXPECT_FALSE(fs::exists(run.checkpoint_path(20)));
}

TEST(RunDirectory, TruncatingMetricsDropsLaterStepsAndCutLines) {
  test::TempDir tmp;
  auto run = RunDirectory::create(tmp.file("run"));
  run.append_metrics(R"({"type":"train","step":10})");
  run.append_metrics(R"({"type":"eval","step":20})");
  run.append_metrics(R"({"type":"train","step":30})");
  {
    std::FILE* f = std::fopen(run.file("metrics.jsonl").c_str(), "ab");
    std::fputs("{\"type\":\"tr", f);  // a line cut by a kill
    std::fclose(f);
  }
  run.truncate_metrics_after(20);
  run.append_metrics(R"({"type":"train","step":21})");
  EXPECT_EQ(read_file(run.file("metrics.jsonl")),
            "{\"type\":\"train\",\"step\":10}\n{\"type\":\"eval\",\"step\":20}\n{\"type\":\"train\",\"step\":21}\n");
}

TEST(RunDirectory, IsAModelBundleThroughItsBestCheckpoint) {
  test::TempDir tmp;
  const auto dir = tmp.file("run");
  auto run = RunDirectory::create(dir);
  touch(run.file("config.yml"));
  touch(run.file("vocab.txt"));
  EXPECT_BRIVL_ERROR(ModelFiles::resolve(dir), "no checkpoint");
  for (int64_t step : {5, 9}) touch(run.checkpoint_path(step)), touch(run.state_path(step));
  run.write_status("{}");
  EXPECT_EQ(ModelFiles::resolve(dir).checkpoint, run.checkpoint_path(9));  // newest without a status entry
  run.write_status(R"({"best_checkpoint":"checkpoints/step-00000005.pth","last_checkpoint":"checkpoints/step-00000009.pth"})");
  const auto files = ModelFiles::resolve(dir);
  EXPECT_EQ(fs::path(files.checkpoint), fs::path(run.checkpoint_path(5)));
  EXPECT_EQ(files.config, run.file("config.yml"));
}

TEST(TrainOptions, JsonRoundTripAndValidation) {
  TrainOptions o;
  o.data = "d.csv", o.epochs = 7, o.lr = 3e-4, o.seed = 42, o.freeze = "official";
  o.augment = AugmentOptions::official();
  o.augment.noise_p = 0.25, o.augment.noise_std = 0.5;
  o.hard_negatives = 4;
  o.aligned_gradients.weight = 2, o.aligned_gradients.other_p = 0.25, o.aligned_gradients.noise_std = 0.3, o.aligned_gradients.pool = 3;
  const auto back = train_options_from_json(train_options_to_json(o), "t.json");
  EXPECT_EQ(back.data, "d.csv");
  EXPECT_EQ(back.epochs, 7);
  EXPECT_DOUBLE_EQ(back.lr, 3e-4);
  EXPECT_EQ(back.seed, 42u);
  EXPECT_EQ(back.freeze, "official");
  EXPECT_DOUBLE_EQ(back.augment.grayscale_p, 0.2);
  EXPECT_DOUBLE_EQ(back.augment.noise_p, 0.25);
  EXPECT_DOUBLE_EQ(back.augment.noise_std, 0.5);
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"augment": {"noise_std": 3}})", "t.json"), "t.json", "--noise 3");
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"augment": {"noise_p": -1}})", "t.json"), "--noise-p -1");
  EXPECT_EQ(back.hard_negatives, 4);
  EXPECT_DOUBLE_EQ(back.aligned_gradients.weight, 2);
  EXPECT_DOUBLE_EQ(back.aligned_gradients.other_p, 0.25);
  EXPECT_DOUBLE_EQ(back.aligned_gradients.noise_std, 0.3);
  EXPECT_EQ(back.aligned_gradients.pool, 3);
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"aligned_gradients": {"weight": -1}})", "t.json"), "t.json", "--aligned-gradients -1");
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"aligned_gradients": {"pool": 0}})", "t.json"), "--aligned-pool 0");
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"aligned_gradients": 1})", "t.json"), "field 'aligned_gradients' must be an object");
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"objective": "fare", "init_checkpoint": "a.pth", "aligned_gradients": {"weight": 1}})", "t.json"),
                     "belongs to brivl train");
  EXPECT_DOUBLE_EQ(train_options_from_json(R"({"data": "d.csv"})", "old.json").aligned_gradients.weight, 0);
  // Runs saved before hard negatives existed resume without them.
  EXPECT_EQ(train_options_from_json(R"({"data": "d.csv"})", "old.json").hard_negatives, 0);
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"hard_negatives": 1})", "t.json"), "--hard-negatives 1");
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"hard_negatives": 33})", "t.json"), "--hard-negatives 33", "2..--batch (32)");
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"epochs": "many"})", "t.json"), "t.json: field 'epochs'");
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"batch_size": 1})", "t.json"), "--batch 1");
  EXPECT_BRIVL_ERROR(train_options_from_json("[1,", "t.json"), "t.json: not valid JSON");
  // Found by fuzz/fuzz_train_options: 6.7e40 read as an integer was undefined behaviour; numbers
  // that do not fit their field unchanged are refused like any other wrong type.
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"log_every": 66666666666666000000000000000000000000000})", "t.json"),
                     "t.json: field 'log_every'", "out of range");
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"epochs": 2.5})", "t.json"), "field 'epochs'");
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"threads": 4294967297})", "t.json"), "field 'threads'");  // an int
  EXPECT_BRIVL_ERROR(train_options_from_json(R"({"seed": -1})", "t.json"), "field 'seed'");
  EXPECT_DOUBLE_EQ(train_options_from_json(R"({"max_minutes": 5})", "t.json").max_minutes, 5.0);  // an integer is a fine real
  TrainOptions bad;
  bad.freeze = "some";
  EXPECT_BRIVL_ERROR(bad.validate(), "--freeze 'some'");
}

}  // namespace
}  // namespace brivl
