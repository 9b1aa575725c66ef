#include "train/distributed/gradient_sync.h"

#include <chrono>

#include "util/error.h"

namespace brivl {

GradientSync::GradientSync(std::vector<torch::Tensor> parameters, ProcessGroup& group, int64_t bucket_bytes)
    : params_(std::move(parameters)), where_(params_.size()), group_(group) {
  // Reverse registration order: the last layers' gradients come first in backward.
  Bucket current;
  int64_t bytes = 0;
  auto close = [&] {
    if (current.members.empty()) return;
    int64_t numel = 0;
    for (size_t i : current.members) current.offsets.push_back(numel), numel += params_[i].numel();
    current.flat = torch::zeros({numel}, params_[current.members.front()].options().requires_grad(false));
    current.filled.assign(current.members.size(), 0);
    buckets_.push_back(std::move(current));
    current = Bucket{};
    bytes = 0;
  };
  for (size_t k = params_.size(); k-- > 0;) {
    const auto& p = params_[k];
    BRIVL_CHECK(p.requires_grad(), "GradientSync: parameter ", k, " does not require a gradient");
    // A bucket holds one dtype and device (its flat buffer is one tensor).
    if (!current.members.empty() && (params_[current.members.front()].dtype() != p.dtype() ||
                                     params_[current.members.front()].device() != p.device()))
      close();
    where_[k] = {buckets_.size(), current.members.size()};
    current.members.push_back(k);
    bytes += p.numel() * static_cast<int64_t>(p.element_size());
    if (bytes >= bucket_bytes) close();
  }
  close();
  for (size_t k = 0; k < params_.size(); ++k)
    hooks_.push_back(params_[k].register_hook([this, k](torch::Tensor grad) { on_gradient(k, grad); }));
}

GradientSync::~GradientSync() {
  for (size_t k = 0; k < hooks_.size(); ++k) params_[k].remove_hook(hooks_[k]);
}

void GradientSync::arm() { armed_ = true; }

void GradientSync::on_gradient(size_t param, const torch::Tensor& grad) {
  if (!armed_) return;
  const auto [b, m] = where_[param];
  auto& bucket = buckets_[b];
  if (bucket.filled[m] || bucket.pending) return;
  // The hook sees this backward's gradient before it is added to .grad: the step's local
  // gradient is their sum (earlier micro-batches are in .grad already).
  const auto& p = params_[param];
  auto slot = bucket.flat.narrow(0, bucket.offsets[m], p.numel()).view(p.sizes());
  torch::NoGradGuard no_grad;
  if (p.grad().defined()) torch::add_out(slot, p.grad(), grad);
  else slot.copy_(grad);
  bucket.filled[m] = 1;
  if (++bucket.ready == bucket.members.size()) launch_ready_buckets();
}

void GradientSync::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].ready == buckets_[next_launch_].members.size()) {
    auto& bucket = buckets_[next_launch_++];
    bucket.pending = group_.all_reduce_sum_async(bucket.flat);
  }
}

void GradientSync::fill_from_grad(Bucket& bucket, size_t member) {
  const auto& p = params_[bucket.members[member]];
  auto slot = bucket.flat.narrow(0, bucket.offsets[member], p.numel());
  torch::NoGradGuard no_grad;
  // A parameter that got no gradient this step still takes part (its sum may not be zero).
  if (p.grad().defined()) slot.copy_(p.grad().reshape({-1}));
  else slot.zero_();
  bucket.filled[member] = 1;
  ++bucket.ready;
}

double GradientSync::finish() {
  const auto start = std::chrono::steady_clock::now();
  overlapped_ = static_cast<int64_t>(next_launch_);
  for (size_t b = next_launch_; b < buckets_.size(); ++b)
    for (size_t m = 0; m < buckets_[b].members.size(); ++m)
      if (!buckets_[b].filled[m]) fill_from_grad(buckets_[b], m);
  launch_ready_buckets();
  torch::NoGradGuard no_grad;
  for (auto& bucket : buckets_) {
    bucket.pending->wait();
    for (size_t m = 0; m < bucket.members.size(); ++m) {
      auto& p = params_[bucket.members[m]];
      auto sum = bucket.flat.narrow(0, bucket.offsets[m], p.numel()).view(p.sizes());
      if (p.grad().defined()) p.mutable_grad().copy_(sum);
      else p.mutable_grad() = sum.clone();
    }
    bucket.pending.reset();
    bucket.ready = 0;
    std::fill(bucket.filled.begin(), bucket.filled.end(), 0);
  }
  next_launch_ = 0;
  armed_ = false;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace brivl
