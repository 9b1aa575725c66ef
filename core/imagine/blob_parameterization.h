#pragma once
// The image as a few soft, coloured shapes painted over a flat background, in order (the
// painter's algorithm), every property differentiable: centre, radii, rotation, colour, opacity,
// and the lightness of the grey ground. Each shape is one of a few primitives (ellipse by default;
// rectangle, triangle, five-pointed star), each drawn from its gauge function (1 on its outline),
// so all share the same soft edge and the same parameters; the kind itself is not differentiable,
// it is drawn at the start and chosen by sweeps (ImaginationSession::sweep_shapes).
// Like CLIPDraw's strokes (Frans et al. 2021) it restricts
// what the optimiser can paint: no pixel texture exists in this space, so a small, non-robust model must be
// satisfied by shapes and colours in places, which is what a prompt names, instead of by the
// high-frequency patterns it is most sensitive to (docs/IMAGINE_QUALITY.md has what it measured).
#include <torch/torch.h>

#include <string>
#include <vector>

#include "imagine/blob_kind.h"
#include "imagine/parameterization.h"

namespace brivl {


struct BlobOptions {
  TORCH_ARG(int64_t, width) = 256;
  TORCH_ARG(int64_t, height) = 256;
  TORCH_ARG(int64_t, count) = 24;      // shapes
  // The kinds a shape's start is drawn from (uniformly, after every other start value, so a run with
  // ellipses alone draws exactly what it drew before kinds existed).
  TORCH_ARG(std::vector<BlobKind>, kinds) = std::vector<BlobKind>{BlobKind::kEllipse};
  TORCH_ARG(double, edge) = 1.5;       // width of the soft edge, in output pixels
  TORCH_ARG(torch::Device, device) = torch::kCPU;
};

class BlobParameterization : public Parameterization {
 public:
  // Random start drawn from `generator` (on the CPU, so every device starts alike): centres
  // uniform, radii 6-22 % of the shorter side, colours uniform in the RGB cube at 60-95 % opacity,
  // a grey ground of random lightness (10-90 %), then each shape's kind (if more than one is allowed).
  BlobParameterization(const BlobOptions& options, torch::Generator& generator);
  torch::Tensor image() const override;
  std::vector<torch::Tensor> parameters() const override { return {centre_, shape_, colour_, background_}; }
  int64_t count() const { return options_.count(); }
  // Fill colour of ellipse k as r, g, b in [0, 1] (a copy), and a way to set it (before or between
  // optimiser steps; values are kept inside (0, 1) so the logits stay finite).
  torch::Tensor colour(int64_t k) const;
  void set_colour(int64_t k, const torch::Tensor& rgb);
  BlobKind kind(int64_t k) const;
  // Shape k becomes `kind`, upright and regular (rotation 0, aspect 1: a circle, a square, a
  // triangle or star point up), its centre, size and colour kept.
  void set_kind(int64_t k, BlobKind kind);
  // Shape k's centre/size/rotation values, to put back after trying another kind.
  torch::Tensor geometry(int64_t k) const;
  void set_geometry(int64_t k, BlobKind kind, const torch::Tensor& geometry);

 private:
  BlobOptions options_;
  torch::Tensor centre_;      // [K, 2] logits of (x, y) in [0, 1]
  torch::Tensor shape_;       // [K, 3] log radius (fraction of the shorter side), log aspect, rotation
  torch::Tensor colour_;      // [K, 4] logits of r, g, b, opacity
  torch::Tensor background_;  // [1] logit of the ground's grey level
  std::vector<BlobKind> kind_;  // [K], not optimised
  torch::Tensor x_, y_;       // [1, H, W] pixel centres in units of the shorter side
};

}  // namespace brivl
