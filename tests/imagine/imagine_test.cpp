// The imagination engine on the fixture model: determinism, seeds, cancel, previews, the
// parameterisations and views. (Quality needs a trained model: the random-weight fixture only
// exercises the plumbing, see issue notes.)
#include "imagine/augment.h"
#include "imagine/imaginer.h"
#include "imagine/parameterization.h"
#include "model/model_test_support.h"

namespace brivl {
namespace {

ImagineSettings small_settings(uint64_t seed) {
  ImagineSettings s;
  s.prompt = "红色的圆:1 | 蓝色:-0.3";
  s.steps = 4;
  s.width = 64;
  s.height = 48;
  s.seed = seed;
  s.augment.cutouts = 2;
  return s;
}

Imaginer fixture_imaginer() {
  EmbedderOptions o;
  o.device = "cpu";
  return Imaginer::load(test::fixture_model_files(), o);
}

TEST(Imagine, SameSeedGivesIdenticalPixelsDifferentSeedDiffers) {
  auto imaginer = fixture_imaginer();
  auto a = small_settings(7), b = small_settings(7), c = small_settings(8);
  const auto ia = imaginer.run(a), ib = imaginer.run(b), ic = imaginer.run(c);
  ASSERT_EQ(ia.width, 64);
  ASSERT_EQ(ia.height, 48);
  EXPECT_EQ(ia.pixels, ib.pixels);
  EXPECT_NE(ia.pixels, ic.pixels);
  EXPECT_EQ(a.engine_version, kImagineEngineVersion);
  EXPECT_EQ(a.model_fingerprint, imaginer.model_fingerprint());
}

TEST(Imagine, ReportsEveryStepAndPreviewsEveryK) {
  auto imaginer = fixture_imaginer();
  auto s = small_settings(1);
  s.steps = 6;
  std::vector<int> steps, previews;
  ImagineHooks hooks;
  hooks.on_progress = [&](const ImagineProgress& p) {
    steps.push_back(p.step);
    // Held-out similarity only at the last step here (every 10 steps otherwise).
    EXPECT_EQ(std::isfinite(p.robust_similarity), p.step == 6) << p.step;
    EXPECT_TRUE(std::isfinite(p.loss));
    EXPECT_GE(p.similarity, -1.0);
    EXPECT_LE(p.similarity, 1.0);
  };
  hooks.preview_every = 2;
  hooks.on_preview = [&](int step, const RgbImage& image) {
    previews.push_back(step);
    EXPECT_EQ(image.pixels.size(), 64u * 48u * 3u);
  };
  imaginer.run(s, hooks);
  EXPECT_EQ(steps, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(previews, (std::vector<int>{2, 4, 6}));
}

TEST(Imagine, CancelStopsBeforeTheNextStep) {
  auto imaginer = fixture_imaginer();
  auto s = small_settings(1);
  s.steps = 50;
  int done = 0;
  ImagineHooks hooks;
  hooks.on_progress = [&](const ImagineProgress&) { ++done; };
  hooks.should_cancel = [&] { return done == 2; };
  EXPECT_THROW(imaginer.run(s, hooks), Cancelled);
  EXPECT_EQ(done, 2);
}

TEST(Imagine, RejectsBadSettingsNamingTheOption) {
  auto s = small_settings(1);
  s.steps = 0;
  EXPECT_BRIVL_ERROR(s.validate(), "--steps 0");
  s = small_settings(1);
  s.param = "wavelet";
  EXPECT_BRIVL_ERROR(s.validate(), "--param 'wavelet'");
  s = small_settings(1);
  s.augment.min_scale = 0.9;
  s.augment.max_scale = 0.5;
  EXPECT_BRIVL_ERROR(s.validate(), "cutout scales");
}

TEST(Imagine, SettingsSurviveJson) {
  auto s = small_settings(123456789012345ULL);
  s.lr = 0.0123456789;
  s.init_image = "/tmp/图.png";
  s.augment.rotate_degrees = 7.5;
  s.model_fingerprint = "size:1 crc32:0";
  const auto back = ImagineSettings::from_json(s.to_json(), "test");
  EXPECT_EQ(back.to_json(), s.to_json());
  EXPECT_EQ(back.seed, 123456789012345ULL);
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"stepz\":3}", "x.png"), "x.png", "unknown imagine setting 'stepz'");
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"steps\":\"many\"}", "x.png"), "'steps' has the wrong type");
}

TEST(ImageParameterization, StartsAtTheInitImageWithFullStrength) {
  const auto init = torch::rand({3, 40, 56}) * 0.9 + 0.05;
  for (bool fourier : {true, false}) {
    auto gen = at::detail::createCPUGenerator(3);
    ImageParameterization p(ParameterizationOptions().width(56).height(40).fourier(fourier), gen, init, 1.0);
    EXPECT_LT(test::max_abs_diff(p.image().squeeze(0).detach(), init), 1e-4) << "fourier " << fourier;
  }
}

TEST(ImageParameterization, RandomStartIsAMidGreyImageWithGradients) {
  auto gen = at::detail::createCPUGenerator(3);
  ImageParameterization p(ParameterizationOptions().width(32).height(24), gen);
  const auto image = p.image();
  EXPECT_EQ(image.sizes(), (std::vector<int64_t>{1, 3, 24, 32}));
  EXPECT_NEAR(image.mean().item<double>(), 0.5, 0.05);
  image.sum().backward();
  EXPECT_GT(p.parameters()[0].grad().abs().sum().item<double>(), 0);
}

TEST(Views, AreBatchedInRangeAndDifferentiable) {
  auto gen = at::detail::createCPUGenerator(5);
  const auto image = torch::rand({1, 3, 50, 70}).set_requires_grad(true);
  AugmentSettings s;
  s.cutouts = 6;
  const auto views = make_views(image, 32, s, gen);
  EXPECT_EQ(views.sizes(), (std::vector<int64_t>{6, 3, 32, 32}));
  EXPECT_GE(views.min().item<float>(), 0.0f);
  EXPECT_LE(views.max().item<float>(), 1.0f);
  EXPECT_FALSE(torch::equal(views[0], views[1]));
  views.mean().backward();
  EXPECT_GT(image.grad().abs().sum().item<double>(), 0);
}

}  // namespace
}  // namespace brivl
