#include "imagine/imaginer.h"

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

#include "imagine/session.h"
#include "text/prompt.h"
#include "util/fingerprint.h"
#include "util/error.h"
#include "vision/preprocess.h"

namespace brivl {

struct Imaginer::State {
  LoadedModel loaded;
  std::unique_ptr<BertTokenizer> tokenizer;
  std::string fingerprint;
};

namespace {

RgbImage tensor_to_rgb(const torch::Tensor& image) {  // [3, H, W] in [0, 1]
  const auto bytes = image.clamp(0, 1).mul(255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  RgbImage out;
  out.height = static_cast<int>(bytes.size(0));
  out.width = static_cast<int>(bytes.size(1));
  out.pixels.assign(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
  return out;
}

// Weighted sum of the prompt terms' embeddings (texts and images), L2-normalised.
torch::Tensor prompt_target(LoadedModel& m, const BertTokenizer& tokenizer, const std::string& prompt, int max_len) {
  torch::NoGradGuard no_grad;
  const int text_len = static_cast<int>(std::min<int64_t>(max_len, m.config.max_text_len));
  auto target = torch::zeros({m.config.img_feature_dim}, torch::kFloat32);
  for (const auto& term : parse_prompt(prompt)) {
    torch::Tensor e;
    if (term.is_image) {
      e = m.model->encode_images(load_image_for_model(term.text, m.config.img_size).to(m.device, m.dtype));
    } else {
      const auto enc = tokenizer.encode(term.text, text_len);
      const auto ids = torch::tensor(enc.input_ids).unsqueeze(0).to(m.device);
      const auto mask = torch::tensor(enc.attention_mask).unsqueeze(0).to(m.device);
      e = m.model->encode_texts(ids, mask);
    }
    target += e.squeeze(0).to(torch::kCPU, torch::kFloat32) * term.weight;
  }
  BRIVL_CHECK(target.norm().item<double>() > 1e-6, "imagine: the prompt's weighted terms cancel out: '", prompt, "'");
  return target / target.norm();
}

}  // namespace

Imaginer::Imaginer(std::unique_ptr<State> state) : state_(std::move(state)) {}
Imaginer::Imaginer(Imaginer&&) noexcept = default;
Imaginer& Imaginer::operator=(Imaginer&&) noexcept = default;
Imaginer::~Imaginer() = default;

Imaginer Imaginer::load(const ModelFiles& files, const EmbedderOptions& options) {
  if (options.threads > 0) at::set_num_threads(options.threads);
  auto state = std::make_unique<State>();
  state->tokenizer = std::make_unique<BertTokenizer>(BertTokenizer::from_file(files.vocab));
  state->loaded = load_model(files, LoadOptions().device(options.device).dtype(options.dtype).optimize(options.optimize));
  state->fingerprint = file_fingerprint(files.checkpoint);
  return Imaginer(std::move(state));
}

bool Imaginer::on_gpu() const { return state_->loaded.device.is_cuda(); }
const std::string& Imaginer::model_fingerprint() const { return state_->fingerprint; }

RgbImage Imaginer::run(ImagineSettings& settings, const ImagineHooks& hooks) {
  settings.validate();
  settings.engine_version = kImagineEngineVersion;
  settings.model_fingerprint = state_->fingerprint;
  auto& m = state_->loaded;
  const auto target = prompt_target(m, *state_->tokenizer, settings.prompt, settings.max_text_len);
  std::optional<torch::Tensor> init;
  if (!settings.init_image.empty()) init = rgb_to_tensor(decode_image_file(settings.init_image));
  ImaginationSession session(m.model, m.device, target, settings, init);
  while (!session.finished()) {
    if (hooks.should_cancel && hooks.should_cancel()) throw Cancelled("imagination cancelled");
    const auto progress = session.step();
    if (hooks.on_progress) hooks.on_progress(progress);
    if (hooks.on_preview && hooks.preview_every > 0 && progress.step % hooks.preview_every == 0 && !session.finished()) {
      hooks.on_preview(progress.step, tensor_to_rgb(session.image()));
    }
  }
  auto final_image = tensor_to_rgb(session.image());
  if (hooks.on_preview) hooks.on_preview(settings.steps, final_image);
  return final_image;
}

}  // namespace brivl
