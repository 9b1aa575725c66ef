#include "imagine/imaginer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <algorithm>
#include <limits>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "imagine/session.h"
#include "model/brivl_model.h"
#include "retrieval/caption_ranker.h"
#include "text/colour_words.h"
#include "util/fingerprint.h"
#include "util/error.h"
#include "vision/preprocess.h"

namespace brivl {

struct Imaginer::State {
  std::shared_ptr<Embedder> embedder;  // the loaded model, tokenizer and prompt embedding
  std::string fingerprint;
  int image_batch_size;  // EmbedderOptions::image_batch_size: views per pass when > 0
  std::string basis_file;                   // "" when the bundle has none
  std::shared_ptr<const ImageBasis> basis;  // read on first use
  std::string basis_fingerprint;            // of the file as it was read then
  std::mutex basis_mutex;
};

Imaginer::Imaginer(Imaginer&&) noexcept = default;
Imaginer& Imaginer::operator=(Imaginer&&) noexcept = default;
Imaginer::~Imaginer() = default;

Imaginer Imaginer::load(const ModelFiles& files, const EmbedderOptions& options) {
  return Imaginer(std::make_shared<Embedder>(Embedder::load(files, options)), files.checkpoint, options.image_batch_size,
                  files.image_basis);
}

Imaginer::Imaginer(std::shared_ptr<Embedder> embedder, const std::string& checkpoint, int views_per_pass,
                   const std::string& basis_file) {
  BRIVL_CHECK(embedder != nullptr, "Imaginer: no model");
  BRIVL_CHECK(views_per_pass >= 0, "views per pass must be positive (got ", views_per_pass, ")");
  state_ = std::make_unique<State>();
  state_->embedder = std::move(embedder);
  state_->fingerprint = file_fingerprint(checkpoint);
  state_->image_batch_size = views_per_pass;
  state_->basis_file = basis_file;
}

bool Imaginer::on_gpu() const { return embedder_model(*state_->embedder).device.is_cuda(); }
const std::shared_ptr<Embedder>& Imaginer::embedder() const { return state_->embedder; }
const std::string& Imaginer::model_fingerprint() const { return state_->fingerprint; }
std::string Imaginer::basis_fingerprint() const {
  return state_->basis_file.empty() ? std::string() : file_fingerprint(state_->basis_file);
}

namespace {

// The colours a screened start's ellipses are tried in: twelve hues (every 30 degrees) saturated,
// then (with `tints`) each also dark and pale, and white, black and grey. Generic on purpose, not
// any dataset's palette. A prompt that names a hue is swept in the saturated colours alone: the
// tints were where that sweep went wrong (brown and pink for yellow, pale mint for white;
// docs/IMAGINE_QUALITY.md, seventh round), and a colour word names a hue, not its tints.
torch::Tensor sweep_palette(bool tints) {
  std::vector<float> rgb;
  const auto add = [&](double h, double s, double v) {  // HSV -> RGB
    const double c = v * s, x = c * (1 - std::abs(std::fmod(h / 60.0, 2.0) - 1)), m = v - c;
    const int sector = static_cast<int>(h / 60.0) % 6;
    const double r[6] = {c, x, 0, 0, x, c}, g[6] = {x, c, c, x, 0, 0}, b[6] = {0, 0, x, c, c, x};
    for (double channel : {r[sector], g[sector], b[sector]}) rgb.push_back(static_cast<float>(channel + m));
  };
  for (int hue = 0; hue < 360; hue += 30) {
    add(hue, 1.0, 1.0);
    if (tints) add(hue, 1.0, 0.55), add(hue, 0.45, 1.0);
  }
  for (double grey : {1.0, 0.0, 0.5}) add(0, 0, grey);
  return torch::tensor(rgb).view({-1, 3});
}

// The great circle from a's direction to b's ([D] each): normalised and their angle measured once,
// then at(t) for every step of a morph.
class GreatCircle {
 public:
  GreatCircle(const torch::Tensor& a, const torch::Tensor& b)
      : a_(a / a.norm().clamp_min(1e-12)), b_(b / b.norm().clamp_min(1e-12)),
        omega_(std::acos(std::clamp((a_ * b_).sum().item<double>(), -1.0, 1.0))) {}
  // The point a fraction t of the way; a straight line (renormalised) where the two are nearly
  // parallel or opposite and the circle is ill-defined.
  torch::Tensor at(double t) const {
    if (std::sin(omega_) < 1e-4) {
      const auto line = a_ * (1 - t) + b_ * t;
      return line / line.norm().clamp_min(1e-12);
    }
    return (a_ * std::sin((1 - t) * omega_) + b_ * std::sin(t * omega_)) / std::sin(omega_);
  }

 private:
  torch::Tensor a_, b_;
  double omega_;
};

torch::Tensor embed_target(Embedder& embedder, const std::string& prompt, int max_text_len) {
  auto query = embedder.embed_prompt(prompt, max_text_len);
  // Not normalised here: the session normalises, and a second division could change the last bit
  // of replays made before morphs existed.
  return torch::from_blob(query.data(), {static_cast<int64_t>(query.size())}, torch::kFloat32).clone();
}

// Texts embedded as the rows of a tensor [N, D] (a copy the session may keep).
torch::Tensor embed_text_rows(Embedder& embedder, const std::vector<std::string>& texts) {
  const auto m = embedder.embed_texts(texts);
  return torch::from_blob(const_cast<float*>(m.data.data()), {m.rows, m.cols}, torch::kFloat32).clone();
}

// The contrast texts' embeddings ([N, D]; [0, D] without a file): every non-blank line of the file
// except the prompt itself.
torch::Tensor embed_contrast(Embedder& embedder, const ImagineSettings& settings, int64_t dim) {
  if (settings.contrast.empty()) return torch::zeros({0, dim});
  std::vector<std::string> texts;
  for (auto& line : read_caption_list(settings.contrast))
    if (line != settings.prompt) texts.push_back(std::move(line));
  BRIVL_CHECK(!texts.empty(), "--contrast ", settings.contrast, ": no caption other than the prompt itself");
  return embed_text_rows(embedder, texts);
}

// The prompt's colour rivals ([N, D]), or [0, D] where the colour sweep ranks by similarity: no
// rivals set, or a prompt without exactly one colour word.
torch::Tensor embed_colour_rivals(Embedder& embedder, const ImagineSettings& settings, int64_t dim) {
  const auto texts = colour_rivals(settings.prompt, parse_colour_words(settings.colour_rivals, "--colour-rivals"));
  if (texts.empty()) return torch::zeros({0, dim});
  return embed_text_rows(embedder, texts);
}

}  // namespace

RgbImage Imaginer::run(ImagineSettings& settings, const ImagineHooks& hooks) {
  settings.validate();
  settings.engine_version = kImagineEngineVersion;
  settings.model_fingerprint = state_->fingerprint;
  state_->embedder->use_threads();  // same thread count as the CLI, on whatever thread runs this
  auto& m = embedder_model(*state_->embedder);
  const auto target = embed_target(*state_->embedder, settings.prompt, settings.max_text_len);
  // Morph: the far end of the target's way (settings.to); the screening and the search aim at the prompt.
  std::optional<GreatCircle> morph;
  if (!settings.to.empty()) morph.emplace(target, embed_target(*state_->embedder, settings.to, settings.max_text_len));
  const auto contrast = embed_contrast(*state_->embedder, settings, target.size(0));
  const auto rivals = embed_colour_rivals(*state_->embedder, settings, target.size(0));
  const double temperature = m.model->config().temperature;
  std::optional<torch::Tensor> init;
  if (!settings.init_image.empty()) init = rgb_to_tensor(decode_image_file(settings.init_image));
  std::shared_ptr<const ImageBasis> basis;
  if (settings.param == "basis" && !state_->basis_file.empty()) {
    std::lock_guard<std::mutex> lock(state_->basis_mutex);
    if (!state_->basis) {
      state_->basis_fingerprint = file_fingerprint(state_->basis_file);
      state_->basis = std::make_shared<const ImageBasis>(load_image_basis(state_->basis_file));
    }
    basis = state_->basis;
    settings.basis_fingerprint = state_->basis_fingerprint;
  } else {
    settings.basis_fingerprint.clear();
  }
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
  // `morphing`: the steps left move the target from the prompt to settings.to, the first of them at
  // the prompt, the last at `to`.
  const auto run_steps = [&](ImaginationSession& session, int until, int start, bool morphing) {
    const int first = session.steps_done();
    while (session.steps_done() < until) {
      if (hooks.should_cancel && hooks.should_cancel()) throw Cancelled("imagination cancelled");
      double t = 0;
      if (morphing) {
        t = until - 1 > first ? static_cast<double>(session.steps_done() - first) / (until - 1 - first) : 1.0;
        session.set_target(morph->at(t));
      }
      auto progress = session.step();
      progress.morph = t;
      ++done;
      progress.step = done, progress.steps = total;
      progress.start = start, progress.starts = starts;
      progress.screened = progress.screen = settings.screen;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      progress.steps_per_second = elapsed > 0 ? done / elapsed : 0;
      progress.eta_seconds = progress.steps_per_second > 0 ? (total - done) / progress.steps_per_second : 0;
      if (hooks.on_progress) hooks.on_progress(progress);
      if (hooks.on_preview && hooks.preview_every > 0 && done % hooks.preview_every == 0 && done < total)
        hooks.on_preview(done, tensor_to_rgb(session.image()));
    }
  };
  // Candidate k's seed: candidate 0 keeps the seed itself, so a one-start run is the run it always was.
  const auto seed_of = [&](int k) { return k == 0 ? settings.seed : start_seed(settings.seed, k); };
  std::vector<uint64_t> start_seeds;
  if (settings.screen > 0) {
    // Screening: every candidate's random start scored by one forward pass of its clean image;
    // the `starts` best (ties: the earlier candidate) become the starts, best first.
    std::vector<std::pair<double, int>> scored;
    for (int k = 0; k < settings.screen; ++k) {
      if (hooks.should_cancel && hooks.should_cancel()) throw Cancelled("imagination cancelled");
      ImagineSettings candidate_settings = settings;
      candidate_settings.seed = seed_of(k);
      ImaginationSession candidate(m.model, m.device, target, candidate_settings, init, views_per_pass, basis);
      candidate.set_contrast(contrast, temperature);
      scored.emplace_back(candidate.clean_score(), k);
      if (hooks.on_progress) {
        ImagineProgress p;
        p.steps = total, p.starts = starts, p.screened = k + 1, p.screen = settings.screen;
        p.similarity = scored.back().first;
        hooks.on_progress(p);
      }
    }
    std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (int k = 0; k < starts; ++k) start_seeds.push_back(seed_of(scored[static_cast<size_t>(k)].second));
  } else {
    for (int k = 0; k < starts; ++k) start_seeds.push_back(seed_of(k));
  }
  // Tints stay in the sweep unless the prompt names a hue that has rivals (粉色 and 棕色 are tints).
  const std::string colour = named_colour(settings.prompt);
  const auto palette = sweep_palette(rivals.size(0) == 0 || colour == "粉色" || colour == "棕色");
  std::unique_ptr<ImaginationSession> best;
  double best_score = -std::numeric_limits<double>::infinity();
  bool best_shows_colour = false;
  for (int k = 0; k < starts; ++k) {
    ImagineSettings candidate_settings = settings;
    candidate_settings.seed = start_seeds[static_cast<size_t>(k)];
    auto candidate = std::make_unique<ImaginationSession>(m.model, m.device, target, candidate_settings, init, views_per_pass,
                                                          basis);
    candidate->set_contrast(contrast, temperature);
    candidate->set_similarity_every(hooks.similarity_every);
    // A screened start also gets its colours chosen by the model: random layouts differ more in
    // score than colours do, so screening finds places, and a sweep on the chosen layout the colour.
    // With several kinds of shape, the kind is swept first, in the colour the screening drew.
    // The colour sweep ranks by the prompt's log-probability among its colour rivals (the same
    // prompt in other colours) where the prompt names one colour (settings.colour_rivals).
    if (settings.screen > 0) {
      candidate->sweep_shapes();
      if (rivals.size(0) > 0) candidate->set_contrast(rivals, temperature);
      // With the colour gate the ellipse takes a swept colour, never keeps its random start: the
      // rivals rank colours on the named hue, and a random tint is no answer to it.
      candidate->sweep_colours(palette, !(settings.colour_gate && rivals.size(0) > 0));
      candidate->set_contrast(contrast, temperature);
    }
    if (starts == 1) {
      best = std::move(candidate);
      break;
    }
    run_steps(*candidate, settings.start_steps, k, false);
    // Ranked by (shows the named colour, held-out similarity): see ImagineSettings::colour_gate.
    const auto held_out = candidate->held_out_score(settings.colour_gate ? rivals : torch::Tensor());
    if (std::make_pair(held_out.beats_rivals, held_out.similarity) > std::make_pair(best_shows_colour, best_score)) {
      best_shows_colour = held_out.beats_rivals, best_score = held_out.similarity, best = std::move(candidate);
    }
  }
  run_steps(*best, settings.steps, starts > 1 ? -1 : 0, morph.has_value());
  const auto& session = *best;
  auto final_image = tensor_to_rgb(session.image());
  if (hooks.on_preview) hooks.on_preview(total, final_image);
  return final_image;
}

}  // namespace brivl
