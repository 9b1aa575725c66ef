#pragma once
// Perceptually aligned gradients taught directly (Ganz, Kawar & Elad, ICML 2023): the loss that
// makes the image tower's input gradient point the way an imagination should go.
//
// Imagination climbs cos(tower(image), caption) by its pixel gradient from a grey start. An
// ordinary tower's gradient points at imperceptible texture (docs/IMAGINE_QUALITY.md, twelve
// rounds). Here each training image x_b with caption t_b gives a target: at a point p on the way
// (a mixture of some training image and noise around grey), the gradient of cos(tower(p), t_b)
// should point along x_b - p, the straight way to the picture the caption describes. The loss is
// 1 - cos(gradient, x_b - p), averaged; it needs the gradient's own gradient (double backward).
// A share of the points (rival_p) is taught the difference instead: the gradient of
// cos(tower(p), t_b) - cos(tower(p), t_c) along x_b - x_c, the part that tells captions apart.
#include <torch/torch.h>

#include <functional>

#include "imagine/basis_parameterization.h"
#include "train/train_options.h"

namespace brivl {

struct AlignedGradientLoss {
  torch::Tensor loss;       // scalar with a graph to the tower's parameters
  double alignment = 0;     // mean cos(gradient, way) of the batch, for the metrics
};

// `embed`: normalised images [B, 3, S, S] -> image embeddings [B, D] (float); evaluated in the
// mode the caller set (BatchNorm on running statistics, so that each point's gradient is its own).
// `images`: the batch, ImageNet-normalised as the tower sees them; `captions`: their unit caption
// embeddings [B, D] (no gradient needed). All randomness from `gen`. With `basis` (the first
// options.basis_components of options.basis, on the images' device) the points and the way are
// taught in its whitened coefficients instead of in pixels (AlignedGradientOptions::basis).
AlignedGradientLoss aligned_gradient_loss(const std::function<torch::Tensor(const torch::Tensor&)>& embed,
                                          const torch::Tensor& images, const torch::Tensor& captions,
                                          const AlignedGradientOptions& options, torch::Generator& gen,
                                          const ImageBasis* basis = nullptr);

}  // namespace brivl
