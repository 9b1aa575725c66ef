#pragma once
// Imagined negatives: the tower is taught to dislike what imagination would make of a caption
// until the caption's picture is what it ends in (short-run EBM learning, Nijkamp et al. 2019,
// "Learning non-convergent non-persistent short-run MCMC toward energy-based model"; persistent
// chains as in Tieleman 2008 and Du & Mordatch 2019).
//
// Imagination climbs cos(tower(image), caption) from noise; fifteen rounds measured that it ends in
// images the tower likes more than the caption's own picture (docs/IMAGINE_QUALITY.md: every emoji
// name became one dark blue-green disc). Each caption here keeps a chain of whitened basis
// coefficients, the space `brivl imagine --param basis` climbs; every time the caption is in a
// batch its chain climbs a few more steps through the current tower, and the loss
// softplus(scale * (cos(chain's image, caption) - cos(picture, caption))) lowers the tower's liking
// of that image relative to the picture. The chains live in memory: a resumed run starts them again
// from noise (they are a sampler's state, not the model's).
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "imagine/basis_parameterization.h"
#include "train/train_options.h"

namespace brivl {

class ImaginationChains {
 public:
  using Embed = std::function<torch::Tensor(const torch::Tensor&)>;
  // `basis`: the components the chains use, already cut to the wanted count, on `device`.
  ImaginationChains(const ImageBasis& basis, ImaginedNegativeOptions options, torch::Device device);

  // Continues the chains of `keys` (one per caption; a new key, or one drawn for a restart, starts
  // from N(0, init_std^2), plus picture_start times `pictures`' whitened coefficients when that
  // option is on) by options.steps steps up cos(embed(image), caption) - prior * mean(z^2), each step the
  // coefficient gradient scaled to a root mean square of step_size per chain. `embed`: ImageNet-
  // normalised images -> embeddings [M, D] (the caller sets the tower's mode); `captions`: unit
  // caption embeddings [M, D]; `pictures`: the captions' own images [M, 3, H, W] in [0, 1] (read
  // only with picture_start > 0; may be undefined otherwise). Returns the chains' images
  // [M, 3, side, side] in [0, 1], detached.
  torch::Tensor advance(const Embed& embed, const torch::Tensor& captions, const std::vector<uint64_t>& keys,
                        int64_t side, torch::Generator& gen, const torch::Tensor& pictures = {});

  // The images the last advance() started from, [M, 3, side, side] in [0, 1], detached: with
  // picture_start the pictures' projections (plus noise), the bar the climb is measured against.
  const torch::Tensor& last_starts() const { return last_starts_; }

  size_t size() const { return chains_.size(); }
  int64_t components() const { return decoder_.count(); }

 private:
  ImaginedNegativeOptions o_;
  torch::Device device_;
  ImageBasis basis_;  // on the CPU: projects the pictures chains start at
  BasisDecoder decoder_;
  std::unordered_map<uint64_t, torch::Tensor> chains_;  // key -> [K] on the CPU
  torch::Tensor last_starts_;
};

struct ImaginedNegativeLoss {
  torch::Tensor loss;               // scalar with a graph to the tower's parameters
  double imagined_similarity = 0;   // mean cos(imagined image, caption)
  double picture_similarity = 0;    // mean cos(picture, caption)
};

// `imagined`: unit embeddings of the chains' images [M, D] with a graph; `pictures`: unit
// embeddings of the bar [M, D] — the captions' own images (used as values), or, with
// `train_bar`, the chains' starts at their pictures' projections, kept in the graph so that the
// loss ranks the start above where the climb went (the projection a local maximum, not a blurred
// picture made worse); `captions`: unit [M, D].
ImaginedNegativeLoss imagined_negative_loss(const torch::Tensor& imagined, const torch::Tensor& pictures,
                                            const torch::Tensor& captions, double scale, bool train_bar = false);

}  // namespace brivl
