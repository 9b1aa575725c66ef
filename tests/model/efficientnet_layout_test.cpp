// Tests for the timm EfficientNet rounding rules and block table (core/model/efficientnet_layout.h).
#include "model/efficientnet_layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"

namespace brivl {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

using Shape = std::vector<int64_t>;
using Entry = std::pair<std::string, Shape>;

// "[8, 3, 3, 3]" -> {8, 3, 3, 3}; "[]" -> {}.
Shape parse_shape(const std::string& text) {
  Shape shape;
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (!digits.empty()) {
      shape.push_back(std::stoll(digits));
      digits.clear();
    }
  }
  return shape;
}

// The `imgencoder.backbone.*` entries of checkpoint_keys.tsv in file order, classifier excluded
// (forward_features does not use it and the layout does not describe it).
std::vector<Entry> fixture_backbone_entries() {
  std::ifstream in(test::fixture_file("checkpoint_keys.tsv"));
  EXPECT_TRUE(in) << "cannot open checkpoint_keys.tsv";
  const std::string prefix = "imgencoder.backbone.";
  std::vector<Entry> entries;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, dtype, shape;
    std::getline(fields, key, '\t');
    std::getline(fields, dtype, '\t');
    std::getline(fields, shape);
    if (key.rfind(prefix, 0) != 0 || key.rfind(prefix + "classifier.", 0) == 0) continue;
    entries.emplace_back(key.substr(prefix.size()), parse_shape(shape));
  }
  return entries;
}

void add_bn(std::vector<Entry>& out, const std::string& name, int64_t channels) {
  for (const char* p : {"weight", "bias", "running_mean", "running_var"}) out.push_back({name + "." + p, {channels}});
  out.push_back({name + ".num_batches_tracked", {}});
}

// The state-dict entries timm registers for `layout`, in module order.
std::vector<Entry> entries_of(const EfficientNetLayout& layout) {
  std::vector<Entry> out;
  out.push_back({"conv_stem.weight", {layout.stem_channels, 3, 3, 3}});
  add_bn(out, "bn1", layout.stem_channels);
  for (const auto& b : layout.blocks) {
    const std::string p = "blocks." + std::to_string(b.stage) + "." + std::to_string(b.index) + ".";
    const int64_t k = b.kernel, se = b.se_channels;
    auto add_se = [&](int64_t width) {
      out.push_back({p + "se.conv_reduce.weight", {se, width, 1, 1}});
      out.push_back({p + "se.conv_reduce.bias", {se}});
      out.push_back({p + "se.conv_expand.weight", {width, se, 1, 1}});
      out.push_back({p + "se.conv_expand.bias", {width}});
    };
    if (b.kind == BlockKind::kDepthwiseSeparable) {
      out.push_back({p + "conv_dw.weight", {b.in_channels, 1, k, k}});
      add_bn(out, p + "bn1", b.in_channels);
      add_se(b.in_channels);
      out.push_back({p + "conv_pw.weight", {b.out_channels, b.in_channels, 1, 1}});
      add_bn(out, p + "bn2", b.out_channels);
    } else {
      out.push_back({p + "conv_pw.weight", {b.mid_channels, b.in_channels, 1, 1}});
      add_bn(out, p + "bn1", b.mid_channels);
      out.push_back({p + "conv_dw.weight", {b.mid_channels, 1, k, k}});
      add_bn(out, p + "bn2", b.mid_channels);
      add_se(b.mid_channels);
      out.push_back({p + "conv_pwl.weight", {b.out_channels, b.mid_channels, 1, 1}});
      add_bn(out, p + "bn3", b.out_channels);
    }
  }
  out.push_back({"conv_head.weight", {layout.num_features, layout.head_in_channels, 1, 1}});
  add_bn(out, "bn2", layout.num_features);
  return out;
}

std::vector<int64_t> stage_depths(const EfficientNetLayout& layout) {
  std::vector<int64_t> depths(static_cast<size_t>(layout.num_stages), 0);
  for (const auto& b : layout.blocks) ++depths.at(static_cast<size_t>(b.stage));
  return depths;
}

std::vector<int64_t> stage_out_channels(const EfficientNetLayout& layout) {
  std::vector<int64_t> out(static_cast<size_t>(layout.num_stages), 0);
  for (const auto& b : layout.blocks) out.at(static_cast<size_t>(b.stage)) = b.out_channels;
  return out;
}

// Hand-computed from max(divisor, int(v + divisor / 2) // divisor * divisor), + divisor if < 0.9 v.
TEST(MakeDivisible, RoundsToNearestMultiple) {
  EXPECT_EQ(make_divisible(51.2, 8), 48);   // int(55.2) // 8 * 8
  EXPECT_EQ(make_divisible(12.0, 8), 16);   // halfway rounds up
  EXPECT_EQ(make_divisible(67.9, 8), 64);   // 64 >= 0.9 * 67.9
  EXPECT_EQ(make_divisible(2048.0, 8), 2048);
}

TEST(MakeDivisible, NeverBelowDivisorOrMinValue) {
  EXPECT_EQ(make_divisible(3.99, 8), 8);
  EXPECT_EQ(make_divisible(0.5, 8), 8);
  EXPECT_EQ(make_divisible(5.0, 8, 16), 16);
}

TEST(MakeDivisible, AddsDivisorWhenRoundingDropsMoreThanTenPercent) {
  EXPECT_EQ(make_divisible(10.0, 8), 16);   // 8 < 9
  EXPECT_EQ(make_divisible(11.9, 8), 16);   // 8 < 10.71
  EXPECT_EQ(make_divisible(2.25, 1), 3);    // 2 < 2.025
  EXPECT_EQ(make_divisible(2.5, 1), 3);
  EXPECT_EQ(make_divisible(2.0, 1), 2);
}

TEST(RoundChannels, FollowsTimmRule) {
  EXPECT_EQ(round_channels(32, 1.6), 48);
  EXPECT_EQ(round_channels(16, 1.6), 24);
  EXPECT_EQ(round_channels(24, 1.6), 40);   // 38.4
  EXPECT_EQ(round_channels(112, 1.6), 176);  // 179.2
  EXPECT_EQ(round_channels(192, 1.6), 304);  // 307.2
  EXPECT_EQ(round_channels(1280, 1.6), 2048);
  EXPECT_EQ(round_channels(1280, 2.0), 2560);
  EXPECT_EQ(round_channels(16, 0.25), 8);   // 4 -> at least the divisor
  EXPECT_EQ(round_channels(40, 0.25), 16);  // 10 -> 8 is > 10% low -> 16
}

TEST(RoundChannels, ZeroMultiplierKeepsChannels) {
  // timm: `if not multiplier: return channels`.
  EXPECT_EQ(round_channels(37, 0.0), 37);
}

TEST(EfficientNetLayout, ReproducesEveryFixtureBackboneShapeInOrder) {
  const auto expected = fixture_backbone_entries();
  ASSERT_GT(expected.size(), 300u);
  EXPECT_THAT(entries_of(efficientnet_layout(0.25, 1.0, 128)), ElementsAreArray(expected));
}

TEST(EfficientNetLayout, FixtureStageDepthsAndWidths) {
  const auto layout = efficientnet_layout(0.25, 1.0, 128);
  EXPECT_EQ(layout.stem_channels, 8);
  EXPECT_THAT(stage_depths(layout), ElementsAre(1, 2, 2, 3, 3, 4, 1));
  EXPECT_THAT(stage_out_channels(layout), ElementsAre(8, 8, 16, 24, 32, 48, 80));
  EXPECT_EQ(layout.head_in_channels, 80);
  EXPECT_EQ(layout.num_features, 128);
}

TEST(EfficientNetLayout, B5StageDepthsAndWidths) {
  const auto layout = efficientnet_layout(1.6, 2.2, round_channels(1280, 1.6));
  EXPECT_EQ(layout.stem_channels, 48);
  EXPECT_THAT(stage_depths(layout), ElementsAre(3, 5, 5, 7, 7, 9, 3));
  EXPECT_THAT(stage_out_channels(layout), ElementsAre(24, 40, 64, 128, 176, 304, 512));
  EXPECT_EQ(layout.blocks.size(), 39u);
  EXPECT_EQ(layout.head_in_channels, 512);
  EXPECT_EQ(layout.num_features, 2048);
}

TEST(EfficientNetLayout, B7StageDepthsAndWidths) {
  const auto layout = efficientnet_layout(2.0, 3.1, round_channels(1280, 2.0));
  EXPECT_EQ(layout.stem_channels, 64);
  EXPECT_THAT(stage_depths(layout), ElementsAre(4, 7, 7, 10, 10, 13, 4));
  EXPECT_THAT(stage_out_channels(layout), ElementsAre(32, 48, 80, 160, 224, 384, 640));
  EXPECT_EQ(layout.head_in_channels, 640);
  EXPECT_EQ(layout.num_features, 2560);
}

TEST(EfficientNetLayout, B0StageDepthsAndWidths) {
  const auto layout = efficientnet_layout(1.0, 1.0, 1280);
  EXPECT_EQ(layout.stem_channels, 32);
  EXPECT_THAT(stage_depths(layout), ElementsAre(1, 2, 2, 3, 3, 4, 1));
  EXPECT_THAT(stage_out_channels(layout), ElementsAre(16, 24, 40, 80, 112, 192, 320));
  EXPECT_EQ(layout.head_in_channels, 320);
}

TEST(EfficientNetLayout, B0BlockDetails) {
  const auto layout = efficientnet_layout(1.0, 1.0, 1280);
  const auto& ds = layout.blocks.at(0);
  EXPECT_EQ(ds.kind, BlockKind::kDepthwiseSeparable);
  EXPECT_EQ(ds.mid_channels, 32);  // no expansion
  EXPECT_EQ(ds.se_channels, 8);    // 32 * 0.25
  const auto& first_ir = layout.blocks.at(1);  // blocks.1.0: 16 -> 96 -> 24, stride 2
  EXPECT_EQ(first_ir.kind, BlockKind::kInvertedResidual);
  EXPECT_EQ(first_ir.in_channels, 16);
  EXPECT_EQ(first_ir.mid_channels, 96);
  EXPECT_EQ(first_ir.stride, 2);
  EXPECT_EQ(first_ir.se_channels, 4);  // from the block input, not the expanded width
  const auto& k5 = layout.blocks.at(3);  // blocks.2.0
  EXPECT_EQ(k5.stage, 2);
  EXPECT_EQ(k5.kernel, 5);
}

TEST(EfficientNetLayout, ResidualOnlyForStrideOneAndSameWidth) {
  for (const auto& [cm, dm] : std::vector<std::pair<double, double>>{{0.25, 1.0}, {1.0, 1.0}, {1.6, 2.2}}) {
    for (const auto& b : efficientnet_layout(cm, dm, 1280).blocks) {
      EXPECT_EQ(b.residual, b.stride == 1 && b.in_channels == b.out_channels)
          << "blocks." << b.stage << "." << b.index << " at multipliers " << cm << ", " << dm;
      if (b.index > 0) {
        EXPECT_TRUE(b.residual) << "repeats keep stride 1 and width";
      }
    }
  }
}

TEST(EfficientNetLayout, FixtureFirstBlockIsResidual) {
  // Stem 8 -> depthwise-separable 8 (16 * 0.25 rounds up to 8): stride 1, 8 == 8.
  const auto layout = efficientnet_layout(0.25, 1.0, 128);
  EXPECT_TRUE(layout.blocks.at(0).residual);
  // B0's first block is 32 -> 16: no skip connection.
  EXPECT_FALSE(efficientnet_layout(1.0, 1.0, 1280).blocks.at(0).residual);
  // Stage 4 (stride 1) of the fixture changes width 24 -> 32: no skip on its first block.
  const auto& b40 = layout.blocks.at(8);  // after 1 + 2 + 2 + 3 blocks
  ASSERT_EQ(b40.stage, 4);
  ASSERT_EQ(b40.index, 0);
  EXPECT_EQ(b40.stride, 1);
  EXPECT_FALSE(b40.residual);
}

}  // namespace
}  // namespace brivl
