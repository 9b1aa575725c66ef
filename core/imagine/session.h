#pragma once
// ImaginationSession: optimise an image through the frozen image encoder until its embedding
// matches a target embedding. Step by step, so a caller can show previews, pause (stop calling
// step()) and cancel between steps; deterministic for a given seed on the CPU.
#include <algorithm>
#include <torch/torch.h>

#include <chrono>
#include <memory>

#include "imagine/augment.h"
#include "imagine/image_basis.h"
#include "imagine/imagine_settings.h"
#include "imagine/parameterization.h"
#include "model/brivl_model.h"

namespace brivl {

// Views per encoder pass when the user did not choose (--batch-size): every view at once on a GPU;
// on the CPU about 256k input pixels per pass. Measured (docs/PERFORMANCE.md): small models gain
// up to 3.5x from batching views there, while the released B5 @456 gains nothing (the cost per view
// is the same at 1 and 4) and a 4-view batch needs 2.3x the memory of one view.
int views_per_pass_for(bool gpu, int64_t img_size, int cutouts);

class ImaginationSession {
 public:
  // `target`: [D] L2-normalised embedding. `init`: optional [3, H, W] start image in [0, 1].
  // `views_per_pass`: views per encoder forward (0 = all cutouts at once); fewer bound the peak
  // memory to that of a smaller batch (see views_per_pass_for()).
  // `basis`: the model's image basis, needed by param "basis" (error without one), unused otherwise.
  ImaginationSession(BriVL model, torch::Device device, torch::Tensor target, const ImagineSettings& settings,
                     const std::optional<torch::Tensor>& init = std::nullopt, int views_per_pass = 0,
                     std::shared_ptr<const ImageBasis> basis = nullptr);
  ImagineProgress step();
  bool finished() const { return step_ >= settings_.steps; }
  // Current image, [3, H, W] float in [0, 1] on the CPU.
  torch::Tensor image() const;
  // Cosine similarity of a view batch [N, 3, S, S] in [0, 1] with the target (no gradient).
  double similarity(const torch::Tensor& views);
  // Mean cosine over the held-out views (fixed transforms never optimised against).
  double robust_similarity();
  // robust_similarity() and, from the same embeddings, whether the target is nearer (mean cosine)
  // than every one of `rivals` ([N, D] texts; true when N = 0 or undefined): how the layout search tells a
  // start that shows the prompt's colour from one that merely scores high
  // (docs/IMAGINE_QUALITY.md, eighth round).
  struct HeldOutScore {
    double similarity;
    bool beats_rivals;
  };
  HeldOutScore held_out_score(const torch::Tensor& rivals);
  // Cosine of the clean, un-augmented image (one view) with the target.
  double clean_similarity();
  // What screening and the sweeps rank by: clean_similarity(), or with contrast texts the clean
  // image's log-probability of the target among them (see set_contrast).
  double clean_score();
  // Contrast texts ([N, D] embeddings, normalised here; N = 0 turns it off): the steps then
  // maximise the log-probability that the model's softmax over {target, these} (at the model's
  // temperature) gives the target, the InfoNCE loss BriVL is trained with, instead of the bare
  // cosine. A view that matches every shapes caption equally scores low; one that tells this
  // prompt from its neighbours (the same shape in another colour) scores high.
  void set_contrast(const torch::Tensor& texts, double temperature);
  int steps_done() const { return step_; }
  // ImagineProgress::similarity (the clean image, one forward pass of its own: on the CPU up to a
  // third of a one-view step) every `k` steps and at the last; NaN between. Default 1. Changes
  // no image: nothing the steps do depends on it.
  void set_similarity_every(int k) { similarity_every_ = std::max(1, k); }
  // Aims the following steps at another target ([D], normalised here): the morph moves it a little
  // before each step. The optimiser's state carries over, so the image changes smoothly.
  void set_target(const torch::Tensor& target);
  // Colour sweep (param "blobs", before the first step): each ellipse in turn takes whichever of
  // `colours` ([C, 3] RGB in [0, 1]), or its own colour (unless !keep_own), gives the best clean
  // score with the others fixed. Returns the clean score after the sweep; other
  // parameterisations: unchanged.
  double sweep_colours(const torch::Tensor& colours, bool keep_own = true);
  // Shape sweep (param "blobs" with more than one of settings.primitives, before the first step):
  // each shape in turn tries every allowed kind, upright and regular at its size and place, and
  // keeps whichever, or its own drawn form, scores best with the others fixed. Returns the clean
  // similarity after the sweep.
  double sweep_shapes();

 private:
  // [N,3,S,S] in [0,1] -> [N, D] normalised; `deviation` (may be null) is told every BatchNorm's output.
  torch::Tensor embed(const torch::Tensor& views, BatchNormDeviation* deviation = nullptr);
  torch::Tensor held_out_views();                   // the same transforms every time it is called
  double learning_rate(int step) const;
  // Per-view objective to maximise, [N]: cosine with the target, or the contrastive log-probability.
  torch::Tensor objective(const torch::Tensor& embeddings) const;

  BriVL model_;
  torch::Device device_;
  torch::Tensor target_;
  torch::Tensor contrast_;  // [N, D] or undefined
  double contrast_scale_ = 1.0;
  ImagineSettings settings_;
  int views_per_pass_;
  torch::Generator generator_;
  std::unique_ptr<Parameterization> param_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  int step_ = 0;
  int similarity_every_ = 1;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace brivl
