#pragma once
// The principal components of a model's training images: a linear image prior for imagination.
//
// Lucid's Fourier image whitens by the power spectrum of natural photos (1/f): for stationary
// images the principal components *are* the Fourier modes, scaled by their spread. A model trained
// on flat artwork and shapes centred on white is not looking at natural photos; the principal
// components of its own training images are the same prior for its world (eigenfaces, Turk &
// Pentland 1991). An imagination in this basis is mean + sum_k z_k sigma_k u_k with z the
// optimised, whitened coefficients: every image it can reach is a blend of the data's directions,
// none a texture the data never had (docs/IMAGINE_QUALITY.md, fourteenth round).
//
// Stored in a model bundle as `image_basis.safetensors` (made by `brivl basis`): tensors "mean"
// [3, H, W] in [0, 1], "components" [K, 3, H, W] (orthonormal when flattened, most spread first;
// float16 or float32 on disk) and "stddev" [K] (the training images' spread along each).
#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>

#include "model/model_files.h"  // kImageBasisFile

namespace brivl {

struct ImageBasis {
  torch::Tensor mean;        // [3, H, W] float32
  torch::Tensor components;  // [K, 3, H, W] float32
  torch::Tensor stddev;      // [K] float32, descending
  int64_t count() const { return stddev.defined() ? stddev.size(0) : 0; }
  int64_t height() const { return mean.size(1); }
  int64_t width() const { return mean.size(2); }
  // The first `k` components (k <= 0 or >= count(): all), sharing memory.
  ImageBasis first(int64_t k) const;
  // Whitened coefficients of images [N, 3, H, W] (resized to the basis's size first): [N, K].
  torch::Tensor project(const torch::Tensor& images) const;
  // The image of coefficients [N, K]: [N, 3, H, W], not clamped.
  torch::Tensor reconstruct(const torch::Tensor& coefficients) const;
};

// The `components` principal components of `images` [N, 3, H, W] in [0, 1] (at least 2 images;
// at most min(N - 1, 3HW) components are kept). `on_progress` (may be empty) hears a line per phase.
ImageBasis fit_image_basis(const torch::Tensor& images, int64_t components,
                           const std::function<void(const std::string&)>& on_progress = {});

// Writes the basis atomically as safetensors, components in float16 (the precision of an 8-bit
// image is far coarser); `metadata` goes into the header (how it was made).
void save_image_basis(const std::string& path, const ImageBasis& basis,
                      const std::map<std::string, std::string>& metadata = {});
// Reads and checks a basis file: every tensor present with consistent shapes, finite values, a
// positive descending spread; errors name the file and the field.
ImageBasis load_image_basis(const std::string& path);

}  // namespace brivl
