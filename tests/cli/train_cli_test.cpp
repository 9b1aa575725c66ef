// `brivl dataset / train / eval` as a user runs them, including a training process that is
// interrupted (SIGINT) and killed (SIGKILL) and then resumed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "brivl_process.h"
#include "test_support.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

using Result = test::BrivlResult;

std::string tiny_config() { return test::fixture_dir() + "/../train-tiny/config.yml"; }

// Runs `brivl args...` with stdout/stderr captured; `until` (if given) is polled while it runs
// and may send a signal, e.g. when a checkpoint appears.
Result brivl(const std::vector<std::string>& args, const std::function<bool(pid_t)>& until = {}) {
  test::BrivlRun how;
  how.until = until;
  return test::run_brivl(args, how);
}

bool has_complete_checkpoint(const std::string& run, int64_t min_step) {
  std::error_code ec;
  for (fs::directory_iterator it(run + "/checkpoints", ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (it->path().extension() == ".state" && std::stoll(name.substr(5, 8)) >= min_step) return true;
  }
  return false;
}

std::vector<std::string> train_args(const std::string& data, const std::string& out) {
  return {"train", "--data", data, "--out", out, "--config", tiny_config(), "--vocab", test::fixture_model_file("vocab.txt"),
          "--device", "cpu", "--batch", "8", "--workers", "1", "--log-every", "1"};
}

TEST(TrainCli, DatasetTrainEvalAndZeroShot) {
  test::TempDir tmp;
  auto r = brivl({"dataset", "shapes", "--out", tmp.file("shapes"), "--count", "48", "--seed", "5", "--size", "64"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto data = tmp.file("shapes/captions.csv");
  auto args = train_args(data, tmp.file("run"));
  args.insert(args.end(), {"--epochs", "1", "--jsonl"});
  r = brivl(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // --jsonl: one JSON object per line, the last one the result.
  std::istringstream lines(r.out);
  std::string line, last;
  int n = 0;
  while (std::getline(lines, line)) {
    last = line, ++n;
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
  EXPECT_GE(n, 2);
  const auto done = nlohmann::json::parse(last);
  EXPECT_EQ(done["phase"], "done");
  EXPECT_EQ(done["state"], "finished");

  r = brivl({"eval", "--model", tmp.file("run"), "--data", data, "--json", "--device", "cpu"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = nlohmann::json::parse(r.out);
  EXPECT_EQ(m["n"], 48);
  for (const char* dir : {"t2i", "i2t"})
    for (const char* k : {"r1", "r5", "r10"}) {
      EXPECT_GE(m[dir][k].get<double>(), 0.0);
      EXPECT_LE(m[dir][k].get<double>(), 1.0);
    }
  EXPECT_LE(m["t2i"]["r1"].get<double>(), m["t2i"]["r5"].get<double>());

  // Zero-shot: the dataset's own captions as the label set.
  std::ifstream csv(data);
  std::set<std::string> labels;
  std::getline(csv, line);
  while (std::getline(csv, line)) labels.insert(line.substr(line.find(',') + 1));
  std::string label_text;
  for (const auto& l : labels) label_text += l + "\n";
  write_file_atomically(tmp.file("labels.txt"), label_text);
  r = brivl({"eval", "--model", tmp.file("run"), "--data", data, "--labels", tmp.file("labels.txt"), "--json", "--device", "cpu"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto z = nlohmann::json::parse(r.out);
  EXPECT_EQ(z["n"], 48);
  EXPECT_EQ(z["labels"], static_cast<int>(labels.size()));
}

TEST(TrainCli, InterruptedAndKilledRunsResumeWithNothingLost) {
  test::TempDir tmp;
  ASSERT_EQ(brivl({"dataset", "shapes", "--out", tmp.file("shapes"), "--count", "64", "--seed", "6", "--size", "64"}).exit_code, 0);
  const auto run = tmp.file("run");
  auto args = train_args(tmp.file("shapes/captions.csv"), run);
  args.insert(args.end(), {"--epochs", "4", "--eval-every", "3", "--val-split", "0.1"});

  // Ctrl-C after the first checkpoint: a clean stop with a checkpoint, exit 130.
  auto r = brivl(args, [&](pid_t pid) { return has_complete_checkpoint(run, 3) && ::kill(pid, SIGINT) == 0; });
  ASSERT_EQ(r.exit_code, 130) << r.err;
  auto status = nlohmann::json::parse(read_file(run + "/status.json"));
  EXPECT_EQ(status["state"], "stopped");
  const int64_t stopped_at = status["step"];
  EXPECT_GE(stopped_at, 3);

  // Resume, then SIGKILL once a later checkpoint exists: nothing can be cleaned up by the process.
  r = brivl({"train", "--resume", run}, [&](pid_t pid) {
    return has_complete_checkpoint(run, stopped_at + 3) && ::kill(pid, SIGKILL) == 0;
  });
  ASSERT_EQ(r.exit_code, 128 + SIGKILL) << r.err;
  EXPECT_NO_THROW(nlohmann::json::parse(read_file(run + "/status.json")));  // atomic: never half-written

  // Resume again: it finishes, and the metrics tell one continuous story (no step logged twice).
  r = brivl({"train", "--resume", run});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  status = nlohmann::json::parse(read_file(run + "/status.json"));
  EXPECT_EQ(status["state"], "finished");
  EXPECT_EQ(status["step"], status["total_steps"]);
  std::ifstream metrics(run + "/metrics.jsonl");
  int64_t previous = -1;
  int lines = 0;
  for (std::string line; std::getline(metrics, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] != "train") continue;
    EXPECT_EQ(j["step"].get<int64_t>(), previous + 1 == 0 ? 1 : previous + 1) << line;
    previous = j["step"];
    ++lines;
  }
  EXPECT_EQ(previous, status["step"].get<int64_t>());
  for (const auto& e : fs::recursive_directory_iterator(run))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  EXPECT_THAT(read_file(run + "/train.log"), HasSubstr("resume: from checkpoints/step-"));
}

TEST(TrainCli, RobustifyWritesABundleResumesAndRefusesBadBudgets) {
  test::TempDir tmp;
  ASSERT_EQ(brivl({"dataset", "shapes", "--out", tmp.file("shapes"), "--count", "40", "--seed", "8", "--size", "64"}).exit_code, 0);
  const auto data = tmp.file("shapes/captions.csv");
  auto args = train_args(data, tmp.file("base"));
  args.insert(args.end(), {"--epochs", "1", "--noise", "0.3"});
  ASSERT_EQ(brivl(args).exit_code, 0);
  // --noise without --noise-p noises half the images.
  const auto base_options = nlohmann::json::parse(read_file(tmp.file("base/train_options.json")));
  EXPECT_DOUBLE_EQ(base_options["augment"]["noise_std"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(base_options["augment"]["noise_p"].get<double>(), 0.5);
  const auto run = tmp.file("robust");
  auto r = brivl({"robustify", "--model", tmp.file("base"), "--data", data, "--out", run, "--epochs", "1", "--eps", "8/255",
                  "--batch", "8", "--device", "cpu", "--jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line, last;
  while (std::getline(lines, line)) last = line;
  const auto done = nlohmann::json::parse(last);
  EXPECT_EQ(done["state"], "finished");
  const int64_t steps = done["step"];
  EXPECT_GE(steps, 4);
  const auto options = nlohmann::json::parse(read_file(run + "/train_options.json"));
  EXPECT_EQ(options["objective"], "fare");
  EXPECT_NEAR(options["adversarial"]["eps"].get<double>(), 8.0 / 255, 1e-12);
  // The run folder is a model bundle, like brivl train's.
  r = brivl({"eval", "--model", run, "--data", data, "--json", "--device", "cpu"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // More epochs on the finished run; its recipe cannot change.
  r = brivl({"robustify", "--resume", run, "--epochs", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(read_file(run + "/status.json"))["step"].get<int64_t>(), 2 * steps);
  r = brivl({"robustify", "--resume", run, "--eps", "4/255"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--eps cannot be changed"));
  r = brivl({"robustify", "--model", tmp.file("base"), "--data", data, "--out", tmp.file("x"), "--eps", "4/0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--eps '4/0'"));
  r = brivl({"robustify", "--model", tmp.file("base"), "--data", data, "--out", tmp.file("x"), "--eps", "0.5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--eps 0.5"));
  EXPECT_FALSE(fs::exists(tmp.file("x")));
}

// The embedded default is the trained small model: retrieval over the sample images finds each
// by its Chinese name, and image -> text captioning picks the right name.
TEST(DefaultModel, RetrievesTheSampleImagesByTheirNames) {
  test::TempDir tmp;
  const std::string samples = std::string(BRIVL_SOURCE_DIR) + "/assets/samples";
  const auto db = tmp.file("index.db");
  auto r = brivl({"index", "--db", db, samples});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"红心", "emoji_2764.png"}, {"笑脸", "emoji_1F600.png"}, {"汽车", "emoji_1F697.png"}, {"中间的大蓝色圆形", "shape_blue_circle.png"}};
  for (const auto& [query, expected] : cases) {
    r = brivl({"search", "--db", db, query, "--top", "1", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr(expected)) << query << ": " << r.out;
  }
  write_file_atomically(tmp.file("names.txt"), "笑脸\n红心\n猫\n红苹果\n太阳\n汽车\n");
  r = brivl({"caption", "--image", samples + "/emoji_1F431.png", "--texts-file", tmp.file("names.txt"), "--top", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("猫"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("汽车")));
}

TEST(TrainCli, BadInputIsAClearErrorWithExitCode1) {
  test::TempDir tmp;
  auto r = brivl({"train", "--out", tmp.file("run")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--data"));
  write_file_atomically(tmp.file("empty.csv"), "image,text\nnot-there.png,文字\n");
  r = brivl(train_args(tmp.file("empty.csv"), tmp.file("run")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("empty.csv"));
  EXPECT_THAT(r.err, HasSubstr("missing image file"));
  r = brivl({"train", "--resume", tmp.file("nothing-here")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nothing-here"));
  r = brivl({"dataset", "shapes", "--out", tmp.file("s"), "--count", "0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("count"));
}

}  // namespace
}  // namespace brivl
