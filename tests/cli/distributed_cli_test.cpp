// `brivl train` on several processes (docs/TRAINING.md, "Several processes"), as a user starts it:
// --nproc-per-node, or torchrun's environment variables; on loopback, with the tiny test config.
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "brivl_process.h"
#include "loopback_port.h"
#include "test_support.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Result = test::BrivlResult;
using Clock = std::chrono::steady_clock;

std::string tiny_config() { return test::fixture_dir() + "/../train-tiny/config.yml"; }

Result brivl(const std::vector<std::string>& args, const std::function<bool(pid_t)>& until = {},
             const std::vector<std::string>& env = {}) {
  test::BrivlRun how;
  how.until = until;
  how.env = env;
  return test::run_brivl(args, how);
}

std::vector<std::string> train_args(const std::string& data, const std::string& out) {
  return {"train", "--data", data, "--out", out, "--config", tiny_config(), "--vocab", test::fixture_model_file("vocab.txt"),
          "--device", "cpu", "--batch", "8", "--workers", "1", "--log-every", "1"};
}

std::vector<nlohmann::json> metrics(const std::string& run, const std::string& type) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(read_file(run + "/metrics.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    if (j["type"] == type) out.push_back(j);
  }
  return out;
}

std::map<int64_t, double> losses(const std::string& run) {
  std::map<int64_t, double> out;
  for (const auto& j : metrics(run, "train")) out[j["step"].get<int64_t>()] = j["loss"].get<double>();
  return out;
}

void expect_same_losses(const std::map<int64_t, double>& one, const std::map<int64_t, double>& many, int64_t from,
                        int64_t at_least = 6) {
  int64_t compared = 0;
  for (const auto& [step, loss] : one) {
    if (step < from) continue;
    ASSERT_TRUE(many.count(step)) << "step " << step << " missing";
    EXPECT_NEAR(many.at(step), loss, 1e-4 * std::abs(loss)) << "step " << step;
    ++compared;
  }
  EXPECT_GE(compared, at_least);
}

// The small dataset and a starting model: frozen BatchNorm keeps its statistics.
struct Fixture {
  test::TempDir tmp;
  std::string data, init;
  Fixture() {
    auto r = brivl({"dataset", "shapes", "--out", tmp.file("shapes"), "--count", "80", "--seed", "6", "--size", "64"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    data = tmp.file("shapes/captions.csv");
    auto args = train_args(data, tmp.file("base"));
    args.insert(args.end(), {"--epochs", "1"});
    r = brivl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    init = tmp.file("base");
  }
  std::vector<std::string> args(const std::string& run) {
    auto a = train_args(data, tmp.file(run));
    for (const auto& p : fs::directory_iterator(init + "/checkpoints"))
      if (p.path().extension() == ".pth") a.insert(a.end(), {"--init", p.path().string()});
    a.insert(a.end(), {"--batchnorm", "frozen", "--epochs", "2"});
    return a;
  }
};

// The equivalence runs: batch 32 (2 processes x 16 images, or 1 x 32), 3 epochs of the 72
// training images = 6 steps.
std::vector<std::string> batch_of_32(std::vector<std::string> args) {
  *(std::find(args.begin(), args.end(), "--batch") + 1) = "32";
  args.back() = "3";  // --epochs
  return args;
}

TEST(DistributedTrainCli, TwoProcessesComputeWhatOneDoesAndTheRunResumesOnOne) {
  Fixture f;
  auto one = batch_of_32(f.args("one"));
  one.insert(one.end(), {"--threads", "1"});
  auto r = brivl(one);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto two = batch_of_32(f.args("two"));
  two.insert(two.end(), {"--nproc-per-node", "2"});
  r = brivl(two);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("2 processes on this machine"));
  EXPECT_THAT(r.err, HasSubstr("load it with --model"));  // rank 0 reports, once
  const auto run = f.tmp.file("two");
  // Each of the 2 processes took 16 of each batch's 32 images; the loss is the whole batch's.
  expect_same_losses(losses(f.tmp.file("one")), losses(run), 1, 6);
  for (const auto& j : metrics(run, "train")) EXPECT_EQ(j["world_size"], 2);
  // The replicas are checked at every checkpoint and are one model, to the bit.
  const auto replicas = metrics(run, "replicas");
  ASSERT_GE(replicas.size(), 2u);
  for (const auto& j : replicas) {
    ASSERT_EQ(j["checksums"].size(), 2u);
    EXPECT_EQ(j["checksums"][0].get<double>(), j["checksums"][1].get<double>()) << j.dump();
  }
  EXPECT_EQ(nlohmann::json::parse(read_file(run + "/status.json"))["world_size"], 2);

  // The 2-process run continues in one process (and the 1-process run as well): the same steps.
  const int64_t resumed_at = losses(f.tmp.file("one")).rbegin()->first;  // the 2-epoch runs' last step
  r = brivl({"train", "--resume", f.tmp.file("one"), "--epochs", "5", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = brivl({"train", "--resume", run, "--epochs", "5", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto resumed = losses(run);
  ASSERT_GT(resumed.rbegin()->first, resumed_at) << "the resumed run did not go on";
  expect_same_losses(losses(f.tmp.file("one")), resumed, resumed_at + 1, 4);
  EXPECT_EQ(nlohmann::json::parse(read_file(run + "/status.json"))["world_size"], 1);

  // Gradient accumulation: each process accumulates its share of 2 batches, then they sum.
  for (const char* name : {"one-acc", "two-acc"}) {
    auto args = f.args(name);
    *(std::find(args.begin(), args.end(), "--batch") + 1) = "16";
    args.back() = "2";  // --epochs: 4 steps of 2 x 16 images
    args.insert(args.end(), {"--accumulate", "2"});
    if (std::string(name) == "two-acc") args.insert(args.end(), {"--nproc-per-node", "2"});
    else args.insert(args.end(), {"--threads", "1"});
    r = brivl(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  expect_same_losses(losses(f.tmp.file("one-acc")), losses(f.tmp.file("two-acc")), 1, 4);
}

// The pid of the launcher's child that is rank `rank` (its environment says so).
pid_t child_with_rank(pid_t parent, int rank) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    char state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != parent) continue;
    std::ifstream environ(entry.path() / "environ", std::ios::binary);
    const std::string env((std::istreambuf_iterator<char>(environ)), std::istreambuf_iterator<char>());
    if (env.find(std::string("RANK=") + std::to_string(rank) + '\0') == 0 ||
        env.find(std::string(1, '\0') + "RANK=" + std::to_string(rank) + '\0') != std::string::npos)
      return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

TEST(DistributedTrainCli, AKilledRankEndsTheJobWithAnErrorNamingIt) {
  Fixture f;
  auto args = f.args("run");
  args.back() = "200";  // --epochs: far more than the test waits for
  args.insert(args.end(), {"--nproc-per-node", "2"});
  const auto run = f.tmp.file("run");
  Clock::time_point killed{};
  auto r = brivl(args, [&](pid_t launcher) {
    if (!fs::exists(run + "/metrics.jsonl") || metrics(run, "train").size() < 3) return false;
    const pid_t rank1 = child_with_rank(launcher, 1);
    if (rank1 <= 0) return false;
    killed = Clock::now();
    return ::kill(rank1, SIGKILL) == 0;
  });
  ASSERT_NE(killed, Clock::time_point{}) << r.err;
  const double seconds = std::chrono::duration<double>(Clock::now() - killed).count();
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(seconds, 60);
  EXPECT_THAT(r.err, HasSubstr("rank 1 was killed by signal 9"));
  EXPECT_THAT(r.err, HasSubstr("rank 0 of 2"));
  EXPECT_THAT(r.err, HasSubstr("rank 1 did not answer (exited or hung)"));
  // The run is left resumable: the failure is in its status, a checkpoint from before is kept.
  EXPECT_EQ(nlohmann::json::parse(read_file(run + "/status.json"))["state"], "failed");
}

TEST(DistributedTrainCli, AHungRankEndsTheJobAfterTheTimeoutWithAnErrorNamingIt) {
  Fixture f;
  auto args = f.args("run");
  args.back() = "200";  // --epochs
  args.insert(args.end(), {"--nproc-per-node", "2", "--dist-timeout", "5"});
  const auto run = f.tmp.file("run");
  pid_t stopped = -1;
  Clock::time_point hung{};
  auto r = brivl(args, [&](pid_t launcher) {
    if (!fs::exists(run + "/metrics.jsonl") || metrics(run, "train").size() < 3) return false;
    stopped = child_with_rank(launcher, 1);
    if (stopped <= 0) return false;
    hung = Clock::now();
    return ::kill(stopped, SIGSTOP) == 0;  // alive, holding its connections, answering nothing
  });
  ASSERT_NE(hung, Clock::time_point{}) << r.err;
  const double seconds = std::chrono::duration<double>(Clock::now() - hung).count();
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(seconds, 60);
  EXPECT_THAT(r.err, HasSubstr("rank 0 of 2"));
  EXPECT_THAT(r.err, HasSubstr("rank 1 did not answer (exited or hung)"));
  EXPECT_THAT(r.err, HasSubstr("rank 0 exited with status 1; stopping the other ranks"));
  ::kill(stopped, SIGKILL);  // should the launcher have left it (it kills it after its grace time)
}

TEST(DistributedTrainCli, CtrlCToTheLauncherCheckpointsAndStopsEveryRank) {
  Fixture f;
  auto args = f.args("run");
  args.back() = "200";  // --epochs
  args.insert(args.end(), {"--nproc-per-node", "2"});
  const auto run = f.tmp.file("run");
  auto r = brivl(args, [&](pid_t launcher) {
    return fs::exists(run + "/metrics.jsonl") && metrics(run, "train").size() >= 3 && ::kill(launcher, SIGINT) == 0;
  });
  EXPECT_EQ(r.exit_code, 130) << r.err;
  const auto status = nlohmann::json::parse(read_file(run + "/status.json"));
  EXPECT_EQ(status["state"], "stopped");
  const int64_t step = status["step"];
  EXPECT_GE(step, 3);
  EXPECT_EQ(status["last_checkpoint"], "checkpoints/step-" + std::string(8 - std::to_string(step).size(), '0') + std::to_string(step) + ".pth");
  EXPECT_EQ(r.err.find("killing it"), std::string::npos) << "every rank stopped by itself:\n" << r.err;
  // And it goes on, here in one process.
  r = brivl({"train", "--resume", run, "--epochs", "4", "--threads", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(losses(run).rbegin()->first, step);
}

TEST(DistributedTrainCli, TorchrunsVariablesJoinAJobAndAMissingRankTimesOutWithAnError) {
  Fixture f;
  // Rank 0 of 2, started the way torchrun starts it; rank 1 never comes.
  auto args = f.args("alone");
  args.insert(args.end(), {"--dist-timeout", "3"});
  const auto start = Clock::now();
  const std::string port = std::to_string(test::free_loopback_port());
  auto r = brivl(args, {}, {"RANK=0", "WORLD_SIZE=2", "LOCAL_RANK=0", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + port});
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("rank 0 of 2: could not join the gloo process group at 127.0.0.1:" + port + " within 3 s"));
  EXPECT_LT(seconds, 30);

  // Both ranks started by hand, as torchrun would: the job trains.
  Result ranks[2];
  const std::string both_port = "MASTER_PORT=" + std::to_string(test::free_loopback_port());
  std::thread other([&] {
    ranks[1] = brivl(f.args("both"), {}, {"RANK=1", "WORLD_SIZE=2", "LOCAL_RANK=1", "MASTER_ADDR=127.0.0.1", both_port, "BRIVL_THREADS=1"});
  });
  ranks[0] = brivl(f.args("both"), {}, {"RANK=0", "WORLD_SIZE=2", "LOCAL_RANK=0", "MASTER_ADDR=127.0.0.1", both_port, "BRIVL_THREADS=1"});
  other.join();
  EXPECT_EQ(ranks[0].exit_code, 0) << ranks[0].err;
  EXPECT_EQ(ranks[1].exit_code, 0) << ranks[1].err;
  EXPECT_THAT(ranks[0].err, HasSubstr("finished at step"));
  EXPECT_EQ(ranks[1].err.find("finished at step"), std::string::npos) << "rank 1 should leave the talking to rank 0:\n" << ranks[1].err;
  EXPECT_EQ(metrics(f.tmp.file("both"), "train").back()["world_size"], 2);
}

TEST(DistributedTrainCli, BadDistributedSettingsAreClearErrors) {
  test::TempDir tmp;
  auto r = brivl({"dataset", "shapes", "--out", tmp.file("shapes"), "--count", "24", "--seed", "6", "--size", "64"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto data = tmp.file("shapes/captions.csv");
  auto args = train_args(data, tmp.file("a"));
  *(std::find(args.begin(), args.end(), "--batch") + 1) = "9";
  args.insert(args.end(), {"--nproc-per-node", "2"});
  r = brivl(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--batch 9 cannot be split evenly over 2 processes"));
  args = train_args(data, tmp.file("b"));
  args.insert(args.end(), {"--batchnorm", "frozen"});
  r = brivl(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--batchnorm frozen keeps the running statistics of the starting weights: give them with --init"));
  r = brivl(train_args(data, tmp.file("c")), {}, {"WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("WORLD_SIZE=2 is set but RANK is not"));
  args = train_args(data, tmp.file("d"));
  args.insert(args.end(), {"--backend", "mpi"});
  r = brivl(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--backend 'mpi': expected auto, gloo or nccl"));
  EXPECT_FALSE(fs::exists(tmp.file("d/status.json")));
}

}  // namespace
}  // namespace brivl
