#pragma once
// The image as whitened coefficients over a model's image basis (imagine/image_basis.h): image =
// mean + sum_k z_k sigma_k u_k, upsampled (bilinear) to the output size and clamped to [0, 1].
// The optimiser moves z, so a step along the gradient is a step in the data's own directions, the
// widely spread ones first, as the Fourier image's 1/f scale does for photos. A random start draws z
// from N(0, init_std^2): at init_std 1 a typical image of the data's Gaussian, near 0 its mean.
#include <torch/torch.h>

#include <memory>
#include <optional>

#include "imagine/image_basis.h"
#include "imagine/parameterization.h"

namespace brivl {

// Whitened coefficients -> images: mean + z * spread * components, resized (bilinear) and clamped
// to [0, 1]. The one formula imagination (BasisParameterization) and training (aligned gradients
// in a basis, train/robust/aligned_gradients.h) both use, so what is taught is what is climbed.
class BasisDecoder {
 public:
  BasisDecoder(const ImageBasis& basis, torch::Device device);
  // z [N, K] -> [N, 3, height, width].
  torch::Tensor images(const torch::Tensor& z, int64_t height, int64_t width) const;
  // The same without the mean and the clamp: a blend of the components alone (noise in the basis).
  torch::Tensor blend(const torch::Tensor& z, int64_t height, int64_t width) const;
  int64_t count() const { return scaled_components_.size(0); }

 private:
  int64_t basis_height_, basis_width_;
  torch::Tensor mean_, scaled_components_;  // [1, 3HW], [K, 3HW] (component times its spread)
};

struct BasisOptions {
  TORCH_ARG(int64_t, width) = 256;
  TORCH_ARG(int64_t, height) = 256;
  TORCH_ARG(double, init_std) = 1.0;
  TORCH_ARG(torch::Device, device) = torch::kCPU;
};

class BasisParameterization : public Parameterization {
 public:
  // `init`: optional [3, H', W'] image in [0, 1], projected onto the basis and mixed with the random
  // start by `strength` (1 = the init image's projection).
  BasisParameterization(std::shared_ptr<const ImageBasis> basis, const BasisOptions& options,
                        torch::Generator& generator, const std::optional<torch::Tensor>& init = std::nullopt,
                        double strength = 0.5);
  torch::Tensor image() const override;
  std::vector<torch::Tensor> parameters() const override { return {coefficients_}; }
  // The whitened coefficients [1, K] (the prior's penalty looks at them).
  const torch::Tensor& coefficients() const { return coefficients_; }
  // `n` random blends of the components, whitened coefficients N(0, scale^2), without the mean:
  // [n, 3, size, size] on the device, drawn from `generator` on the CPU. Added to views, they
  // smooth the objective along the data's directions.
  torch::Tensor noise(int64_t n, double scale, int64_t size, torch::Generator& generator) const;

 private:
  std::shared_ptr<const ImageBasis> basis_;  // on the CPU; the decoder's copies live on the device
  BasisOptions options_;
  BasisDecoder decoder_;
  torch::Tensor coefficients_;
};

}  // namespace brivl
