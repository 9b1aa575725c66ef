// The synthetic shapes dataset (core/train/shapes_dataset.h): captions, planning, rendering, files.
#include "train/shapes_dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "export/png_export.h"
#include "test_support.h"
#include "util/error.h"
#include "vision/image_decode.h"

namespace brivl {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

const uint8_t* pixel(const RgbImage& image, int x, int y) {
  return &image.pixels[(static_cast<size_t>(y) * image.width + x) * 3];
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
  return h;
}

ShapesOptions small_options(int count, uint64_t seed) {
  ShapesOptions o;
  o.count = count;
  o.seed = seed;
  o.image_size = 32;
  return o;
}

TEST(ShapesCaption, ComposesTheAttributeWordsInEachTemplate) {
  EXPECT_EQ(shapes_caption({0, 0, 0, 0}), "左上角的大红色圆形");
  EXPECT_EQ(shapes_caption({3, 3, 4, 1}), "中间的小蓝色星形");
  EXPECT_EQ(shapes_caption({5, 1, 3, 0}, 0), "右下角的大白色正方形");
  const ShapeAttributes a{4, 2, 1, 1};  // 紫色 三角形 右上角 小
  EXPECT_EQ(shapes_caption(a, 0), "右上角的小紫色三角形");
  EXPECT_EQ(shapes_caption(a, 1), "一个小的紫色三角形在右上角");
  EXPECT_EQ(shapes_caption(a, 2), "紫色的三角形，小，位于右上角");
  EXPECT_EQ(shapes_caption(a, 3), "右上角有一个小紫色三角形");
  EXPECT_GE(shapes_template_count(), 3);
}

TEST(ShapesCaption, VocabularyIsTheDocumentedWordList) {
  const auto& v = shapes_vocabulary();
  EXPECT_THAT(v.colours, ElementsAre("红色", "黄色", "绿色", "蓝色", "紫色", "白色"));
  EXPECT_THAT(v.shapes, ElementsAre("圆形", "正方形", "三角形", "星形"));
  EXPECT_THAT(v.positions, ElementsAre("左上角", "右上角", "左下角", "右下角", "中间"));
  EXPECT_THAT(v.sizes, ElementsAre("大", "小"));
  ASSERT_EQ(v.colour_rgb.size(), v.colours.size());
  // Colours are well separated from each other and from the background (grey <= 66 with noise).
  for (size_t i = 0; i < v.colour_rgb.size(); ++i) {
    EXPECT_GE(*std::max_element(v.colour_rgb[i].begin(), v.colour_rgb[i].end()), 200) << v.colours[i];
    for (size_t j = 0; j < i; ++j) {
      int distance = 0;
      for (int c = 0; c < 3; ++c) distance += std::abs(v.colour_rgb[i][c] - v.colour_rgb[j][c]);
      EXPECT_GE(distance, 120) << v.colours[i] << " vs " << v.colours[j];
    }
  }
}

TEST(ShapesCaption, RejectsIndicesOutOfRange) {
  EXPECT_BRIVL_ERROR(shapes_caption({12, 0, 0, 0}), "colour index 12");
  EXPECT_BRIVL_ERROR(shapes_caption({0, -1, 0, 0}), "shape index -1");
  EXPECT_BRIVL_ERROR(shapes_caption({0, 0, 5, 0}), "position index 5");
  EXPECT_BRIVL_ERROR(shapes_caption({0, 0, 0, 2}), "size index 2");
  EXPECT_BRIVL_ERROR(shapes_caption({0, 0, 0, 0}, shapes_template_count()), "caption template");
  EXPECT_BRIVL_ERROR(render_shape({0, 4, 0, 0}, 32, 1), "shape index 4");
}

TEST(ShapesPlan, IsDeterministicAndCoversEveryAttributeValue) {
  ShapesOptions o;
  o.count = 400;
  o.seed = 7;
  const auto plan = plan_shapes_dataset(o);
  ASSERT_EQ(plan.size(), 400u);
  const auto again = plan_shapes_dataset(o);
  const auto& v = shapes_vocabulary();
  std::vector<int> colours(v.colours.size()), shapes(v.shapes.size()), positions(v.positions.size()), sizes(v.sizes.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(plan[i].attributes, again[i].attributes);
    EXPECT_EQ(plan[i].render_seed, again[i].render_seed);
    ++colours.at(plan[i].attributes.colour);
    ++shapes.at(plan[i].attributes.shape);
    ++positions.at(plan[i].attributes.position);
    ++sizes.at(plan[i].attributes.size);
  }
  // Uniform draws: each value's count is near 400 / n (a loose bound, never flaky for a fixed seed).
  for (const auto* counts : {&colours, &shapes, &positions, &sizes})
    for (int c : *counts) EXPECT_GT(c, 400 / static_cast<int>(counts->size()) / 2);
  EXPECT_EQ(plan[0].image_file, "images/000000.png");
  EXPECT_EQ(plan[399].image_file, "images/000399.png");
  EXPECT_THAT(plan[5].captions, ElementsAre(shapes_caption(plan[5].attributes, 0)));
}

TEST(ShapesPlan, SampleDependsOnlyOnSeedAndIndex) {
  ShapesOptions o;
  o.count = 50;
  o.seed = 3;
  const auto short_plan = plan_shapes_dataset(o);
  o.count = 80;
  o.captions_per_image = 3;
  const auto long_plan = plan_shapes_dataset(o);
  std::set<uint64_t> seeds;
  for (size_t i = 0; i < short_plan.size(); ++i) {
    EXPECT_EQ(short_plan[i].attributes, long_plan[i].attributes);
    EXPECT_EQ(short_plan[i].render_seed, long_plan[i].render_seed);
    EXPECT_EQ(long_plan[i].captions.size(), 3u);
    EXPECT_EQ(long_plan[i].captions[0], short_plan[i].captions[0]);
    EXPECT_EQ(long_plan[i].captions[2], shapes_caption(long_plan[i].attributes, 2));
    seeds.insert(short_plan[i].render_seed);
  }
  EXPECT_EQ(seeds.size(), short_plan.size());

  o.seed = 4;
  const auto other = plan_shapes_dataset(o);
  int same = 0;
  for (size_t i = 0; i < short_plan.size(); ++i) same += short_plan[i].attributes == other[i].attributes;
  EXPECT_LT(same, 10);  // 240 attribute combinations: a different seed gives a different dataset
}

TEST(ShapesPlan, PinnedOutputForSeedZero) {
  // Guards the generator's algorithms (RNG, attribute order, rasteriser): a change here changes every
  // published dataset, so it must be deliberate.
  ShapesOptions o;
  o.count = 3;
  const auto plan = plan_shapes_dataset(o);
  EXPECT_EQ(plan[0].captions[0], "左上角的小白色三角形");
  EXPECT_EQ(plan[1].captions[0], "中间的大紫色星形");
  EXPECT_EQ(plan[2].captions[0], "右上角的小黄色星形");
  EXPECT_EQ(fnv1a(render_shape(plan[0].attributes, 96, plan[0].render_seed).pixels), 0x89fdba0a2641d9ceull);
}

TEST(ShapesPlan, RejectsOptionsOutOfRange) {
  ShapesOptions o;
  o.count = 0;
  EXPECT_BRIVL_ERROR(plan_shapes_dataset(o), "count 0");
  o = {};
  o.image_size = 8;
  EXPECT_BRIVL_ERROR(plan_shapes_dataset(o), "image size 8");
  o = {};
  o.captions_per_image = shapes_template_count() + 1;
  EXPECT_BRIVL_ERROR(plan_shapes_dataset(o), "captions per image");
}

TEST(ShapesRender, ShapeHasItsColourAtTheCentreAndBackgroundElsewhere) {
  const auto& v = shapes_vocabulary();
  const int n = 64;
  uint64_t seed = 100;
  for (int colour = 0; colour < 6; ++colour) {
    for (int shape = 0; shape < 4; ++shape) {
      for (int position = 0; position < 5; ++position) {
        for (int size = 0; size < 2; ++size, ++seed) {
          const ShapeAttributes a{colour, shape, position, size};
          const RgbImage image = render_shape(a, n, seed);
          ASSERT_EQ(image.width, n);
          ASSERT_EQ(image.height, n);
          ASSERT_EQ(image.pixels.size(), static_cast<size_t>(n) * n * 3);
          const ShapeGeometry g = shape_geometry(a, n, seed);
          const std::string what = shapes_caption(a);
          const uint8_t* centre = pixel(image, static_cast<int>(g.centre_x), static_cast<int>(g.centre_y));
          for (int c = 0; c < 3; ++c) EXPECT_NEAR(centre[c], v.colour_rgb[colour][c], 6) << what << " channel " << c;
          // The image corner farthest from the shape is background: grey 30..60 plus noise +-6.
          const int fx = g.centre_x < n / 2.0 ? n - 2 : 1, fy = g.centre_y < n / 2.0 ? n - 2 : 1;
          const uint8_t* far = pixel(image, fx, fy);
          for (int c = 0; c < 3; ++c) {
            EXPECT_GE(far[c], 24) << what;
            EXPECT_LE(far[c], 66) << what;
          }
          EXPECT_LE(std::max({far[0], far[1], far[2]}) - std::min({far[0], far[1], far[2]}), 12) << what;
          // The shape lies fully inside: the outermost rows and columns are all background.
          for (int i = 0; i < n; ++i) {
            for (const uint8_t* p : {pixel(image, i, 0), pixel(image, i, n - 1), pixel(image, 0, i), pixel(image, n - 1, i)})
              ASSERT_LE(std::max({p[0], p[1], p[2]}), 66) << what << " touches the border";
          }
        }
      }
    }
  }
}

TEST(ShapesRender, PositionsAndSizesFollowTheAttributes) {
  const int n = 96;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    for (int position = 0; position < 5; ++position) {
      const ShapeGeometry large = shape_geometry({0, 0, position, 0}, n, seed);
      const ShapeGeometry small = shape_geometry({0, 0, position, 1}, n, seed);
      EXPECT_NEAR(large.extent, 0.40 * n, 0.021 * n);
      EXPECT_NEAR(small.extent, 0.22 * n, 0.012 * n);
      const double ex = position == 4 ? 0.5 : position % 2 == 0 ? 0.27 : 0.73;
      const double ey = position == 4 ? 0.5 : position < 2 ? 0.27 : 0.73;
      for (const ShapeGeometry& g : {large, small}) {
        EXPECT_NEAR(g.centre_x, ex * n, 0.041 * n) << position;
        EXPECT_NEAR(g.centre_y, ey * n, 0.041 * n) << position;
        EXPECT_GE(g.centre_x - g.extent / 2, 1.0);
        EXPECT_LE(g.centre_x + g.extent / 2, n - 1.0);
      }
    }
  }
}

TEST(ShapesRender, EachShapeCoversItsOwnShareOfTheBoundingSquare) {
  // White shapes, large, centred: count pixels brighter than halfway between background and white.
  // Circle pi/4, square 1, triangle sqrt(3)/4, star (inner radius 0.45) 5 * 0.45 * sin(36°) / 4.
  const double expected[4] = {0.785, 1.0, 0.433, 0.331};
  const int n = 96;
  for (int shape = 0; shape < 4; ++shape) {
    const ShapeAttributes a{5, shape, 4, 0};
    const RgbImage image = render_shape(a, n, 11);
    const ShapeGeometry g = shape_geometry(a, n, 11);
    int lit = 0, lit_top = 0, lit_bottom = 0;
    for (int y = 0; y < n; ++y) {
      for (int x = 0; x < n; ++x) {
        if (pixel(image, x, y)[1] <= 142) continue;
        ++lit;
        (y < g.centre_y ? lit_top : lit_bottom)++;
      }
    }
    EXPECT_NEAR(lit / (g.extent * g.extent), expected[shape], 0.02) << shapes_caption(a);
    if (shape == 2) {
      EXPECT_LT(lit_top * 2, lit_bottom) << "the triangle's apex points up";
    }
  }
}

TEST(ShapesRender, VariedGroundsKeepTheGeometryAndStayFarFromTheShapesColour) {
  const auto& v = shapes_vocabulary();
  const int n = 64;
  int darkest = 255, lightest = 0;
  uint64_t seed = 300;
  for (int colour = 0; colour < 6; ++colour) {
    for (int position = 0; position < 5; ++position, ++seed) {
      const ShapeAttributes a{colour, position % 4, position, 0};
      // Same place and size as the dark render of the same seed: only the ground differs.
      const ShapeGeometry g = shape_geometry(a, n, seed, "varied");
      const ShapeGeometry d = shape_geometry(a, n, seed);
      EXPECT_EQ(g.centre_x, d.centre_x);
      EXPECT_EQ(g.centre_y, d.centre_y);
      EXPECT_EQ(g.extent, d.extent);
      const RgbImage image = render_shape(a, n, seed, "varied");
      const uint8_t* centre = pixel(image, static_cast<int>(g.centre_x), static_cast<int>(g.centre_y));
      for (int c = 0; c < 3; ++c) EXPECT_NEAR(centre[c], v.colour_rgb[colour][c], 6) << shapes_caption(a);
      const int fx = g.centre_x < n / 2.0 ? n - 2 : 1, fy = g.centre_y < n / 2.0 ? n - 2 : 1;
      const uint8_t* far = pixel(image, fx, fy);
      double d2 = 0;
      for (int c = 0; c < 3; ++c) d2 += std::pow(far[c] - v.colour_rgb[colour][c], 2);
      // 110 apart before the ±6 pixel noise.
      EXPECT_GE(std::sqrt(d2), 110 - 6 * std::sqrt(3.0)) << shapes_caption(a);
      darkest = std::min<int>(darkest, far[1]);
      lightest = std::max<int>(lightest, far[1]);
    }
  }
  EXPECT_LT(darkest, 80);
  EXPECT_GT(lightest, 170);
  EXPECT_BRIVL_ERROR(render_shape({0, 0, 0, 0}, n, 1, "pink"), "background 'pink'");
  ShapesOptions o;
  o.background = "light";
  EXPECT_BRIVL_ERROR(plan_shapes_dataset(o), "background 'light'");
}

TEST(ShapesRender, SpreadColoursVaryWithinTheirBandAndKeepTheGeometry) {
  const auto& v = shapes_vocabulary();
  const int n = 64;
  uint64_t seed = 700;
  for (int colour = 0; colour < 6; ++colour) {
    std::set<std::array<int, 3>> fills;
    for (int k = 0; k < 24; ++k, ++seed) {
      const ShapeAttributes a{colour, k % 4, 4, 0};  // big, in the middle: the centre pixel is the fill
      const ShapeGeometry g = shape_geometry(a, n, seed);
      const RgbImage exact = render_shape(a, n, seed, "dark", "exact");
      const RgbImage spread = render_shape(a, n, seed, "dark", "spread");
      EXPECT_EQ(exact.pixels, render_shape(a, n, seed).pixels) << "exact is the default";
      const uint8_t* c = pixel(spread, static_cast<int>(g.centre_x), static_cast<int>(g.centre_y));
      // The fill (give or take the ±6 noise) is nearer to its own palette colour than to any other.
      std::array<double, 6> d2{};
      for (int other = 0; other < 6; ++other)
        for (int ch = 0; ch < 3; ++ch) d2[other] += std::pow(c[ch] - v.colour_rgb[other][ch], 2);
      EXPECT_EQ(std::min_element(d2.begin(), d2.end()) - d2.begin(), colour) << shapes_caption(a) << " seed " << seed;
      fills.insert({c[0] / 8, c[1] / 8, c[2] / 8});
      // The ground is the dark render's: the colour is drawn after it in the stream, and only the fill changes.
      const uint8_t* corner_spread = pixel(spread, 0, 0);
      EXPECT_GE(corner_spread[0], 30 - 6);
      EXPECT_LE(corner_spread[0], 60 + 6);
    }
    EXPECT_GE(fills.size(), 12u) << v.colours[colour] << ": a band, not a point";
  }
  EXPECT_BRIVL_ERROR(render_shape({0, 0, 0, 0}, n, 1, "dark", "rainbow"), "colours 'rainbow'");
  ShapesOptions o;
  o.colours = "pastel";
  EXPECT_BRIVL_ERROR(plan_shapes_dataset(o), "colours 'pastel'");
}

// "more": the six spread colours plus six named ones in the gaps and at the ends of lightness.
TEST(ShapesRender, MoreColoursNameTheGapsAndKeepTheSixAsSpread) {
  const auto& six = shapes_vocabulary();
  const auto& more = shapes_vocabulary_more();
  ASSERT_EQ(more.colours.size(), 12u);
  ASSERT_EQ(more.colour_rgb.size(), 12u);
  for (size_t i = 0; i < six.colours.size(); ++i) EXPECT_EQ(more.colours[i], six.colours[i]);
  EXPECT_EQ(more.colours[6], "橙色");
  EXPECT_EQ(more.colours[11], "黑色");
  EXPECT_EQ(more.shapes, six.shapes);
  const int n = 64;
  uint64_t seed = 900;
  for (int colour = 0; colour < 12; ++colour) {
    int nearest_own = 0;
    for (int k = 0; k < 24; ++k, ++seed) {
      const ShapeAttributes a{colour, k % 4, 4, 0};
      const RgbImage image = render_shape(a, n, seed, "varied", "more");
      if (colour < 6) {
        EXPECT_EQ(image.pixels, render_shape(a, n, seed, "varied", "spread").pixels) << "the six are spread's";
        continue;
      }
      const ShapeGeometry g = shape_geometry(a, n, seed, "varied");
      const uint8_t* c = pixel(image, static_cast<int>(g.centre_x), static_cast<int>(g.centre_y));
      std::array<double, 12> d2{};
      for (int other = 0; other < 12; ++other)
        for (int ch = 0; ch < 3; ++ch) d2[other] += std::pow(c[ch] - more.colour_rgb[other][ch], 2);
      nearest_own += std::min_element(d2.begin(), d2.end()) - d2.begin() == colour;
    }
    // Nearest its own of the twelve, but for the reddest oranges (hues 20-25, 3 % of the band).
    if (colour >= 6) EXPECT_GE(nearest_own, 22) << more.colours[colour];
  }
  EXPECT_EQ(shapes_caption({7, 0, 4, 1}), "中间的小青色圆形");
  EXPECT_BRIVL_ERROR(shapes_caption({12, 0, 0, 0}), "colour index 12 out of range 0..11");
  // A "more" dataset draws all twelve; the others the six alone.
  ShapesOptions o;
  o.count = 400;
  o.colours = "more";
  std::set<int> drawn;
  for (const auto& sample : plan_shapes_dataset(o)) drawn.insert(sample.attributes.colour);
  EXPECT_EQ(drawn.size(), 12u);
  o.colours = "spread";
  drawn.clear();
  for (const auto& sample : plan_shapes_dataset(o)) drawn.insert(sample.attributes.colour);
  EXPECT_EQ(drawn.size(), 6u);
}

TEST(ShapesRender, IsDeterministicInTheSeedWithSlightNoise) {
  const ShapeAttributes a{1, 3, 2, 0};
  const RgbImage one = render_shape(a, 48, 5);
  EXPECT_EQ(one.pixels, render_shape(a, 48, 5).pixels);
  EXPECT_NE(one.pixels, render_shape(a, 48, 6).pixels);
  // Noise: the background is not one flat value.
  std::set<uint8_t> values;
  for (int x = 0; x < 48; ++x) values.insert(pixel(one, x, 0)[0]);
  EXPECT_GT(values.size(), 3u);
}

TEST(ShapesDataset, WritesImagesAndCsvsByteIdenticallyForTheSameSeed) {
  test::TempDir tmp;
  const std::string a = tmp.file("a"), b = tmp.file("b"), c = tmp.file("c");
  write_shapes_dataset(a, small_options(8, 42));
  write_shapes_dataset(b, small_options(8, 42));
  write_shapes_dataset(c, small_options(8, 43));
  for (const std::string name : {"captions.csv", "attributes.csv", "images/000000.png", "images/000003.png", "images/000007.png"}) {
    const std::string bytes = test::read_bytes(a + "/" + name);
    ASSERT_FALSE(bytes.empty()) << name;
    EXPECT_EQ(bytes, test::read_bytes(b + "/" + name)) << name;
  }
  EXPECT_NE(test::read_bytes(a + "/captions.csv"), test::read_bytes(c + "/captions.csv"));
  EXPECT_NE(test::read_bytes(a + "/images/000000.png"), test::read_bytes(c + "/images/000000.png"));

  // The file holds exactly the rendered image, and decodes back to it.
  const auto plan = plan_shapes_dataset(small_options(8, 42));
  const RgbImage expected = render_shape(plan[3].attributes, 32, plan[3].render_seed);
  EXPECT_EQ(test::read_bytes(a + "/images/000003.png"), encode_png(expected));
  EXPECT_EQ(decode_image_file(a + "/images/000003.png").pixels, expected.pixels);
}

TEST(ShapesDataset, CsvsHaveOneRowPerCaptionAndPerImage) {
  test::TempDir tmp;
  const std::string dir = tmp.file("nested/shapes");
  ShapesOptions o = small_options(7, 1);
  o.captions_per_image = 3;
  std::vector<std::pair<int, int>> calls;
  write_shapes_dataset(dir, o, false, [&](int done, int total) { calls.emplace_back(done, total); });
  ASSERT_EQ(calls.size(), 7u);
  EXPECT_EQ(calls.front(), std::make_pair(1, 7));
  EXPECT_EQ(calls.back(), std::make_pair(7, 7));

  const auto plan = plan_shapes_dataset(o);
  const auto captions = lines_of(test::read_bytes(dir + "/captions.csv"));
  ASSERT_EQ(captions.size(), 1u + 7 * 3);
  EXPECT_EQ(captions[0], "image,text");
  for (int i = 0; i < 7; ++i) {
    for (int t = 0; t < 3; ++t)
      EXPECT_EQ(captions[1 + i * 3 + t], plan[i].image_file + "," + shapes_caption(plan[i].attributes, t));
    EXPECT_TRUE(fs::is_regular_file(dir + "/" + plan[i].image_file)) << plan[i].image_file;
  }
  const auto& v = shapes_vocabulary();
  const auto attributes = lines_of(test::read_bytes(dir + "/attributes.csv"));
  ASSERT_EQ(attributes.size(), 1u + 7);
  EXPECT_EQ(attributes[0], "image,colour,shape,position,size");
  const ShapeAttributes& a = plan[4].attributes;
  EXPECT_EQ(attributes[5], plan[4].image_file + "," + v.colours[a.colour] + "," + v.shapes[a.shape] + "," +
                               v.positions[a.position] + "," + v.sizes[a.size]);
  // Nothing but the dataset: no temporary files left behind.
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 7 + 2);
}

TEST(ShapesDataset, RefusesToOverwriteUnlessAsked) {
  test::TempDir tmp;
  const std::string dir = tmp.file("shapes");
  write_shapes_dataset(dir, small_options(5, 1));
  const std::string before = test::read_bytes(dir + "/captions.csv");
  EXPECT_BRIVL_ERROR(write_shapes_dataset(dir, small_options(5, 2)), dir, "already holds a dataset");
  EXPECT_EQ(test::read_bytes(dir + "/captions.csv"), before);

  // Overwriting with a smaller dataset removes the images it no longer has, and only those.
  test::write_bytes(dir + "/images/notes.txt", "keep me");
  write_shapes_dataset(dir, small_options(3, 2), /*overwrite=*/true);
  EXPECT_NE(test::read_bytes(dir + "/captions.csv"), before);
  EXPECT_EQ(lines_of(test::read_bytes(dir + "/captions.csv")).size(), 1u + 3);
  EXPECT_TRUE(fs::exists(dir + "/images/000002.png"));
  EXPECT_FALSE(fs::exists(dir + "/images/000003.png"));
  EXPECT_FALSE(fs::exists(dir + "/images/000004.png"));
  EXPECT_TRUE(fs::exists(dir + "/images/notes.txt"));
}

TEST(ShapesDataset, BadOptionsFailBeforeAnythingIsWritten) {
  test::TempDir tmp;
  const std::string dir = tmp.file("shapes");
  ShapesOptions o = small_options(0, 1);
  EXPECT_BRIVL_ERROR(write_shapes_dataset(dir, o), "count 0");
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace brivl
