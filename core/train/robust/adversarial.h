#pragma once
// Adversarial examples for robust training: projected gradient ascent (PGD) in pixel space under
// an L-inf budget. Robust image towers have perceptually aligned gradients (Santurkar et al. 2019;
// CLIPAG, Ganz & Elad 2023; FARE, Schlarmann et al. 2024): optimising pixels through them paints
// the object, which is what `brivl imagine` does with the frozen model.
//
// The model sees ImageNet-normalised tensors; the budget is in [0, 1] pixel units (what "4/255"
// means), so it is converted per channel (eps / std) and the result stays a valid image
// (0 <= pixel <= 1 before normalisation).
#include <torch/torch.h>

#include <cstdint>
#include <functional>

#include "train/train_options.h"

namespace brivl {

// The budget at a step: 0 before `start_step`, then a linear ramp to `eps` over `ramp_steps`.
double adversarial_eps_at(const AdversarialOptions& options, int64_t step);

// PGD: starts at a uniform random point of the L-inf ball (drawn from `gen`), then `steps` signed
// gradient steps of `step_size` (0: 2.5 * eps / steps, Madry et al.) that *increase* `objective`,
// each projected back onto the ball and the valid pixel range. `images`: [B, 3, S, S]
// normalised; returns adversarial images of the same shape, normalised and detached. Only the
// perturbation gets gradients: parameters of the model inside `objective` are left untouched.
torch::Tensor pgd_attack(const torch::Tensor& images, double eps, int64_t steps, double step_size,
                         const std::function<torch::Tensor(const torch::Tensor&)>& objective, torch::Generator& gen);

}  // namespace brivl
