#include "model/brivl_model.h"

#include <chrono>

#include "io/checkpoint.h"
#include "model/dynamic_int8.h"
#include "util/error.h"

namespace brivl {
namespace F = torch::nn::functional;

BriVLImpl::BriVLImpl(const ModelConfig& config) : config_(config) {
  imgencoder = register_module("imgencoder", ImageEncoder(config));
  textencoder = register_module("textencoder", TextEncoder(config));
}

torch::Tensor BriVLImpl::encode_images(const torch::Tensor& images) {
  return F::normalize(imgencoder(images), F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12));
}

torch::Tensor BriVLImpl::encode_texts(const torch::Tensor& input_ids, const torch::Tensor& mask) {
  return F::normalize(textencoder(input_ids, mask), F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12));
}

void BriVLImpl::optimize_for_inference() {
  eval();
  imgencoder->backbone->fold_batchnorm();
  imgencoder->backbone->use_channels_last();
}

int BriVLImpl::quantize_text_tower_int8() {
  int count = 0;
  for (const auto& module : textencoder->modules(/*include_self=*/false))
    if (auto linear = std::dynamic_pointer_cast<LinearImpl>(module)) {
      linear->quantize_dynamic_int8();
      ++count;
    }
  return count;
}

torch::Device parse_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (name == "cpu") return torch::kCPU;
  BRIVL_CHECK(name == "cuda" || name.rfind("cuda:", 0) == 0, "--device '", name,
              "' is not one of auto, cpu, cuda, cuda:N");
  BRIVL_CHECK(torch::cuda::is_available(), "--device ", name,
              ": CUDA is not available (no GPU, or LibTorch built without CUDA)");
  int index = 0;
  if (name.size() > 5) {
    try {
      index = std::stoi(name.substr(5));
    } catch (const std::exception&) {
      BRIVL_FAIL("--device '", name, "': expected cuda:N with a number N");
    }
  }
  const auto count = static_cast<int>(torch::cuda::device_count());
  BRIVL_CHECK(index >= 0 && index < count, "--device ", name, ": only ", count, " CUDA device(s)");
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

torch::ScalarType parse_dtype(const std::string& name, const torch::Device& device) {
  if (name == "fp32" || name == "float32") return torch::kFloat32;
  if (name == "bf16" || name == "bfloat16") return torch::kBFloat16;
  if (name == "fp16" || name == "float16" || name == "half") {
    BRIVL_CHECK(device.is_cuda(), "--dtype ", name, ": half precision needs a CUDA device; use bf16 on the CPU");
    return torch::kFloat16;
  }
  if (name == "int8") {
    BRIVL_CHECK(!device.is_cuda(), "--dtype int8: dynamic int8 runs on the CPU (--device cpu); on CUDA use bf16");
    BRIVL_CHECK(!dynamic_int8_engine().empty(), "--dtype int8: this LibTorch has no quantized engine");
    return torch::kFloat32;
  }
  BRIVL_FAIL("--dtype '", name, "' is not one of fp32, fp16, bf16, int8");
}

LoadedModel load_model(const ModelFiles& files, const LoadOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  LoadedModel out;
  out.files = files;
  // int8 is the CPU's: "auto" means the CPU for it, even where a GPU is there.
  out.device = options.dtype() == "int8" && options.device() == "auto" ? torch::Device(torch::kCPU) : parse_device(options.device());
  out.dtype = parse_dtype(options.dtype(), out.device);
  auto reader = CheckpointReader::open(files.checkpoint);
  out.checkpoint_format = reader->format();
  const auto shapes = reader->shapes();
  out.config = load_model_config(files.config, &shapes);
  {
    SkipInitGuard skip_init;  // every parameter is loaded next: random values would be wasted work
    out.model = BriVL(out.config);
  }
  out.report = load_state_strict(*out.model, *reader, is_unused_for_inference,
                                 "the model of " + files.config + " (" + out.config.cnn + " + " + out.config.encoder + ")",
                                 options.on_progress());
  out.model->eval();
  // Fold in float32 on the CPU, then convert: folding in half precision would round twice.
  if (options.optimize()) out.model->optimize_for_inference();
  out.model->to(out.device, out.dtype);
  if (options.dtype() == "int8") out.text_int8 = out.model->quantize_text_tower_int8() > 0;
  for (auto& p : out.model->parameters()) p.set_requires_grad(false);
  out.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace brivl
