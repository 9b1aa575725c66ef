#pragma once
// EfficientNet block table and timm's channel/depth rounding rules, free of torch so the layout
// arithmetic can be unit-tested and shown by `brivl info`.
// Ref: timm 0.4.9 efficientnet.py `_gen_efficientnet`, efficientnet_builder.py
//      `round_channels`, `_scale_stage_depth`, `decode_arch_def`; layers/helpers.py `make_divisible`.
#include <cstdint>
#include <vector>

namespace brivl {

// timm `make_divisible`: round to the nearest multiple of `divisor`, never below `min_value`
// (default: divisor) and never more than 10% below `value`.
int64_t make_divisible(double value, int64_t divisor = 8, int64_t min_value = 0);

// timm `round_channels`: channels * multiplier, made divisible by 8.
int64_t round_channels(int64_t channels, double multiplier);

enum class BlockKind { kDepthwiseSeparable, kInvertedResidual };

// One block after scaling, in build order.
struct BlockLayout {
  BlockKind kind;
  int64_t stage = 0;        // index in `blocks.<stage>.<index>`
  int64_t index = 0;
  int64_t in_channels = 0;
  int64_t mid_channels = 0;  // expanded width (== in_channels for depthwise-separable)
  int64_t out_channels = 0;
  int64_t kernel = 3;
  int64_t stride = 1;
  int64_t se_channels = 0;   // squeeze-excite width: round(in_channels * 0.25)
  bool residual = false;     // stride 1 and in == out
};

struct EfficientNetLayout {
  int64_t stem_channels = 32;
  std::vector<BlockLayout> blocks;
  int64_t head_in_channels = 0;
  int64_t num_features = 1280;
  int64_t num_stages = 7;
};

EfficientNetLayout efficientnet_layout(double channel_multiplier, double depth_multiplier,
                                       int64_t num_features);

}  // namespace brivl
