#pragma once
// The BriVL two-tower model for inference: the online image and text encoders, registered as
// `imgencoder` / `textencoder` so parameter keys equal the official checkpoint's keys.
// Ref: brivl-nmi models/vl_model.py VL_model, example.py.
#include <torch/torch.h>

#include <functional>
#include <string>

#include "model/config.h"
#include "model/encoders.h"
#include "model/model_files.h"
#include "model/state_loading.h"

namespace brivl {

class BriVLImpl : public torch::nn::Module {
 public:
  explicit BriVLImpl(const ModelConfig& config);
  // images: [B, 3, S, S] normalized -> [B, D] L2-normalized
  torch::Tensor encode_images(const torch::Tensor& images);
  // input_ids, mask: [B, L] -> [B, D] L2-normalized
  torch::Tensor encode_texts(const torch::Tensor& input_ids, const torch::Tensor& mask);
  // Inference-only speed-ups (BatchNorm folding, channels-last backbone); call in float32,
  // before converting to a lower precision.
  void optimize_for_inference();
  // The text tower's linear layers (BERT's and the head's) in dynamic int8 on the CPU
  // (model/dynamic_int8.h); returns how many. Inference only; images stay float32.
  int quantize_text_tower_int8();

  const ModelConfig& config() const { return config_; }
  ImageEncoder imgencoder{nullptr};
  TextEncoder textencoder{nullptr};

 private:
  ModelConfig config_;
};
TORCH_MODULE(BriVL);

struct LoadOptions {
  TORCH_ARG(std::string, device) = "auto";  // auto | cpu | cuda | cuda:N
  TORCH_ARG(std::string, dtype) = "fp32";   // fp32 | fp16 | bf16 | int8 (CPU: int8 text tower)
  TORCH_ARG(bool, optimize) = true;         // fold BatchNorm etc. (inference only)
  // (bytes read, bytes to read) while the checkpoint's tensors are read; on the loading thread.
  TORCH_ARG(std::function<void(int64_t, int64_t)>, on_progress) = nullptr;
};

struct LoadedModel {
  ModelFiles files;
  ModelConfig config;
  BriVL model{nullptr};
  torch::Device device{torch::kCPU};
  torch::ScalarType dtype = torch::kFloat32;
  bool text_int8 = false;  // --dtype int8: the text tower's linear layers run in dynamic int8
  std::string checkpoint_format;
  StateLoadReport report;
  double load_seconds = 0;
};

// "auto" -> CUDA when available, else CPU. Throws for unavailable devices.
torch::Device parse_device(const std::string& name);
// fp32 / fp16 / bf16 (also float32, float16, half, bfloat16). fp16 needs CUDA. int8 (the CPU's
// dynamic int8 text tower) computes in float32 otherwise: kFloat32, and it needs the CPU.
torch::ScalarType parse_dtype(const std::string& name, const torch::Device& device);

// Builds the model from the config, loads the checkpoint strictly and moves it to the device.
LoadedModel load_model(const ModelFiles& files, const LoadOptions& options = {});

}  // namespace brivl
