#pragma once
// How far a batch's activations stray from the statistics each BatchNorm layer of the image tower
// holds about the training images: the feature-distribution prior of DeepInversion (Yin et al.,
// "Dreaming to Distill", CVPR 2020). Imagination adds it to the loss so the image it paints makes
// activations like the training images did, not merely a high similarity: every BatchNorm's
// running mean and variance are a free, built-in summary of what real inputs look like.
// Ref: NVlabs/DeepInversion deepinversion.py DeepInversionFeatureHook (read, not copied).
#include <torch/torch.h>

namespace brivl {

class BatchNormDeviation {
 public:
  // `y`: the output of `bn` for a batch [N, C, H, W] (of a folded convolution or not: the
  // statistics are taken back to the layer's input through bn's affine). Adds, in the units of
  // the layer's standardised input z = (x - running_mean) / sqrt(running_var + eps),
  // |batch mean of z|_2 + |batch variance of z - running_var / (running_var + eps)|_2, both over
  // the channels (means and variances over N, H, W), divided by sqrt(C) so wide layers do not
  // outweigh narrow ones.
  void add(const torch::nn::BatchNorm2d& bn, const torch::Tensor& y);
  // The sum over the layers added so far (a 0-d tensor with the batch's graph); 0 when none.
  torch::Tensor total() const;
  int layers() const { return layers_; }

 private:
  torch::Tensor total_;
  int layers_ = 0;
};

}  // namespace brivl
