#include "train/distributed/process_group.h"

#include <chrono>
#include <cstdlib>
#include <optional>
#include <thread>

#include "util/error.h"

#if defined(BRIVL_HAVE_C10D_GLOO)
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#if defined(BRIVL_HAVE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace brivl {
void ProcessGroupOptions::validate() const {
  BRIVL_CHECK(backend == "auto" || backend == "gloo" || backend == "nccl", "--backend '", backend,
              "': expected auto, gloo or nccl");
  BRIVL_CHECK(timeout_s > 0, "--dist-timeout ", timeout_s, ": expected a number of seconds above 0");
}

bool distributed_training_available() {
#if defined(BRIVL_HAVE_C10D_GLOO)
  return true;
#else
  return false;
#endif
}

#if defined(BRIVL_HAVE_C10D_GLOO)

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  // The backend itself, by its own type: LibTorch 1.x derives it from c10d::ProcessGroup, 2.x
  // from c10d::Backend; both have the collectives used here with the same signatures.
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#if defined(BRIVL_HAVE_C10D_NCCL)
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  std::string backend;
  torch::Device device{torch::kCPU};
  int rank = 0, size = 1;

  // `f(backend)` on whichever backend this group has.
  template <typename F>
  auto on_backend(F&& f) -> decltype(f(*gloo)) {
#if defined(BRIVL_HAVE_C10D_NCCL)
    if (nccl) return f(*nccl);
#endif
    return f(*gloo);
  }

  // Runs one collective; c10d's own exception (a closed connection, a timeout) becomes ours.
  template <typename F>
  auto guarded(const char* what, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const brivl::Error&) {
      throw;
    } catch (const std::exception& e) {
      fail(what, e);
    }
  }

  [[noreturn]] void fail(const char* what, const std::exception& e) {
    BRIVL_FAIL("rank ", rank, " of ", size, ": ", what, " across the ", backend, " process group failed: ", who_is_missing(),
               " (", e.what(), ")");
  }

  // Which ranks are gone: every rank that sees a collective fail checks in at the store; those
  // that do not within a few seconds have exited or hang. Rank 0 serves the store: when it is
  // unreachable, rank 0 is the one gone.
  std::string who_is_missing() {
    try {
      store->set("failed/" + std::to_string(rank), std::vector<uint8_t>{1});
      std::vector<int> silent;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      do {
        silent.clear();
        for (int r = 0; r < size; ++r)
          if (r != rank && !store->check({"failed/" + std::to_string(r)})) silent.push_back(r);
        if (silent.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      } while (std::chrono::steady_clock::now() < deadline);
      if (silent.empty()) return "every rank saw it fail (the network between them broke?)";
      std::string names;
      for (int r : silent) names += (names.empty() ? "" : ", ") + std::to_string(r);
      return (silent.size() == 1 ? "rank " : "ranks ") + names + " did not answer (exited or hung)";
    } catch (const std::exception&) {
      return rank == 0 ? std::string("the job's rendezvous store stopped answering")
                       : std::string("rank 0 did not answer (exited or hung; it serves the job's rendezvous store)");
    }
  }
};

namespace {
class WorkPending : public ProcessGroup::Pending {
 public:
  WorkPending(c10::intrusive_ptr<c10d::Work> work, ProcessGroup::Impl* group) : work_(std::move(work)), group_(group) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception& e) {
      group_->fail("a gradient all-reduce", e);
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  ProcessGroup::Impl* group_;
};
// Gloo binds each rank's end of the connections to the address it is given, which must be one of
// this machine's: GLOO_SOCKET_IFNAME names the interface (as in PyTorch); otherwise the address
// this machine reaches MASTER_ADDR from (a UDP "connect" sends nothing; it only asks the kernel
// for the route), and Gloo's own default (the hostname's address) when there is none.
std::shared_ptr<gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const char* name = std::getenv("GLOO_SOCKET_IFNAME"); name != nullptr && *name != '\0')
    return c10d::ProcessGroupGloo::createDeviceForInterface(name);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  std::string local;
  if (::getaddrinfo(master_addr.c_str(), "9", &hints, &found) == 0) {
    for (addrinfo* a = found; a != nullptr && local.empty(); a = a->ai_next) {
      const int fd = ::socket(a->ai_family, SOCK_DGRAM, 0);
      if (fd < 0) continue;
      sockaddr_storage mine{};
      socklen_t len = sizeof(mine);
      char text[INET6_ADDRSTRLEN] = {0};
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&mine), &len) == 0) {
        const void* raw = mine.ss_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&mine)->sin_addr)
                                                     : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&mine)->sin6_addr);
        if (::inet_ntop(mine.ss_family, raw, text, sizeof(text)) != nullptr) local = text;
      }
      ::close(fd);
    }
    ::freeaddrinfo(found);
  }
  return local.empty() ? c10d::ProcessGroupGloo::createDefaultDevice() : c10d::ProcessGroupGloo::createDeviceForHostname(local);
}

}  // namespace

std::unique_ptr<ProcessGroup> ProcessGroup::join(const LaunchEnvironment& env, const ProcessGroupOptions& options,
                                                 const torch::Device& device) {
  options.validate();
  auto impl = std::make_unique<Impl>();
  impl->rank = env.rank, impl->size = env.world_size, impl->device = device;
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000));
  std::string backend = options.backend;
  if (backend == "auto") backend = device.is_cuda() ? "nccl" : "gloo";
#if !defined(BRIVL_HAVE_C10D_NCCL)
  if (backend == "nccl" && options.backend == "auto") backend = "gloo";  // Gloo reduces CUDA tensors too, through the host
  BRIVL_CHECK(backend != "nccl", "--backend nccl: this build's LibTorch has no NCCL process group; use --backend gloo");
#endif
  impl->backend = backend;
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(env.master_port);
    so.isServer = env.rank == 0 && !env.agent_store;
    // Every rank checks in (a client's count is what the server waits for); only the server waits.
    so.numWorkers = static_cast<std::size_t>(env.world_size);
    so.waitWorkers = true;
    so.timeout = timeout;
    // Our keys under a prefix of their own, one per attempt: a store torchrun's agent serves
    // holds its keys too, and those of attempts before a restart.
    impl->store = c10::make_intrusive<c10d::PrefixStore>(env.store_prefix(), c10::make_intrusive<c10d::TCPStore>(env.master_addr, so));
    if (backend == "gloo") {
      auto o = c10d::ProcessGroupGloo::Options::create(timeout);
      o->devices.push_back(gloo_device(env.master_addr));
      impl->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, env.rank, env.world_size, o);
    }
#if defined(BRIVL_HAVE_C10D_NCCL)
    else {
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      impl->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl->store, env.rank, env.world_size, o);
    }
#endif
  } catch (const std::exception& e) {
    BRIVL_FAIL("rank ", env.rank, " of ", env.world_size, ": could not join the ", backend, " process group at ",
               env.master_addr, ":", env.master_port, " within ", options.timeout_s, " s (", e.what(), ")");
  }
  auto group = std::unique_ptr<ProcessGroup>(new ProcessGroup(std::move(impl)));
  group->barrier();  // everyone is there before the first real collective
  return group;
}

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProcessGroup::~ProcessGroup() = default;
int ProcessGroup::rank() const { return impl_->rank; }
int ProcessGroup::size() const { return impl_->size; }
std::string ProcessGroup::backend() const { return impl_->backend; }

std::unique_ptr<ProcessGroup::Pending> ProcessGroup::all_reduce_sum_async(torch::Tensor& tensor) {
  return impl_->guarded("an all-reduce", [&]() -> std::unique_ptr<Pending> {
    std::vector<at::Tensor> t{tensor};
    return std::make_unique<WorkPending>(impl_->on_backend([&](auto& b) { return b.allreduce(t); }), impl_.get());
  });
}

void ProcessGroup::all_reduce_sum(torch::Tensor& tensor) { all_reduce_sum_async(tensor)->wait(); }

std::vector<int64_t> ProcessGroup::all_reduce_max(const std::vector<int64_t>& values) {
  auto t = torch::tensor(values, torch::TensorOptions().dtype(torch::kInt64)).to(impl_->device);
  impl_->guarded("an all-reduce", [&] {
    std::vector<at::Tensor> v{t};
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::MAX;
    impl_->on_backend([&](auto& b) { return b.allreduce(v, o); })->wait();
  });
  const auto cpu = t.cpu();
  return std::vector<int64_t>(cpu.data_ptr<int64_t>(), cpu.data_ptr<int64_t>() + cpu.numel());
}

torch::Tensor ProcessGroup::all_gather_rows(const torch::Tensor& local, std::vector<int64_t>* counts_out) {
  return impl_->guarded("an all-gather", [&] {
    const int n = impl_->size;
    auto count = torch::full({1}, local.size(0), torch::TensorOptions().dtype(torch::kInt64).device(local.device()));
    std::vector<std::vector<at::Tensor>> counts(1);
    for (int r = 0; r < n; ++r) counts[0].push_back(torch::empty_like(count));
    std::vector<at::Tensor> in{count};
    impl_->on_backend([&](auto& b) { return b.allgather(counts, in); })->wait();
    std::vector<int64_t> rows;
    int64_t most = 0;
    for (auto& c : counts[0]) rows.push_back(c.cpu().item<int64_t>()), most = std::max(most, rows.back());
    if (counts_out) *counts_out = rows;
    // Gloo gathers equal shapes only: pad to the largest, gather, cut each back to its rows.
    auto shape = local.sizes().vec();
    shape[0] = most;
    auto padded = torch::zeros(shape, local.options());
    if (local.size(0) > 0) padded.narrow(0, 0, local.size(0)).copy_(local);
    std::vector<std::vector<at::Tensor>> out(1);
    for (int r = 0; r < n; ++r) out[0].push_back(torch::empty(shape, local.options()));
    std::vector<at::Tensor> src{padded};
    impl_->on_backend([&](auto& b) { return b.allgather(out, src); })->wait();
    std::vector<torch::Tensor> parts;
    for (int r = 0; r < n; ++r) parts.push_back(out[0][static_cast<size_t>(r)].narrow(0, 0, rows[static_cast<size_t>(r)]));
    return torch::cat(parts);
  });
}

void ProcessGroup::broadcast(torch::Tensor& tensor, int root) {
  impl_->guarded("a broadcast", [&] {
    std::vector<at::Tensor> v{tensor};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    impl_->on_backend([&](auto& b) { return b.broadcast(v, o); })->wait();
  });
}

void ProcessGroup::barrier() {
  // A barrier as a one-number all-reduce: the same code path as every other collective.
  all_reduce_max({0});
}

#else  // no c10d Gloo in this build

struct ProcessGroup::Impl {};
std::unique_ptr<ProcessGroup> ProcessGroup::join(const LaunchEnvironment& env, const ProcessGroupOptions& options,
                                                 const torch::Device&) {
  options.validate();
  BRIVL_FAIL("rank ", env.rank, " of ", env.world_size,
             ": this build of brivl cannot train on several processes (LibTorch's c10d with Gloo was not found when "
             "it was built: install libgloo-dev and rebuild)");
}
ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProcessGroup::~ProcessGroup() = default;
int ProcessGroup::rank() const { return 0; }
int ProcessGroup::size() const { return 1; }
std::string ProcessGroup::backend() const { return "none"; }
std::unique_ptr<ProcessGroup::Pending> ProcessGroup::all_reduce_sum_async(torch::Tensor&) { BRIVL_FAIL("no process group"); }
void ProcessGroup::all_reduce_sum(torch::Tensor&) { BRIVL_FAIL("no process group"); }
std::vector<int64_t> ProcessGroup::all_reduce_max(const std::vector<int64_t>&) { BRIVL_FAIL("no process group"); }
torch::Tensor ProcessGroup::all_gather_rows(const torch::Tensor&, std::vector<int64_t>*) { BRIVL_FAIL("no process group"); }
void ProcessGroup::broadcast(torch::Tensor&, int) { BRIVL_FAIL("no process group"); }
void ProcessGroup::barrier() { BRIVL_FAIL("no process group"); }

#endif

}  // namespace brivl
