#pragma once
// The process group of data-parallel training: PyTorch's c10d, as LibTorch ships it (TCPStore
// rendezvous; Gloo for CPU tensors, NCCL for CUDA tensors where LibTorch was built with it). Only
// process_group.cpp sees the c10d headers. Every collective blocks until all ranks take part or
// the group's timeout passes; a failure (a rank exited, hung, or the network broke) throws
// brivl::Error naming this rank, the operation and what c10d said.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "train/distributed/availability.h"
#include "train/distributed/launch_environment.h"

namespace brivl {

struct ProcessGroupOptions {
  std::string backend = "auto";  // auto (nccl for CUDA devices where built, else gloo) | gloo | nccl
  double timeout_s = 1800;       // rendezvous and every collective (PyTorch's default: 30 min)
  // Throws brivl::Error naming the option for an unknown backend or a timeout <= 0.
  void validate() const;
};

class ProcessGroup {
 public:
  // Rendezvous at MASTER_ADDR:MASTER_PORT (rank 0 serves the store) and builds the backend.
  static std::unique_ptr<ProcessGroup> join(const LaunchEnvironment& env, const ProcessGroupOptions& options,
                                            const torch::Device& device);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const;
  int size() const;
  std::string backend() const;

  // An all-reduce in flight; wait() blocks until its result is in the tensor.
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual void wait() = 0;
  };
  std::unique_ptr<Pending> all_reduce_sum_async(torch::Tensor& tensor);
  void all_reduce_sum(torch::Tensor& tensor);
  // Element-wise maximum over the ranks (flags, counts).
  std::vector<int64_t> all_reduce_max(const std::vector<int64_t>& values);
  // Every rank's rows, in rank order ([sum of rows, ...]); ranks may hold different row counts.
  // `counts`, when given, receives each rank's row count.
  torch::Tensor all_gather_rows(const torch::Tensor& local, std::vector<int64_t>* counts = nullptr);
  // `tensor` (same shape everywhere) takes rank `root`'s values.
  void broadcast(torch::Tensor& tensor, int root = 0);
  void barrier();

  struct Impl;  // c10d's objects; only process_group.cpp knows them

 private:
  explicit ProcessGroup(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace brivl
