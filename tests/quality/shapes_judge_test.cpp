// The classical shapes judge (bench/quality) must be right on real renders before its verdicts on
// imaginations mean anything, and must find a faint object on a noisy ground.
#include "quality/shapes_judge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "train/shapes_dataset.h"
#include "util/splitmix.h"

namespace brivl::quality {
namespace {

TEST(ShapesJudge, IsRightOnEveryRenderedColourPositionShapeAndSize) {
  int checked = 0;
  for (int size : {96, 256}) {
    for (int colour = 0; colour < 6; ++colour)
      for (int shape = 0; shape < 4; ++shape)
        for (int position = 0; position < 5; ++position)
          for (int big = 0; big < 2; ++big) {
            ShapeAttributes a;
            a.colour = colour, a.shape = shape, a.position = position, a.size = big;
            const auto v = judge_shapes(render_shape(a, size, 1000 + checked));
            EXPECT_EQ(v.colour, colour) << shapes_caption(a) << " at " << size << " px";
            EXPECT_EQ(v.position, position) << shapes_caption(a) << " at " << size << " px";
            ++checked;
          }
  }
  EXPECT_EQ(checked, 480);
}

TEST(ShapesJudge, IsRightOnRendersOnVariedGrounds) {
  int checked = 0;
  for (int colour = 0; colour < 6; ++colour)
    for (int shape = 0; shape < 4; ++shape)
      for (int position = 0; position < 5; ++position, ++checked) {
        ShapeAttributes a;
        a.colour = colour, a.shape = shape, a.position = position, a.size = checked % 2;
        const auto v = judge_shapes(render_shape(a, 96, 5000 + checked, "varied"));
        EXPECT_EQ(v.colour, colour) << shapes_caption(a) << " seed " << 5000 + checked;
        EXPECT_EQ(v.position, position) << shapes_caption(a) << " seed " << 5000 + checked;
      }
  EXPECT_EQ(checked, 120);
}

TEST(ShapesJudge, IsRightOnSpreadColoursOnBothGrounds) {
  // The spread bands stay inside what the judge calls each colour, so a model trained on them is
  // not taught colours the judge would name otherwise.
  int checked = 0;
  for (const std::string ground : {"dark", "varied"})
    for (int colour = 0; colour < 6; ++colour)
      for (int k = 0; k < 20; ++k, ++checked) {
        ShapeAttributes a;
        a.colour = colour, a.shape = k % 4, a.position = k % 5, a.size = (k / 5) % 2;
        const auto v = judge_shapes(render_shape(a, 96, 9000 + checked, ground, "spread"));
        EXPECT_EQ(v.colour, colour) << shapes_caption(a) << " seed " << 9000 + checked << " " << ground;
        EXPECT_EQ(v.position, a.position) << shapes_caption(a) << " seed " << 9000 + checked << " " << ground;
      }
  EXPECT_EQ(checked, 240);
}

TEST(ShapesJudge, FindsAFaintBlobOnNoiseAndNothingOnAFlatImage) {
  // Mid-grey noise (±30) with a faint, soft reddish disc at the lower right.
  RgbImage image{128, 128, std::vector<uint8_t>(128 * 128 * 3)};
  uint64_t state = 7;
  for (int y = 0; y < 128; ++y)
    for (int x = 0; x < 128; ++x) {
      const double d = std::hypot(x - 94.0, y - 93.0);
      const double w = std::max(0.0, 1.0 - d / 20.0);
      for (int c = 0; c < 3; ++c) {
        state = splitmix64(state);
        const double noise = static_cast<double>(state % 61) - 30.0;
        const double tint = c == 0 ? 90 : -40;
        image.pixels[(y * 128 + x) * 3 + c] = static_cast<uint8_t>(std::clamp(128 + noise * (1 - w) + tint * w, 0.0, 255.0));
      }
    }
  const auto v = judge_shapes(image);
  EXPECT_EQ(shapes_vocabulary().colours[v.colour], "红色");
  EXPECT_EQ(shapes_vocabulary().positions[v.position], "右下角");
  const RgbImage flat{32, 32, std::vector<uint8_t>(32 * 32 * 3, 90)};
  EXPECT_EQ(judge_shapes(flat).colour, -1);
}

TEST(ShapesJudge, ReadsTheWordsOfAPrompt) {
  const auto w = shapes_prompt_words("右下角的大蓝色正方形");
  EXPECT_EQ(shapes_vocabulary().colours[w.colour], "蓝色");
  EXPECT_EQ(shapes_vocabulary().positions[w.position], "右下角");
  EXPECT_EQ(shapes_prompt_words("猫").colour, -1);
}

}  // namespace
}  // namespace brivl::quality
