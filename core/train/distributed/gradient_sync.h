#pragma once
// Sums the gradients of data-parallel replicas while the backward pass is still running, the way
// PyTorch's DDP Reducer does (its C++ class needs headers Debian's libtorch-dev does not ship, and
// a Python-side driver): parameters go into buckets of about `bucket_bytes`, in reverse order of
// registration (roughly the order backward produces their gradients); a hook on each parameter
// copies its gradient into the bucket's flat buffer, and a complete bucket's all-reduce starts at
// once, on c10d's threads, while backward goes on. Buckets start in bucket order on every rank,
// so the ranks' collectives always pair up. finish() waits for them and writes the sums to .grad.
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "train/distributed/process_group.h"

namespace brivl {

class GradientSync {
 public:
  // `parameters`: those the optimizer updates (requires_grad). Hooks stay until destruction.
  GradientSync(std::vector<torch::Tensor> parameters, ProcessGroup& group, int64_t bucket_bytes = 8 << 20);
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // The next backward pass is the optimizer step's last one (gradient accumulation: the earlier
  // ones only accumulate locally): reduce its gradients as they arrive.
  void arm();
  // After the step's last backward: every bucket reduced (those the backward did not start are
  // started now, from .grad), each parameter's .grad the sum over all ranks. Returns the seconds
  // spent waiting here (communication not hidden behind the backward pass).
  double finish();

  int64_t buckets() const { return static_cast<int64_t>(buckets_.size()); }
  // Of the last finished step's buckets, how many started while backward was still running.
  int64_t overlapped_buckets() const { return overlapped_; }

 private:
  struct Bucket {
    std::vector<size_t> members;           // indices into params_
    std::vector<int64_t> offsets;          // of each member in `flat`
    torch::Tensor flat;
    size_t ready = 0;
    std::vector<char> filled;              // per member: its gradient is in `flat`
    std::unique_ptr<ProcessGroup::Pending> pending;
  };
  void on_gradient(size_t param, const torch::Tensor& grad);
  void launch_ready_buckets();
  void fill_from_grad(Bucket& bucket, size_t member);

  std::vector<torch::Tensor> params_;
  std::vector<std::pair<size_t, size_t>> where_;  // param -> (bucket, member)
  std::vector<unsigned> hooks_;
  std::vector<Bucket> buckets_;
  ProcessGroup& group_;
  size_t next_launch_ = 0;
  bool armed_ = false;
  int64_t overlapped_ = 0;
};

}  // namespace brivl
