// The "blobs" image space's primitives: names, what each paints, that ellipses alone paint what
// they painted before kinds existed, and the shape sweep.
#include <set>

#include "imagine/blob_kind.h"
#include "imagine/blob_parameterization.h"
#include "imagine/imaginer.h"
#include "imagine/session.h"
#include "model/model_test_support.h"

namespace brivl {
namespace {

TEST(BlobKinds, ParseNamesAndRejectUnknownOrRepeatedOnes) {
  const auto kinds = parse_blob_kinds("star, ellipse,rectangle,triangle", "--primitives");
  ASSERT_EQ(kinds.size(), 4u);
  EXPECT_EQ(kinds[0], BlobKind::kStar);
  EXPECT_EQ(kinds[1], BlobKind::kEllipse);
  EXPECT_STREQ(blob_kind_name(kinds[2]), "rectangle");
  EXPECT_STREQ(blob_kind_name(kinds[3]), "triangle");
  EXPECT_BRIVL_ERROR(parse_blob_kinds("ellipse,hexagon", "--primitives"), "--primitives: 'hexagon' is not one of");
  EXPECT_BRIVL_ERROR(parse_blob_kinds("star,star", "--primitives"), "'star' is named twice");
  EXPECT_BRIVL_ERROR(parse_blob_kinds("", "--primitives"), "no shape kind named");
  ImagineSettings s;
  s.prompt = "x";
  s.primitives = "ellipse,circle";
  EXPECT_BRIVL_ERROR(s.validate(), "--primitives: 'circle'");
}

// One opaque shape, upright, centred in a 64 x 64 image with radius 0.4 of the side.
torch::Tensor paint(BlobKind kind) {
  auto gen = at::detail::createCPUGenerator(3);
  BlobParameterization p(BlobOptions().width(64).height(64).count(1).kinds({kind}).edge(0.5), gen);
  {
    torch::NoGradGuard no_grad;
    auto params = p.parameters();
    params[0].fill_(0.0);                      // centre logits 0: the middle
    params[1][0][0].fill_(std::log(0.4));      // radius
    params[2].fill_(10.0);                     // white, opaque
    params[3].fill_(-10.0);                    // black ground
  }
  p.set_kind(0, kind);  // upright, regular
  return p.image()[0][0];  // red channel, [H, W]
}

bool inside(const torch::Tensor& plane, int x, int y) { return plane[y][x].item<double>() > 0.5; }

TEST(BlobKinds, EachPaintsItsShape) {
  // Pixel centres at (i + 0.5) / 64; the shape's centre is at 0.5, its radius 25.6 pixels.
  const auto ellipse = paint(BlobKind::kEllipse), rectangle = paint(BlobKind::kRectangle);
  const auto triangle = paint(BlobKind::kTriangle), star = paint(BlobKind::kStar);
  // Near a corner of the bounding square: inside the square only.
  EXPECT_TRUE(inside(rectangle, 12, 12));
  EXPECT_FALSE(inside(ellipse, 12, 12));
  EXPECT_FALSE(inside(triangle, 12, 12));
  EXPECT_FALSE(inside(star, 12, 12));
  // On the circle's rim at 45 degrees: circle yes.
  EXPECT_TRUE(inside(ellipse, 16, 16));
  // The triangle's apex points up (y grows downwards): just below the top inside, beside it not.
  EXPECT_TRUE(inside(triangle, 32, 10));
  EXPECT_FALSE(inside(triangle, 22, 10));
  // Its base is at 1/2 of the radius below the centre: the bottom of the circle is outside it.
  EXPECT_TRUE(inside(triangle, 32, 40));
  EXPECT_FALSE(inside(triangle, 32, 50));
  // The star: the upper point reaches near the top, the notch between two points is empty.
  EXPECT_TRUE(inside(star, 32, 9));
  EXPECT_TRUE(inside(star, 32, 32));
  EXPECT_FALSE(inside(star, 32, 52)) << "straight down lies between the two lower points";
  EXPECT_TRUE(inside(star, 42, 46)) << "the lower right point, 54 degrees below the horizontal";
  // Areas in order: square > circle > triangle and star.
  const auto area = [](const torch::Tensor& t) { return t.sum().item<double>(); };
  EXPECT_GT(area(rectangle), area(ellipse));
  EXPECT_GT(area(ellipse), area(triangle));
  EXPECT_GT(area(ellipse), area(star));
}

TEST(BlobKinds, EveryKindHasGradientsForEveryProperty) {
  for (const auto kind : {BlobKind::kRectangle, BlobKind::kTriangle, BlobKind::kStar}) {
    auto gen = at::detail::createCPUGenerator(5);
    BlobParameterization p(BlobOptions().width(33).height(27).count(3).kinds({kind}), gen);
    const auto image = p.image();
    EXPECT_FALSE(torch::isnan(image).any().item<bool>()) << blob_kind_name(kind);
    (image * torch::rand(image.sizes(), gen)).sum().backward();
    for (const auto& t : p.parameters()) {
      EXPECT_FALSE(torch::isnan(t.grad()).any().item<bool>()) << blob_kind_name(kind);
      EXPECT_GT(t.grad().abs().sum().item<double>(), 0) << blob_kind_name(kind) << " " << t.sizes();
    }
  }
}

TEST(BlobKinds, EllipsesAloneDrawAndPaintWhatTheyDidBeforeKinds) {
  // The default kinds and a mixed set draw the same start values (kinds come last from the
  // generator), and where every drawn shape is an ellipse the mixed set paints the same image.
  auto g1 = at::detail::createCPUGenerator(8), g2 = at::detail::createCPUGenerator(8);
  BlobParameterization plain(BlobOptions().width(32).height(32).count(6), g1);
  BlobParameterization mixed(BlobOptions().width(32).height(32).count(6).kinds(
                                 {BlobKind::kEllipse, BlobKind::kRectangle, BlobKind::kTriangle, BlobKind::kStar}),
                             g2);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(torch::equal(plain.parameters()[i], mixed.parameters()[i])) << i;
  std::set<BlobKind> drawn;
  for (int64_t k = 0; k < 6; ++k) {
    drawn.insert(mixed.kind(k));
    EXPECT_EQ(plain.kind(k), BlobKind::kEllipse);
  }
  EXPECT_GE(drawn.size(), 2u) << "six shapes drawn from four kinds";
  EXPECT_FALSE(torch::equal(plain.image(), mixed.image()));
  for (int64_t k = 0; k < 6; ++k) mixed.set_geometry(k, BlobKind::kEllipse, plain.geometry(k));
  EXPECT_TRUE(torch::equal(plain.image(), mixed.image()));
}

TEST(BlobKinds, ShapeSweepNeverLowersTheScoreAndRunsReplayExactly) {
  EmbedderOptions o;
  o.device = "cpu";
  auto imaginer = Imaginer::load(test::fixture_model_files(), o);
  auto& m = embedder_model(*imaginer.embedder());
  const auto target = torch::tensor(imaginer.embedder()->embed_prompt("红色的星", 32));
  ImagineSettings s;
  s.prompt = "红色的星";
  s.steps = 3, s.width = 48, s.height = 48, s.augment.cutouts = 2;
  s.param = "blobs", s.blobs = 2, s.primitives = "ellipse,rectangle,triangle,star";
  int changed = 0;
  for (uint64_t seed = 0; seed < 2; ++seed) {
    s.seed = seed;
    ImaginationSession session(m.model, m.device, target, s);
    const auto before_image = session.image();
    const double before = session.clean_score();
    const double after = session.sweep_shapes();
    EXPECT_GE(after, before - 1e-6) << seed;
    EXPECT_NEAR(after, session.clean_score(), 1e-6) << "reports the state it leaves";
    changed += !torch::equal(before_image, session.image());
  }
  EXPECT_GT(changed, 0);
  // Through the engine (screening, then the shape and colour sweeps): replays byte for byte.
  s.blobs = 1, s.screen = 2, s.steps = 2;
  auto t = s;
  EXPECT_EQ(imaginer.run(s).pixels, imaginer.run(t).pixels);
}

}  // namespace
}  // namespace brivl
