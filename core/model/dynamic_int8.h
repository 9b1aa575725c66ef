#pragma once
// Dynamic int8 linear layers on the CPU: weights stored as int8 per output channel, activations
// quantised per call from their own range, accumulated in int32 and returned in float32 — what
// PyTorch's `quantize_dynamic` does to nn.Linear. Runs LibTorch's own quantized kernels
// (`quantized::linear_prepack` / `quantized::linear_dynamic`) through the dispatcher, so nothing
// here is a hand-written GEMM; which engine packs the weights (x86 / fbgemm / onednn, QNNPACK
// only where nothing else is built in) is decided once, when they are packed.
#include <string>

#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/torch.h>

namespace brivl {

// The quantized engine dynamic int8 would use here, or "" when this LibTorch has none.
std::string dynamic_int8_engine();

class DynamicInt8Linear {
 public:
  // weight [out, in] and bias [out] (may be undefined) in float32 on the CPU. Throws brivl::Error
  // when this LibTorch has no quantized engine.
  DynamicInt8Linear(const torch::Tensor& weight, const torch::Tensor& bias);
  // x [..., in] float32 -> [..., out] float32. Inference only (no autograd through int8).
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  c10::IValue packed_;
  bool reduce_range_ = false;
  // quantized::linear_dynamic, looked up once: a schema lookup per call would cost a hash-map
  // search and a lock in every forward of every layer.
  c10::OperatorHandle linear_dynamic_;
};

}  // namespace brivl
