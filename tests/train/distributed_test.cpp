// Data-parallel building blocks (train/distributed/): c10d groups joined by threads of this one
// process — the same rendezvous, Gloo transport and collectives as separate processes.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "loopback_port.h"
#include "train/distributed/gradient_sync.h"
#include "train/distributed/process_group.h"
#include "util/error.h"

namespace brivl {
namespace {

// Runs `body(rank, group)` on `n` threads, each a rank of one group; rethrows the first failure.
// `agent_store`: rank 0 connects to a store served at `port` by someone else (torchrun's agent).
void run_ranks(int n, const std::function<void(int, ProcessGroup&)>& body, double timeout_s = 30, int port = 0,
               bool agent_store = false) {
  if (port == 0) port = test::free_loopback_port();
  std::mutex mutex;
  std::exception_ptr failure;
  std::vector<std::thread> threads;
  for (int rank = 0; rank < n; ++rank)
    threads.emplace_back([&, rank] {
      try {
        LaunchEnvironment env;
        env.rank = rank, env.world_size = n, env.local_rank = rank, env.master_addr = "127.0.0.1", env.master_port = port;
        env.agent_store = agent_store;
        ProcessGroupOptions options;
        options.backend = "gloo", options.timeout_s = timeout_s;
        auto group = ProcessGroup::join(env, options, torch::kCPU);
        body(rank, *group);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

TEST(ProcessGroup, GathersRowsOfUnequalCountsInRankOrderAndAgreesOnFlags) {
  if (!distributed_training_available()) GTEST_SKIP() << "built without c10d Gloo";
  std::vector<torch::Tensor> gathered(3);
  std::vector<std::vector<int64_t>> counts(3);
  std::vector<std::vector<int64_t>> flags(3);
  run_ranks(3, [&](int rank, ProcessGroup& group) {
    EXPECT_EQ(group.rank(), rank);
    EXPECT_EQ(group.size(), 3);
    // Rank r holds r rows (rank 0 none, as when its images all failed to decode) of value r.
    const auto local = torch::full({rank, 2}, static_cast<float>(rank));
    gathered[static_cast<size_t>(rank)] = group.all_gather_rows(local, &counts[static_cast<size_t>(rank)]);
    flags[static_cast<size_t>(rank)] = group.all_reduce_max({rank == 1 ? 1 : 0, rank == 2 ? 1 : 0});
  });
  const auto expected = torch::tensor({1.f, 1.f, 2.f, 2.f, 2.f, 2.f}).view({3, 2});
  for (int r = 0; r < 3; ++r) {
    EXPECT_TRUE(torch::equal(gathered[static_cast<size_t>(r)], expected)) << "rank " << r << ": " << gathered[static_cast<size_t>(r)];
    EXPECT_EQ(counts[static_cast<size_t>(r)], (std::vector<int64_t>{0, 1, 2}));
    // Each flag is raised if any rank raised it, element by element.
    EXPECT_EQ(flags[static_cast<size_t>(r)], (std::vector<int64_t>{1, 1}));
  }
}

// A small network whose every rank holds the same weights.
struct Net {
  torch::nn::Linear a{nullptr}, b{nullptr};
  torch::Tensor unused;  // learned, but not used by this step's loss
  Net() {
    torch::manual_seed(3);
    a = torch::nn::Linear(4, 16), b = torch::nn::Linear(16, 3);
    unused = torch::ones({5}).requires_grad_(true);
  }
  // `unused` first: buckets take the parameters in reverse, so its bucket is the last, and the
  // buckets before it start while backward runs; it is reduced in finish().
  std::vector<torch::Tensor> parameters() {
    std::vector<torch::Tensor> p{unused};
    for (auto& q : a->parameters()) p.push_back(q);
    for (auto& q : b->parameters()) p.push_back(q);
    return p;
  }
  torch::Tensor loss(const torch::Tensor& x) { return b(torch::tanh(a(x))).pow(2).sum(); }
};

TEST(GradientSync, SumsTheRanksGradientsIntoTheWholeBatchsGradientWithAccumulation) {
  if (!distributed_training_available()) GTEST_SKIP() << "built without c10d Gloo";
  torch::manual_seed(11);
  const auto x = torch::randn({16, 4});
  // One process, the whole batch in one backward pass.
  Net whole;
  whole.loss(x).backward();
  std::vector<torch::Tensor> expected;
  for (auto& p : whole.parameters()) expected.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));

  const int n = 2;
  // Built here, not on the ranks' threads: the global generator is not to be shared by threads.
  std::vector<Net> nets(n);
  std::vector<std::vector<torch::Tensor>> grads(n);
  std::vector<int64_t> bucket_counts(n), overlapped(n);
  run_ranks(n, [&](int rank, ProcessGroup& group) {
    Net& net = nets[static_cast<size_t>(rank)];
    // 50 bytes: four buckets, so their order across ranks matters.
    GradientSync sync(net.parameters(), group, 50);
    bucket_counts[static_cast<size_t>(rank)] = sync.buckets();
    // Rank r's 8 rows in two micro-batches of 4: the first accumulates locally, the second syncs.
    const auto mine = x.narrow(0, rank * 8, 8);
    net.loss(mine.narrow(0, 0, 4)).backward();
    sync.arm();
    net.loss(mine.narrow(0, 4, 4)).backward();
    sync.finish();
    overlapped[static_cast<size_t>(rank)] = sync.overlapped_buckets();
    for (auto& p : net.parameters()) grads[static_cast<size_t>(rank)].push_back(p.grad().clone());
  });
  EXPECT_EQ(bucket_counts[0], 4);
  // The three buckets before the unused parameter's were on their way before backward ended.
  EXPECT_EQ(overlapped[0], 3);
  EXPECT_EQ(overlapped[1], 3);
  for (int r = 0; r < n; ++r) {
    ASSERT_EQ(grads[static_cast<size_t>(r)].size(), expected.size());
    for (size_t k = 0; k < expected.size(); ++k)
      EXPECT_TRUE(torch::allclose(grads[static_cast<size_t>(r)][k], expected[k], 1e-5, 1e-6))
          << "rank " << r << ", parameter " << k << ":\n" << grads[static_cast<size_t>(r)][k] << "\nexpected\n" << expected[k];
    // Every rank ends with bit-identical gradients: the same update everywhere.
    for (size_t k = 0; k < expected.size(); ++k) EXPECT_TRUE(torch::equal(grads[static_cast<size_t>(r)][k], grads[0][k]));
  }
}

TEST(ProcessGroup, JoinsAStoreServedByTorchrunsAgent) {
  if (!distributed_training_available()) GTEST_SKIP() << "built without c10d Gloo";
  // torchrun's static rendezvous: the agent serves the store, every rank (0 too) connects to it.
  const int port = test::free_loopback_port();
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(port);
  so.isServer = true;
  so.waitWorkers = false;
  auto agent = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", so);
  std::vector<torch::Tensor> sums(2);
  run_ranks(2, [&](int rank, ProcessGroup& group) {
    auto t = torch::full({3}, static_cast<float>(rank + 1));
    group.all_reduce_sum(t);
    sums[static_cast<size_t>(rank)] = t;
  }, 30, port, /*agent_store=*/true);
  for (const auto& t : sums) EXPECT_TRUE(torch::equal(t, torch::full({3}, 3.f))) << t;
}

TEST(ProcessGroup, ARankThatLeavesMakesTheOthersFailWithAnErrorNamingThem) {
  if (!distributed_training_available()) GTEST_SKIP() << "built without c10d Gloo";
  std::string message;
  const auto start = std::chrono::steady_clock::now();
  try {
    run_ranks(2, [&](int rank, ProcessGroup& group) {
      if (rank == 1) return;  // leaves: its group is destroyed, its connections closed
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      auto t = torch::ones({4});
      group.all_reduce_sum(t);
    }, /*timeout_s=*/20);
  } catch (const Error& e) {
    message = e.what();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(message.find("rank 0 of 2"), std::string::npos) << message;
  EXPECT_NE(message.find("rank 1 did not answer (exited or hung)"), std::string::npos) << message;
  EXPECT_LT(seconds, 25) << "the failure should come at once or at the latest with the timeout";
}

// Sets environment variables for one test and puts the old values back.
class ScopedEnvironment {
 public:
  void set(const char* name, const char* value) {
    if (!saved_.count(name)) {
      const char* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnvironment() {
    for (auto& [name, value] : saved_) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

std::string launch_error() {
  try {
    LaunchEnvironment::from_environment();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LaunchEnvironment, ReadsTorchrunsVariablesAndNamesAMalformedOne) {
  ScopedEnvironment env;
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_USE_AGENT_STORE",
                           "TORCHELASTIC_RUN_ID", "TORCHELASTIC_RESTART_COUNT"})
    env.set(name, nullptr);
  auto one = LaunchEnvironment::from_environment();
  EXPECT_FALSE(one.distributed());
  EXPECT_EQ(one.world_size, 1);

  env.set("RANK", "3"), env.set("WORLD_SIZE", "4"), env.set("LOCAL_RANK", "1"), env.set("MASTER_ADDR", "node0"),
      env.set("MASTER_PORT", "29611");
  auto e = LaunchEnvironment::from_environment();
  EXPECT_TRUE(e.distributed());
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.master_addr, "node0");
  EXPECT_EQ(e.master_port, 29611);
  EXPECT_FALSE(e.agent_store);
  EXPECT_EQ(e.store_prefix(), "brivl//attempt-0");
  env.set("TORCHELASTIC_USE_AGENT_STORE", "True"), env.set("TORCHELASTIC_RUN_ID", "job7"), env.set("TORCHELASTIC_RESTART_COUNT", "2");
  e = LaunchEnvironment::from_environment();
  EXPECT_TRUE(e.agent_store);
  EXPECT_EQ(e.store_prefix(), "brivl/job7/attempt-2");  // a restarted attempt never reads an earlier one's keys

  env.set("RANK", "4");
  EXPECT_NE(launch_error().find("RANK=4 is not below WORLD_SIZE=4"), std::string::npos) << launch_error();
  env.set("RANK", "two");
  EXPECT_NE(launch_error().find("RANK='two'"), std::string::npos) << launch_error();
  env.set("RANK", nullptr);
  EXPECT_NE(launch_error().find("RANK is not"), std::string::npos) << launch_error();
  env.set("RANK", "0"), env.set("MASTER_ADDR", nullptr);
  EXPECT_NE(launch_error().find("MASTER_ADDR is not set"), std::string::npos) << launch_error();
  env.set("MASTER_ADDR", "node0"), env.set("MASTER_PORT", "70000");
  EXPECT_NE(launch_error().find("MASTER_PORT='70000'"), std::string::npos) << launch_error();
}

}  // namespace
}  // namespace brivl
