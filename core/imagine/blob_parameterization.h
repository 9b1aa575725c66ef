#pragma once
// The image as a few soft, coloured ellipses painted over a flat background, in order (the
// painter's algorithm), every property differentiable: centre, radii, rotation, colour, opacity,
// and the lightness of the grey ground. Like CLIPDraw's strokes (Frans et al. 2021) it restricts
// what the optimiser can paint: no pixel texture exists in this space, so a small, non-robust model must be
// satisfied by shapes and colours in places, which is what a prompt names, instead of by the
// high-frequency patterns it is most sensitive to (docs/IMAGINE_QUALITY.md has what it measured).
#include <torch/torch.h>

#include "imagine/parameterization.h"

namespace brivl {

struct BlobOptions {
  TORCH_ARG(int64_t, width) = 256;
  TORCH_ARG(int64_t, height) = 256;
  TORCH_ARG(int64_t, count) = 24;      // ellipses
  TORCH_ARG(double, edge) = 1.5;       // width of the soft edge, in output pixels
  TORCH_ARG(torch::Device, device) = torch::kCPU;
};

class BlobParameterization : public Parameterization {
 public:
  // Random start drawn from `generator` (on the CPU, so every device starts alike): centres
  // uniform, radii 6-22 % of the shorter side, colours uniform in the RGB cube at 60-95 % opacity,
  // a grey ground of random lightness (10-90 %).
  BlobParameterization(const BlobOptions& options, torch::Generator& generator);
  torch::Tensor image() const override;
  std::vector<torch::Tensor> parameters() const override { return {centre_, shape_, colour_, background_}; }
  int64_t count() const { return options_.count(); }
  // Fill colour of ellipse k as r, g, b in [0, 1] (a copy), and a way to set it (before or between
  // optimiser steps; values are kept inside (0, 1) so the logits stay finite).
  torch::Tensor colour(int64_t k) const;
  void set_colour(int64_t k, const torch::Tensor& rgb);

 private:
  BlobOptions options_;
  torch::Tensor centre_;      // [K, 2] logits of (x, y) in [0, 1]
  torch::Tensor shape_;       // [K, 3] log radius (fraction of the shorter side), log aspect, rotation
  torch::Tensor colour_;      // [K, 4] logits of r, g, b, opacity
  torch::Tensor background_;  // [1] logit of the ground's grey level
  torch::Tensor x_, y_;       // [1, H, W] pixel centres in units of the shorter side
};

}  // namespace brivl
