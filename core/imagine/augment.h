#pragma once
// Transformation robustness: every step sees N random views of the image (crops of varied scale,
// shifted and rotated, resized to the model's input size, colour-jittered and noised), batched
// into one forward pass. An image that only fools the encoder from one exact framing does not
// survive this; one that shows the prompt does.
// Ref: lucid optvis/transform.py (jitter, random_scale, random_rotate); CLIP-guided "cutouts".
#include <torch/torch.h>

#include "imagine/imagine_settings.h"

namespace brivl {

// image: [1, 3, H, W] in [0, 1] -> [N, 3, size, size] in [0, 1], differentiable w.r.t. image.
// All randomness comes from `generator` (deterministic for a given seed).
torch::Tensor make_views(const torch::Tensor& image, int64_t size, const AugmentSettings& settings,
                         torch::Generator& generator);

// The whole image resized to size x size (the "clean" view).
torch::Tensor clean_view(const torch::Tensor& image, int64_t size);

// Range regulariser on the image's pre-sigmoid logits: mean of (|logit| - limit)^2 over the
// pixels beyond the limit. A saturated pixel has no gradient left and shows as blown-out colour.
inline constexpr double kRangeLogitLimit = 3.0;  // sigmoid(3) = 0.953
torch::Tensor range_penalty(const torch::Tensor& logits);

// Mean absolute difference of neighbouring pixels (anisotropic total variation).
torch::Tensor total_variation(const torch::Tensor& image);

}  // namespace brivl
