#include "model/efficientnet_layout.h"

#include <algorithm>
#include <cmath>

namespace brivl {

int64_t make_divisible(double value, int64_t divisor, int64_t min_value) {
  if (min_value <= 0) min_value = divisor;
  const auto d = static_cast<double>(divisor);
  auto rounded = std::max<int64_t>(min_value, static_cast<int64_t>(value + d / 2) / divisor * divisor);
  if (static_cast<double>(rounded) < 0.9 * value) rounded += divisor;
  return rounded;
}

int64_t round_channels(int64_t channels, double multiplier) {
  if (multiplier == 0.0) return channels;
  return make_divisible(static_cast<double>(channels) * multiplier, 8);
}

namespace {

// The EfficientNet-B0 stage table: ds_r1_k3_s1_e1_c16_se0.25, ir_r2_k3_s2_e6_c24_se0.25, ...
struct StageDef {
  BlockKind kind;
  int64_t repeats, kernel, stride, expansion, channels;
};

constexpr StageDef kStages[] = {
    {BlockKind::kDepthwiseSeparable, 1, 3, 1, 1, 16}, {BlockKind::kInvertedResidual, 2, 3, 2, 6, 24},
    {BlockKind::kInvertedResidual, 2, 5, 2, 6, 40},   {BlockKind::kInvertedResidual, 3, 3, 2, 6, 80},
    {BlockKind::kInvertedResidual, 3, 5, 1, 6, 112},  {BlockKind::kInvertedResidual, 4, 5, 2, 6, 192},
    {BlockKind::kInvertedResidual, 1, 3, 1, 6, 320},
};

// `_scale_stage_depth` with depth_trunc='ceil' for a single-block-string stage: ceil(r * mult).
int64_t scaled_repeats(int64_t repeats, double depth_multiplier) {
  return static_cast<int64_t>(std::ceil(static_cast<double>(repeats) * depth_multiplier));
}

}  // namespace

EfficientNetLayout efficientnet_layout(double channel_multiplier, double depth_multiplier,
                                       int64_t num_features) {
  EfficientNetLayout layout;
  layout.stem_channels = round_channels(32, channel_multiplier);
  layout.num_features = num_features;
  int64_t in_channels = layout.stem_channels;
  int64_t stage_index = 0;
  for (const auto& stage : kStages) {
    const int64_t out_channels = round_channels(stage.channels, channel_multiplier);
    const int64_t repeats = scaled_repeats(stage.repeats, depth_multiplier);
    for (int64_t i = 0; i < repeats; ++i) {
      BlockLayout block;
      block.kind = stage.kind;
      block.stage = stage_index;
      block.index = i;
      block.in_channels = in_channels;
      block.out_channels = out_channels;
      block.kernel = stage.kernel;
      block.stride = i == 0 ? stage.stride : 1;
      // InvertedResidual: mid = make_divisible(in * exp); DepthwiseSeparable has no expansion.
      block.mid_channels = stage.kind == BlockKind::kInvertedResidual
                               ? make_divisible(static_cast<double>(in_channels * stage.expansion), 8)
                               : in_channels;
      // SqueezeExcite(reduced_base_chs=in_chs, se_ratio=0.25, divisor=1).
      block.se_channels = make_divisible(static_cast<double>(in_channels) * 0.25, 1);
      block.residual = block.stride == 1 && in_channels == out_channels;
      layout.blocks.push_back(block);
      in_channels = out_channels;
    }
    ++stage_index;
  }
  layout.head_in_channels = in_channels;
  return layout;
}

}  // namespace brivl
