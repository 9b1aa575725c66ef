#include "model/dynamic_int8.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <cctype>

#include "util/error.h"

namespace brivl {
namespace {

// "x86", "fbgemm", … (c10 spells them in capitals). The x86 engine exists from LibTorch 2.0 on.
std::string engine_name(at::QEngine engine) {
  std::string name = c10::toString(engine);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// Fastest first. QNNPACK is last: on x86 it is slower than float32 (docs/PERFORMANCE.md).
c10::optional<at::QEngine> preferred_engine() {
  const auto& supported = at::globalContext().supportedQEngines();
  for (const char* name : {"x86", "fbgemm", "onednn", "qnnpack"})
    for (auto engine : supported)
      if (engine != at::QEngine::NoQEngine && engine_name(engine) == name) return engine;
  return c10::nullopt;
}

// The quantized ops pack for the process-wide engine; set it only while packing.
class QEngineGuard {
 public:
  explicit QEngineGuard(at::QEngine engine) : previous_(at::globalContext().qEngine()) {
    at::globalContext().setQEngine(engine);
  }
  ~QEngineGuard() { at::globalContext().setQEngine(previous_); }
  QEngineGuard(const QEngineGuard&) = delete;
  QEngineGuard& operator=(const QEngineGuard&) = delete;

 private:
  at::QEngine previous_;
};

c10::OperatorHandle op(const char* name) {
  return c10::Dispatcher::singleton().findSchemaOrThrow(name, "");
}

}  // namespace

std::string dynamic_int8_engine() {
  const auto engine = preferred_engine();
  return engine ? engine_name(*engine) : "";
}

DynamicInt8Linear::DynamicInt8Linear(const torch::Tensor& weight, const torch::Tensor& bias)
    : linear_dynamic_(op("quantized::linear_dynamic")) {
  const auto engine = preferred_engine();
  BRIVL_CHECK(engine.has_value(), "int8: this LibTorch has no quantized engine (x86, fbgemm, onednn or qnnpack)");
  BRIVL_CHECK(weight.dim() == 2 && weight.device().is_cpu(), "int8: expected a 2-d CPU weight, got ", weight.sizes());
  // Symmetric per-output-channel int8, as PyTorch's per-channel dynamic quantisation.
  const auto w = weight.detach().to(torch::kFloat32).contiguous();
  const auto scales = (w.abs().amax({1}) / 127.0).clamp_min(1e-12).to(torch::kDouble);
  const auto zero_points = torch::zeros({w.size(0)}, torch::kLong);
  const auto qweight = at::quantize_per_channel(w, scales, zero_points, 0, at::kQInt8);
  c10::optional<at::Tensor> b;
  if (bias.defined()) b = bias.detach().to(torch::kFloat32).contiguous();
  // fbgemm's kernels (x86 engine included) can saturate 16-bit sums without VNNI: PyTorch
  // quantises their activations to 7 bits; oneDNN and QNNPACK take the full 8.
  reduce_range_ = engine_name(*engine) == "fbgemm" || engine_name(*engine) == "x86";
  QEngineGuard guard(*engine);
  torch::jit::Stack stack{qweight, b};
  op("quantized::linear_prepack").callBoxed(&stack);
  packed_ = std::move(stack.back());
}

torch::Tensor DynamicInt8Linear::forward(const torch::Tensor& x) const {
  torch::jit::Stack stack{x.to(torch::kFloat32).contiguous(), packed_, reduce_range_};
  linear_dynamic_.callBoxed(&stack);
  return stack.back().toTensor();
}

}  // namespace brivl
