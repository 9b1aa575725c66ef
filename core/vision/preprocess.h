#pragma once
// The official image transform, on tensors: ToTensor (uint8 / 255), Resize((S, S)) applied to
// the float tensor (bilinear, align_corners=False, no antialias: torchvision's tensor path),
// Normalize with the ImageNet mean/std.
// Ref: brivl-nmi datasets.py ImageData; torchvision 0.14 transforms.functional_tensor.resize.
#include <torch/torch.h>

#include "vision/image_decode.h"

namespace brivl {

// [3, H, W] float32 in [0, 1] (ToTensor).
torch::Tensor rgb_to_tensor(const RgbImage& image);
// The inverse: [3, H, W] in [0, 1] (clamped) -> 8-bit RGB, rounding to nearest.
RgbImage tensor_to_rgb(const torch::Tensor& image);

// [3, H, W] or [B, 3, H, W] in [0, 1] -> [B, 3, S, S] resized and normalized.
torch::Tensor resize_and_normalize(const torch::Tensor& image, int64_t size);

// Inverse of the normalization: [.., 3, H, W] -> values in [0, 1] space.
torch::Tensor denormalize(const torch::Tensor& normalized);

// ImageNet statistics used by the official transform, shaped [1, 3, 1, 1].
torch::Tensor imagenet_mean(const torch::TensorOptions& options = {});
torch::Tensor imagenet_std(const torch::TensorOptions& options = {});

// decode_image_file + rgb_to_tensor + resize_and_normalize: [1, 3, S, S].
torch::Tensor load_image_for_model(const std::string& path, int64_t size);

}  // namespace brivl
