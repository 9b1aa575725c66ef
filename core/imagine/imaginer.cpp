#include "imagine/imaginer.h"

#include <torch/torch.h>

#include <chrono>
#include <limits>

#include "imagine/session.h"
#include "model/brivl_model.h"
#include "util/fingerprint.h"
#include "util/error.h"
#include "vision/preprocess.h"

namespace brivl {

struct Imaginer::State {
  std::shared_ptr<Embedder> embedder;  // the loaded model, tokenizer and prompt embedding
  std::string fingerprint;
  int image_batch_size;  // EmbedderOptions::image_batch_size: views per pass when > 0
};

Imaginer::Imaginer(Imaginer&&) noexcept = default;
Imaginer& Imaginer::operator=(Imaginer&&) noexcept = default;
Imaginer::~Imaginer() = default;

Imaginer Imaginer::load(const ModelFiles& files, const EmbedderOptions& options) {
  return Imaginer(std::make_shared<Embedder>(Embedder::load(files, options)), files.checkpoint, options.image_batch_size);
}

Imaginer::Imaginer(std::shared_ptr<Embedder> embedder, const std::string& checkpoint, int views_per_pass) {
  BRIVL_CHECK(embedder != nullptr, "Imaginer: no model");
  BRIVL_CHECK(views_per_pass >= 0, "views per pass must be positive (got ", views_per_pass, ")");
  state_ = std::make_unique<State>(State{std::move(embedder), file_fingerprint(checkpoint), views_per_pass});
}

bool Imaginer::on_gpu() const { return embedder_model(*state_->embedder).device.is_cuda(); }
const std::shared_ptr<Embedder>& Imaginer::embedder() const { return state_->embedder; }
const std::string& Imaginer::model_fingerprint() const { return state_->fingerprint; }

RgbImage Imaginer::run(ImagineSettings& settings, const ImagineHooks& hooks) {
  settings.validate();
  settings.engine_version = kImagineEngineVersion;
  settings.model_fingerprint = state_->fingerprint;
  state_->embedder->use_threads();  // same thread count as the CLI, on whatever thread runs this
  auto& m = embedder_model(*state_->embedder);
  auto query = state_->embedder->embed_prompt(settings.prompt, settings.max_text_len);
  const auto target = torch::from_blob(query.data(), {static_cast<int64_t>(query.size())}, torch::kFloat32).clone();
  std::optional<torch::Tensor> init;
  if (!settings.init_image.empty()) init = rgb_to_tensor(decode_image_file(settings.init_image));
  const int views_per_pass = state_->image_batch_size > 0
                                 ? state_->image_batch_size
                                 : views_per_pass_for(m.device.is_cuda(), m.model->config().img_size, settings.augment.cutouts);
  // The layout search (settings.starts > 1): every start runs start_steps steps of its own full
  // schedule, the one with the best held-out similarity continues; only it and the current
  // candidate are kept in memory.
  const int starts = settings.starts;
  const int total = settings.steps + (starts > 1 ? (starts - 1) * settings.start_steps : 0);
  const auto started = std::chrono::steady_clock::now();
  int done = 0;
  const auto run_steps = [&](ImaginationSession& session, int until, int start) {
    while (session.steps_done() < until) {
      if (hooks.should_cancel && hooks.should_cancel()) throw Cancelled("imagination cancelled");
      auto progress = session.step();
      ++done;
      progress.step = done, progress.steps = total;
      progress.start = start, progress.starts = starts;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      progress.steps_per_second = elapsed > 0 ? done / elapsed : 0;
      progress.eta_seconds = progress.steps_per_second > 0 ? (total - done) / progress.steps_per_second : 0;
      if (hooks.on_progress) hooks.on_progress(progress);
      if (hooks.on_preview && hooks.preview_every > 0 && done % hooks.preview_every == 0 && done < total)
        hooks.on_preview(done, tensor_to_rgb(session.image()));
    }
  };
  std::unique_ptr<ImaginationSession> best;
  double best_score = -std::numeric_limits<double>::infinity();
  for (int k = 0; k < starts; ++k) {
    ImagineSettings candidate_settings = settings;
    // Start 0 keeps the seed itself, so a one-start run is the run it always was.
    if (k > 0) candidate_settings.seed = start_seed(settings.seed, k);
    auto candidate = std::make_unique<ImaginationSession>(m.model, m.device, target, candidate_settings, init, views_per_pass);
    if (starts == 1) {
      best = std::move(candidate);
      break;
    }
    run_steps(*candidate, settings.start_steps, k);
    const double score = candidate->robust_similarity();
    if (score > best_score) best_score = score, best = std::move(candidate);
  }
  run_steps(*best, settings.steps, starts > 1 ? -1 : 0);
  const auto& session = *best;
  auto final_image = tensor_to_rgb(session.image());
  if (hooks.on_preview) hooks.on_preview(total, final_image);
  return final_image;
}

}  // namespace brivl
