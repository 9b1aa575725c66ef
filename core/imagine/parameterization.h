#pragma once
// How the optimised image is represented. Raw pixels let the optimiser fool the encoder with
// high-frequency noise; a Fourier spectrum scaled by 1/frequency with decorrelated colour makes
// smooth, natural-looking images the cheap direction of descent.
// Ref: lucid/lucent optvis/param/spatial.py (fft_image, pixel_image), param/color.py (to_valid_rgb).
#include <torch/torch.h>

#include <memory>
#include <optional>

namespace brivl {

// What the imagination optimises: something that renders a differentiable image.
class Parameterization {
 public:
  virtual ~Parameterization() = default;
  // The image, [1, 3, H, W] in (0, 1), differentiable w.r.t. parameters().
  virtual torch::Tensor image() const = 0;
  // The image before a squashing sigmoid, [1, 3, H, W]: the range regulariser looks at these
  // (a logit far from 0 is a saturated pixel whose gradient has vanished).
  virtual torch::Tensor logits() const { return torch::logit(image(), 1e-6); }
  virtual std::vector<torch::Tensor> parameters() const = 0;
  // For plain gradient steps (optimizer "gd"): turns the parameters' .grad into the direction that
  // moves the image's own logits along their gradient, undoing what the parameterisation's linear
  // part does to it. Default: the parameters' gradient as it is.
  virtual void gradient_in_logits() {}
};

struct ParameterizationOptions {
  TORCH_ARG(int64_t, width) = 256;
  TORCH_ARG(int64_t, height) = 256;
  // The grid that is optimised, upsampled (bilinear) to width x height; 0 = the output size. A
  // grid no finer than the model's input keeps the optimiser from hiding the prompt in detail the
  // model only sees through aliasing (ImagineSettings::param_size).
  TORCH_ARG(int64_t, grid_width) = 0;
  TORCH_ARG(int64_t, grid_height) = 0;
  TORCH_ARG(bool, fourier) = true;
  TORCH_ARG(double, init_std) = 0.01;   // scale of the random start
  TORCH_ARG(double, decay_power) = 1.0; // spectrum scale 1 / f^decay_power
  // Where the parameters live: on a GPU the image, its FFT and the views never leave the device.
  // The random start is drawn on the CPU generator either way (same start on every device).
  TORCH_ARG(torch::Device, device) = torch::kCPU;
};

class ImageParameterization : public Parameterization {
 public:
  // `init`: optional [3, H', W'] image in [0, 1] to start from (resized to the output size),
  // mixed with the random start by `strength` (1 = exactly the init image).
  ImageParameterization(const ParameterizationOptions& options, torch::Generator& generator,
                        const std::optional<torch::Tensor>& init = std::nullopt, double strength = 0.5);
  // sigmoid(logits()).
  torch::Tensor image() const override;
  torch::Tensor logits() const override;
  std::vector<torch::Tensor> parameters() const override { return {param_}; }
  // Pixel grid: the colour mixing C (logits = C x) would turn a step along x's gradient C^T g
  // into C C^T g in the logits, mostly brightness; (C^T C)^-1 C^T g = C^-1 g moves them by g.
  // The Fourier image keeps its spectrum's gradient (its 1/f scale is the prior it is chosen for).
  void gradient_in_logits() override;

 private:
  torch::Tensor mix_colours(const torch::Tensor& decorrelated) const;  // decorrelated -> RGB logits
  torch::Tensor from_rgb(const torch::Tensor& rgb) const;            // RGB in (0,1) -> decorrelated logits
  torch::Tensor spectrum_to_logits(const torch::Tensor& spectrum) const;
  torch::Tensor logits_to_spectrum(const torch::Tensor& logits) const;
  torch::Tensor to_output_size(const torch::Tensor& x) const;  // grid -> output size (bilinear)

  ParameterizationOptions options_;
  int64_t grid_h_ = 0, grid_w_ = 0;
  torch::Tensor param_;        // pixel logits [1,3,H,W] or spectrum [1,3,H,W/2+1,2]
  torch::Tensor scale_;        // spectrum scale [1,1,H,W/2+1,1]
  torch::Tensor color_;        // [3,3] colour decorrelation (normalised sqrt of ImageNet colour covariance)
};

}  // namespace brivl
