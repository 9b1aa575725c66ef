// The imagination engine on the fixture model: determinism, seeds, cancel, previews, the
// parameterisations and views. (Quality needs a trained model: the random-weight fixture only
// exercises the plumbing, see issue notes.)
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <thread>
#include <tuple>
#include <vector>

#include "imagine/augment.h"
#include "imagine/blob_parameterization.h"
#include "imagine/imaginer.h"
#include "imagine/parameterization.h"
#include "imagine/session.h"
#include "model/batchnorm_deviation.h"
#include "model/model_test_support.h"
#include "vision/preprocess.h"

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

// Views in one forward or one at a time (what the CPU does for large models to bound memory):
// the same gradient up to float summation order, so the same image within a grey level or two.
TEST(Imagine, ViewsInSeveralPassesGiveTheSameImage) {
  auto one_pass = fixture_imaginer();
  EmbedderOptions o;
  o.device = "cpu";
  o.image_batch_size = 1;
  auto per_view = Imaginer::load(test::fixture_model_files(), o);
  auto a = small_settings(3), b = small_settings(3);
  a.augment.cutouts = b.augment.cutouts = 3;
  a.tv_weight = b.tv_weight = 0.05;
  a.range_weight = b.range_weight = 1;
  const auto ia = one_pass.run(a), ib = per_view.run(b);
  ASSERT_EQ(ia.pixels.size(), ib.pixels.size());
  int worst = 0;
  for (size_t i = 0; i < ia.pixels.size(); ++i) worst = std::max(worst, std::abs(int(ia.pixels[i]) - int(ib.pixels[i])));
  EXPECT_LE(worst, 2);
  EXPECT_EQ(a.to_json(), b.to_json());  // how the views are batched is not a setting of the image
  EXPECT_EQ(views_per_pass_for(false, 456, 4), 1);
  EXPECT_EQ(views_per_pass_for(false, 96, 4), 4);
  EXPECT_EQ(views_per_pass_for(true, 456, 32), 32);
}

// The studio runs imagination and retrieval on one loaded model from two threads. Both only run
// the frozen model, so an imagination made while another thread embeds texts and images is the
// same image as one made alone, and the other thread's embeddings are the same too.
TEST(Imagine, SharedModelGivesTheSameResultsWhileAnotherThreadEmbeds) {
  EmbedderOptions o;
  o.device = "cpu";
  o.threads = 2;
  const std::vector<std::string> texts = {"红色的圆", "蓝色的方块", "一只猫在睡觉"};
  const std::vector<std::string> images = {test::fixture_image_paths()[0], test::fixture_image_paths()[4]};
  // The reference: a model of its own, used by one thread at a time.
  auto reference = std::make_shared<Embedder>(Embedder::load(test::fixture_model_files(), o));
  const Matrix alone_texts = reference->embed_texts(texts);
  const Matrix alone_images = reference->embed_images(images);
  auto alone = small_settings(11);
  alone.steps = 8;
  const auto alone_image = Imaginer(reference, test::fixture_model_files().checkpoint).run(alone);

  // A fresh model shared by both threads from their first call on (lazily built state included).
  auto embedder = std::make_shared<Embedder>(Embedder::load(test::fixture_model_files(), o));
  Imaginer imaginer(embedder, test::fixture_model_files().checkpoint);
  EXPECT_EQ(imaginer.embedder().get(), embedder.get());
  EXPECT_EQ(imaginer.model_fingerprint(), fixture_imaginer().model_fingerprint());
  std::atomic<bool> done{false};
  std::atomic<int> rounds{0}, mismatches{0};
  std::thread other([&] {
    while (!done.load()) {
      if (embedder->embed_images(images).data != alone_images.data) ++mismatches;
      if (embedder->embed_texts(texts).data != alone_texts.data) ++mismatches;
      ++rounds;
    }
  });
  auto together = small_settings(11);
  together.steps = 8;
  ImagineHooks hooks;
  int checks = 0;
  hooks.should_cancel = [&] {  // from the second step on, let the other thread finish a round inside every step
    if (checks++ == 0) return false;
    const int seen = rounds.load();
    while (rounds.load() == seen) std::this_thread::yield();
    return false;
  };
  const auto together_image = imaginer.run(together, hooks);
  done = true;
  other.join();
  EXPECT_GE(rounds.load(), 7);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(together_image.pixels, alone_image.pixels);
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

// The clean image's similarity only every K steps and at the last (a forward pass each): NaN
// between, the same values where computed, and the same image (nothing depends on it).
TEST(Imagine, SimilarityEveryKStepsChangesNoImage) {
  auto imaginer = fixture_imaginer();
  auto every_step = small_settings(3), every_third = small_settings(3);
  every_step.steps = every_third.steps = 7;
  std::vector<double> all, sparse;
  ImagineHooks hooks;
  hooks.on_progress = [&](const ImagineProgress& p) { all.push_back(p.similarity); };
  const auto a = imaginer.run(every_step, hooks);
  hooks.on_progress = [&](const ImagineProgress& p) { sparse.push_back(p.similarity); };
  hooks.similarity_every = 3;
  const auto b = imaginer.run(every_third, hooks);
  EXPECT_EQ(a.pixels, b.pixels);
  ASSERT_EQ(all.size(), 7u);
  ASSERT_EQ(sparse.size(), 7u);
  for (size_t i = 0; i < all.size(); ++i) {
    const int step = static_cast<int>(i) + 1;
    if (step % 3 == 0 || step == 7) {
      EXPECT_DOUBLE_EQ(sparse[i], all[i]) << step;
    } else {
      EXPECT_TRUE(std::isnan(sparse[i])) << step;
      EXPECT_TRUE(std::isfinite(all[i])) << step;
    }
  }
}

// The layout search: every start runs start_steps steps, then the start with the best held-out
// similarity goes on alone; its image is the one a single run from that start's seed gives.
TEST(Imagine, LayoutSearchContinuesTheStartWithTheBestHeldOutSimilarity) {
  auto imaginer = fixture_imaginer();
  auto s = small_settings(5);
  s.param = "blobs", s.blobs = 2;
  s.steps = 14, s.starts = 3, s.start_steps = 10;  // held-out similarity is reported every 10 steps
  std::vector<int> steps, starts;
  std::vector<double> score(3, std::nan(""));
  ImagineHooks hooks;
  hooks.on_progress = [&](const ImagineProgress& p) {
    steps.push_back(p.step);
    starts.push_back(p.start);
    EXPECT_EQ(p.steps, 14 + 2 * 10);
    EXPECT_EQ(p.starts, 3);
    if (p.start >= 0 && std::isfinite(p.robust_similarity)) score[static_cast<size_t>(p.start)] = p.robust_similarity;
  };
  const auto searched = imaginer.run(s, hooks);
  ASSERT_EQ(steps.size(), 34u);
  for (size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i], static_cast<int>(i) + 1);
  // 10 steps of start 0, 1 and 2, then the 4 remaining steps of the winner (start -1).
  for (size_t i = 0; i < 30; ++i) EXPECT_EQ(starts[i], static_cast<int>(i / 10)) << i;
  for (size_t i = 30; i < 34; ++i) EXPECT_EQ(starts[i], -1) << i;
  for (double v : score) ASSERT_TRUE(std::isfinite(v));
  const int winner = static_cast<int>(std::max_element(score.begin(), score.end()) - score.begin());
  auto alone = small_settings(winner == 0 ? 5 : start_seed(5, winner));
  alone.param = "blobs", alone.blobs = 2, alone.steps = 14;
  EXPECT_EQ(imaginer.run(alone).pixels, searched.pixels) << "winner " << winner;
  // The starts really differ: another start alone gives another image.
  auto other = alone;
  other.seed = winner == 1 ? 5 : start_seed(5, 1);
  EXPECT_NE(imaginer.run(other).pixels, searched.pixels);
  // One start is the run it always was.
  auto one = small_settings(5), plain = small_settings(5);
  one.starts = 1, one.start_steps = 2;
  EXPECT_EQ(imaginer.run(one).pixels, imaginer.run(plain).pixels);
}

// Screening: every candidate's random start is scored once (step-0 reports), the best `starts`
// of them get their colours swept and go through the layout search; the result is the run that
// screens only the winner's seed.
TEST(Imagine, ScreeningHandsTheBestScoredCandidatesToTheLayoutSearch) {
  auto imaginer = fixture_imaginer();
  auto s = small_settings(5);
  s.param = "blobs", s.blobs = 2;
  s.steps = 6, s.starts = 2, s.start_steps = 2, s.screen = 5;
  std::vector<double> screened;
  std::vector<int> steps;
  ImagineHooks hooks;
  hooks.on_progress = [&](const ImagineProgress& p) {
    EXPECT_EQ(p.screen, 5);
    EXPECT_EQ(p.steps, 6 + 2);
    if (p.step == 0) {
      EXPECT_EQ(p.screened, static_cast<int>(screened.size()) + 1);
      EXPECT_TRUE(steps.empty()) << "screening comes first";
      screened.push_back(p.similarity);
    } else {
      EXPECT_EQ(p.screened, 5);
      steps.push_back(p.step);
    }
  };
  const auto searched = imaginer.run(s, hooks);
  ASSERT_EQ(screened.size(), 5u);
  EXPECT_EQ(steps, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}));
  for (double v : screened) EXPECT_TRUE(std::isfinite(v) && v >= -1 && v <= 1) << v;
  // Candidates differ, so the ranking means something.
  EXPECT_GT(*std::max_element(screened.begin(), screened.end()), *std::min_element(screened.begin(), screened.end()));
  std::vector<int> order{0, 1, 2, 3, 4};
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return screened[a] > screened[b]; });
  const auto seed_of = [](int k) { return k == 0 ? uint64_t{5} : start_seed(5, k); };
  // A run screening only its own seed: the same colour sweep, then the same steps.
  auto alone = small_settings(5);
  alone.param = "blobs", alone.blobs = 2, alone.steps = 6, alone.screen = 1;
  std::vector<bool> matches;
  for (int k : order) {
    alone.seed = seed_of(k);
    matches.push_back(imaginer.run(alone).pixels == searched.pixels);
  }
  // The winner is one of the two best screened candidates, never one screened out.
  EXPECT_TRUE(matches[0] || matches[1]);
  EXPECT_FALSE(matches[2] || matches[3] || matches[4]);
  // The first candidate is scored on the run's own seed: a one-candidate screen scores exactly it.
  auto one = s;
  one.starts = 1, one.screen = 1;
  double first = std::nan("");
  ImagineHooks first_hooks;
  first_hooks.on_progress = [&](const ImagineProgress& p) {
    if (p.step == 0) first = p.similarity;
  };
  imaginer.run(one, first_hooks);
  EXPECT_DOUBLE_EQ(first, screened[0]);
}

// The colour sweep: each ellipse ends with the best of the sweep's colours or its own, so the
// clean similarity never falls, and for a prompt naming a colour it rises.
// optimizer "gd": plain gradient steps climb the similarity like Adam's, and replay exactly.
TEST(Imagine, GradientStepsClimbTheSimilarityAndRepeatExactly) {
  auto imaginer = fixture_imaginer();
  auto& m = embedder_model(*imaginer.embedder());
  const auto target = torch::tensor(imaginer.embedder()->embed_prompt("红色的圆", 32));
  auto s = small_settings(5);
  s.param = "pixel", s.steps = 20, s.lr = 0.03, s.optimizer = "gd";
  s.augment.cutouts = 1, s.augment.min_scale = 1, s.augment.jitter = 0, s.augment.rotate_degrees = 0;
  auto run = [&] {
    ImaginationSession session(m.model, m.device, target, s);
    const double before = session.clean_similarity();
    while (!session.finished()) session.step();
    return std::make_tuple(before, session.clean_similarity(), session.image());
  };
  const auto [before, after, image] = run();
  const auto [before2, after2, image2] = run();
  std::printf("gd: clean similarity %.3f -> %.3f\n", before, after);
  EXPECT_GT(after, before + 0.05);
  EXPECT_TRUE(torch::equal(image, image2));
}

TEST(Imagine, ColourSweepNeverLowersTheCleanSimilarity) {
  auto imaginer = fixture_imaginer();
  auto& m = embedder_model(*imaginer.embedder());
  const auto query = imaginer.embedder()->embed_prompt("红色的圆", 32);
  const auto target = torch::tensor(query);
  auto s = small_settings(9);
  s.param = "blobs", s.blobs = 3;
  int rose = 0;
  for (uint64_t seed = 0; seed < 4; ++seed) {
    s.seed = seed;
    ImaginationSession session(m.model, m.device, target, s);
    const auto before_image = session.image();
    const double before = session.clean_similarity();
    const auto colours = torch::tensor({1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f, 1.0f}).view({3, 3});
    const double after = session.sweep_colours(colours);
    EXPECT_GE(after, before - 1e-6) << seed;
    EXPECT_NEAR(after, session.clean_similarity(), 1e-6) << "reports the state it leaves";
    rose += after > before + 1e-6;
    if (after > before + 1e-6) EXPECT_FALSE(torch::equal(before_image, session.image()));
  }
  EXPECT_GT(rose, 0);
  // Without its own colour among the candidates (the colour gate) the ellipse always takes a swept
  // one, even when that scores lower than its random start.
  s.blobs = 1;
  int lowered = 0;
  for (uint64_t seed = 0; seed < 6; ++seed) {
    s.seed = seed;
    ImaginationSession session(m.model, m.device, target, s), kept(m.model, m.device, target, s);
    const auto before_image = session.image();
    const double before = session.clean_similarity();
    const auto blue = torch::tensor({0.0f, 0.0f, 1.0f}).view({1, 3});
    const double after = session.sweep_colours(blue, false);
    EXPECT_NEAR(after, session.clean_similarity(), 1e-6) << "reports the state it leaves";
    EXPECT_FALSE(torch::equal(before_image, session.image())) << seed;
    lowered += after < before - 1e-6;
    if (kept.sweep_colours(blue) < before + 1e-6) EXPECT_TRUE(torch::equal(before_image, kept.image())) << seed;
  }
  EXPECT_GT(lowered, 0) << "blue is not the best colour for every random start";
  // Other parameterisations have no colours to sweep: nothing changes.
  s.param = "fourier";
  ImaginationSession fourier(m.model, m.device, target, s);
  const auto image = fourier.image();
  fourier.sweep_colours(torch::ones({1, 3}));
  EXPECT_TRUE(torch::equal(image, fourier.image()));
}

// Contrast texts turn the objective into the model's softmax over {target, texts} at its
// temperature: with the target itself as the only other text the log-probability is log 1/2
// whatever the image; with its opposite it is -log(1 + exp(-2 cos / T)).
TEST(Imagine, ContrastScoresTheLogProbabilityOfThePromptAmongTheTexts) {
  auto imaginer = fixture_imaginer();
  auto& m = embedder_model(*imaginer.embedder());
  const auto target = torch::tensor(imaginer.embedder()->embed_prompt("红色的圆", 32));
  auto s = small_settings(2);
  ImaginationSession session(m.model, m.device, target, s);
  const double cosine = session.clean_similarity();
  EXPECT_NEAR(session.clean_score(), cosine, 1e-6) << "no contrast: the cosine";
  session.set_contrast(target.view({1, -1}) * 3.0, 0.07);  // normalised there
  EXPECT_NEAR(session.clean_score(), std::log(0.5), 1e-5);
  session.set_contrast(-target.view({1, -1}), 0.07);
  EXPECT_NEAR(session.clean_score(), -std::log1p(std::exp(-2 * cosine / 0.07)), 1e-4);
  // Steps climb it: the image moves away from the opposite text.
  const double start = session.clean_score();
  for (int i = 0; i < s.steps; ++i) session.step();
  EXPECT_GT(session.clean_score(), start);
  session.set_contrast(torch::zeros({0, target.numel()}), 0.07);
  EXPECT_NEAR(session.clean_score(), session.clean_similarity(), 1e-6) << "an empty set turns it off";
  // Through the engine: a caption file, the prompt's own line left out, blank and missing files named.
  test::TempDir dir;
  test::write_bytes(dir.file("captions.txt"), "红色的圆\n蓝色的方块\n\n绿色的星\n");
  auto run = small_settings(3);
  run.prompt = "红色的圆", run.steps = 2;
  run.contrast = dir.file("captions.txt");
  auto again = run;
  EXPECT_EQ(imaginer.run(run).pixels, imaginer.run(again).pixels);
  auto plain = small_settings(3);
  plain.prompt = "红色的圆", plain.steps = 2;
  EXPECT_NE(imaginer.run(plain).pixels, imaginer.run(run).pixels);
  test::write_bytes(dir.file("self.txt"), "红色的圆\n");
  run.contrast = dir.file("self.txt");
  EXPECT_BRIVL_ERROR(imaginer.run(run), "no caption other than the prompt itself");
  run.contrast = dir.file("missing.txt");
  EXPECT_BRIVL_ERROR(imaginer.run(run), "missing.txt");
}

// The colour gate's test: the target must be nearer, on the held-out views, than every rival;
// the similarity beside it is robust_similarity(), from the same embeddings.
TEST(Imagine, TargetBeatsItsRivalsOnlyWhenNearerThanEveryOne) {
  auto imaginer = fixture_imaginer();
  auto& m = embedder_model(*imaginer.embedder());
  const auto target = torch::tensor(imaginer.embedder()->embed_prompt("红色的圆", 32));
  auto s = small_settings(4);
  ImaginationSession session(m.model, m.device, target, s);
  const double own = session.robust_similarity();  // the same held-out views
  ASSERT_NE(own, 0.0);
  const auto row = target.view({1, -1});
  const auto beats = [&](const torch::Tensor& rivals) { return session.held_out_score(rivals).beats_rivals; };
  EXPECT_TRUE(beats(torch::zeros({0, target.numel()}))) << "no rivals: nothing to beat";
  EXPECT_TRUE(beats(torch::Tensor())) << "nor an undefined tensor";
  EXPECT_EQ(beats(-row), own > 0) << "the opposite text scores -" << own;
  EXPECT_FALSE(beats(row * 2.0)) << "a tie is not a win (rivals are normalised)";
  EXPECT_FALSE(beats(torch::cat({own > 0 ? -row : row, row}))) << "it must beat every rival";
  EXPECT_DOUBLE_EQ(session.held_out_score(-row).similarity, own);
  // Asking changes nothing: the held-out views are the same each time, and the image is not touched.
  EXPECT_EQ(beats(-row), own > 0);
  EXPECT_DOUBLE_EQ(session.robust_similarity(), own);
}

// Morph: the search aims at the prompt (morph 0); the steps after it move the target evenly from
// the prompt (first step) to `to` (last step).
TEST(Imagine, MorphMovesTheTargetEvenlyAfterTheSearch) {
  auto imaginer = fixture_imaginer();
  auto s = small_settings(5);
  s.to = "蓝色的方块";
  s.steps = 5;
  s.starts = 2;
  s.start_steps = 1;
  std::vector<double> morph;
  ImagineHooks hooks;
  hooks.on_progress = [&](const ImagineProgress& p) { morph.push_back(p.morph); };
  const auto image = imaginer.run(s, hooks);
  ASSERT_EQ(morph.size(), 2u + 4u);  // 2 starts x 1 step, then steps 2..5 of the best
  EXPECT_EQ(morph[0], 0.0);
  EXPECT_EQ(morph[1], 0.0);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(morph[2 + i], i / 3.0, 1e-12) << i;
  // A morph is a different run from the prompt's alone, and replays exactly.
  auto plain = small_settings(5);
  plain.steps = 5, plain.starts = 2, plain.start_steps = 1;
  EXPECT_NE(imaginer.run(plain).pixels, image.pixels);
  auto again = ImagineSettings::from_json(s.to_json(), "morph.png");
  EXPECT_EQ(again.to, "蓝色的方块");
  EXPECT_EQ(imaginer.run(again).pixels, image.pixels);
  s.to = "  ";
  EXPECT_BRIVL_ERROR(s.validate(), "--to", "blank");
}

// A preset is a whole recipe: switching from layout back to draft leaves nothing of layout behind;
// fields outside the recipe stay.
TEST(ImaginePresets, SetWholeRecipesAndKeepTheRest) {
  ImagineSettings s;
  s.prompt = "右下角的大蓝色圆形";
  s.seed = 9;
  s.tv_weight = 0.3;
  apply_preset(s, "layout", false);
  EXPECT_EQ(s.param, "blobs");
  EXPECT_EQ(s.blobs, 1);
  EXPECT_EQ(s.screen, 256);
  EXPECT_EQ(s.starts, 8);
  EXPECT_EQ(s.start_steps, 25);
  EXPECT_EQ(s.steps, 100);
  EXPECT_EQ(s.augment.min_scale, 0.9);
  EXPECT_EQ(s.augment.cutouts, 4);
  s.validate();
  apply_preset(s, "draft", true);
  const ImagineSettings defaults;
  EXPECT_EQ(s.param, defaults.param);
  EXPECT_EQ(s.blobs, defaults.blobs);
  EXPECT_EQ(s.screen, 0);
  EXPECT_EQ(s.starts, 1);
  EXPECT_EQ(s.start_steps, defaults.start_steps);
  EXPECT_EQ(s.augment.min_scale, defaults.augment.min_scale);
  EXPECT_EQ(s.steps, 100);
  EXPECT_EQ(s.augment.cutouts, 16);  // GPU
  EXPECT_EQ(s.seed, 9u);
  EXPECT_EQ(s.tv_weight, 0.3);
  EXPECT_EQ(s.prompt, "右下角的大蓝色圆形");
  for (const auto& name : preset_names()) {
    ImagineSettings p;
    p.prompt = "猫";
    apply_preset(p, name, false);
    p.validate();
  }
  EXPECT_BRIVL_ERROR(apply_preset(s, "fast", false), "--preset 'fast'", "layout");
}

TEST(ImaginePresets, AShorterRunShrinksTheSearchNeverAValidOne) {
  ImagineSettings s;
  s.prompt = "右下角的大蓝色圆形";
  apply_preset(s, "layout", false);
  EXPECT_FALSE(fit_search_to_steps(s));  // the recipe is valid as it is
  EXPECT_EQ(s.start_steps, 25);
  for (const auto& [steps, start_steps, starts] : std::vector<std::tuple<int, int, int>>{
           {25, 6, 4}, {10, 2, 4}, {3, 1, 4}, {2, 1, 4}, {1, 1, 1}}) {
    s.steps = steps;
    s.start_steps = 25;
    s.starts = 4;
    EXPECT_TRUE(fit_search_to_steps(s)) << steps;
    EXPECT_EQ(s.start_steps, start_steps) << steps;
    EXPECT_EQ(s.starts, starts) << steps;
    s.validate();
  }
  s.steps = 1;  // starts the user chose stay, and validate() names the impossible pair
  s.start_steps = 25;
  s.starts = 4;
  EXPECT_TRUE(fit_search_to_steps(s, /*keep_starts=*/true));
  EXPECT_EQ(s.starts, 4);
  EXPECT_BRIVL_ERROR(s.validate(), "--start-steps 1 must be below --steps 1");
  s.starts = 1;  // one start never searches, whatever start_steps says
  s.start_steps = 50;
  EXPECT_FALSE(fit_search_to_steps(s));
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
  s = small_settings(1);
  s.augment.perspective = 0.45;
  EXPECT_BRIVL_ERROR(s.validate(), "--perspective 0.45", "[0, 0.4]");
  s = small_settings(1);
  s.optimizer = "sgd";
  EXPECT_BRIVL_ERROR(s.validate(), "--optimizer 'sgd'", "adam, gd");
  s = small_settings(1);
  s.range_weight = -1;
  EXPECT_BRIVL_ERROR(s.validate(), "--range -1");
  s = small_settings(1);
  s.bn_prior = -0.5;
  EXPECT_BRIVL_ERROR(s.validate(), "--bn-prior -0.5");
  s = small_settings(1);
  s.basis_components = -1;
  EXPECT_BRIVL_ERROR(s.validate(), "--basis-components -1");
  s = small_settings(1);
  s.basis_prior = -1;
  EXPECT_BRIVL_ERROR(s.validate(), "--basis-prior -1");
  s = small_settings(1);
  s.basis_noise = 11;
  EXPECT_BRIVL_ERROR(s.validate(), "--basis-noise 11", "[0, 10]");
  s = small_settings(1);
  s.starts = 0;
  EXPECT_BRIVL_ERROR(s.validate(), "--starts 0");
  s = small_settings(1);
  s.starts = 4, s.start_steps = 4;  // steps is 4: nothing would be left for the best start
  EXPECT_BRIVL_ERROR(s.validate(), "--start-steps 4", "below --steps 4");
  s = small_settings(1);
  s.starts = 3, s.start_steps = 1, s.screen = 2;  // fewer candidates than starts
  EXPECT_BRIVL_ERROR(s.validate(), "--screen 2", "--starts 3");
  s.screen = 5000;
  EXPECT_BRIVL_ERROR(s.validate(), "--screen 5000", "4096");
}

TEST(Imagine, SettingsSurviveJson) {
  auto s = small_settings(123456789012345ULL);
  s.lr = 0.0123456789;
  s.init_image = "/tmp/图.png";
  s.augment.rotate_degrees = 7.5;
  s.augment.perspective = 0.25;
  s.range_weight = 0.5;
  s.bn_prior = 0.03;
  s.optimizer = "gd";
  s.param = "basis";
  s.basis_components = 64;
  s.basis_prior = 0.25;
  s.basis_noise = 0.75;
  s.model_fingerprint = "size:1 crc32:0";
  s.basis_fingerprint = "size:2 crc32:1";
  const auto back = ImagineSettings::from_json(s.to_json(), "test");
  EXPECT_EQ(back.to_json(), s.to_json());
  EXPECT_EQ(back.param, "basis");
  EXPECT_EQ(back.basis_components, 64);
  EXPECT_EQ(back.basis_prior, 0.25);
  EXPECT_EQ(back.basis_noise, 0.75);
  EXPECT_EQ(back.basis_fingerprint, "size:2 crc32:1");
  EXPECT_EQ(back.seed, 123456789012345ULL);
  EXPECT_EQ(back.augment.perspective, 0.25);
  EXPECT_EQ(back.range_weight, 0.5);
  EXPECT_EQ(back.bn_prior, 0.03);
  EXPECT_EQ(back.optimizer, "gd");
  // Settings written before perspective and range existed replay with both off.
  const auto old = ImagineSettings::from_json("{\"prompt\":\"猫\",\"tv_weight\":0.1,\"augment\":{\"cutouts\":3}}", "old.png");
  EXPECT_EQ(old.augment.perspective, 0.0);
  EXPECT_EQ(old.range_weight, 0.0);
  EXPECT_EQ(old.bn_prior, 0.0);  // ... and without the BatchNorm prior
  EXPECT_EQ(old.basis_fingerprint, "");  // ... and with no basis recorded
  EXPECT_EQ(old.optimizer, "adam");  // ... stepping with Adam
  EXPECT_EQ(old.augment.cutouts, 3);
  // ... with every output pixel optimised and the Fourier image, as the engine then did.
  EXPECT_EQ(old.param_size, 0);
  EXPECT_EQ(old.param, "fourier");
  EXPECT_EQ(old.starts, 1);  // ... from a single start
  EXPECT_EQ(old.screen, 0);  // ... screened nothing
  EXPECT_EQ(old.to, "");     // ... and morphed into nothing
  EXPECT_EQ(old.primitives, "ellipse");  // ... painted ellipses alone
  EXPECT_EQ(old.contrast, "");           // ... and scored the bare cosine
  EXPECT_EQ(old.colour_rivals, "");      // ... also in its colour sweep
  EXPECT_EQ(ImagineSettings().colour_rivals, "红色,黄色,绿色,蓝色,紫色,白色");  // new runs rank colours against rivals
  EXPECT_FALSE(old.colour_gate);          // ... and chose its start by similarity alone
  EXPECT_TRUE(ImagineSettings().colour_gate);
  auto blobs = s;
  blobs.param = "blobs", blobs.blobs = 7, blobs.param_size = 48;
  blobs.starts = 6, blobs.start_steps = 25, blobs.screen = 64;
  blobs.primitives = "star,ellipse", blobs.contrast = "/tmp/标题.txt", blobs.colour_rivals = "黑色,橙色";
  const auto blobs_back = ImagineSettings::from_json(blobs.to_json(), "b.png");
  EXPECT_EQ(blobs_back.screen, 64);
  EXPECT_EQ(blobs_back.starts, 6);
  EXPECT_EQ(blobs_back.start_steps, 25);
  EXPECT_EQ(blobs_back.blobs, 7);
  EXPECT_EQ(blobs_back.param_size, 48);
  EXPECT_EQ(blobs_back.primitives, "star,ellipse");
  EXPECT_EQ(blobs_back.contrast, "/tmp/标题.txt");
  EXPECT_EQ(blobs_back.colour_rivals, "黑色,橙色");
  EXPECT_TRUE(blobs_back.colour_gate);
  blobs.colour_rivals = "", blobs.colour_gate = false;
  EXPECT_EQ(ImagineSettings::from_json(blobs.to_json(), "b.png").colour_rivals, "");
  EXPECT_FALSE(ImagineSettings::from_json(blobs.to_json(), "b.png").colour_gate);
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"colour_gate\":\"yes\"}", "x.png"), "'colour_gate' has the wrong type");
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"prompt\":\"猫\",\"colour_rivals\":\"红色,金色\"}", "x.png").validate(),
                     "--colour-rivals", "'金色' is not a colour word");
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"prompt\":\"猫\",\"param_size\":4}", "x.png").validate(), "--param-size 4");
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

TEST(ImageParameterization, ACoarserGridIsUpsampledToTheOutputSize) {
  // A smooth start image (a ramp) survives the coarse grid; the parameters have the grid's size.
  const auto ramp = torch::linspace(0.1, 0.9, 64).view({1, 1, 64}).expand({3, 48, 64}).contiguous();
  for (bool fourier : {true, false}) {
    auto gen = at::detail::createCPUGenerator(3);
    ImageParameterization p(ParameterizationOptions().width(64).height(48).grid_width(16).grid_height(12).fourier(fourier),
                            gen, ramp, 1.0);
    const auto image = p.image();
    EXPECT_EQ(image.sizes(), (std::vector<int64_t>{1, 3, 48, 64}));
    EXPECT_EQ(p.parameters()[0].size(2), 12);
    EXPECT_EQ(p.parameters()[0].size(3), fourier ? 9 : 16);
    EXPECT_LT(test::max_abs_diff(image.squeeze(0).detach().narrow(2, 8, 48), ramp.narrow(2, 8, 48)), 0.03) << fourier;
    image.sum().backward();
    EXPECT_GT(p.parameters()[0].grad().abs().sum().item<double>(), 0);
  }
}

TEST(BlobParameterization, PaintsSoftEllipsesWithGradientsForEveryProperty) {
  auto gen = at::detail::createCPUGenerator(4);
  BlobParameterization p(BlobOptions().width(40).height(30).count(5), gen);
  const auto image = p.image();
  EXPECT_EQ(image.sizes(), (std::vector<int64_t>{1, 3, 30, 40}));
  EXPECT_GT(image.min().item<double>(), 0.0);
  EXPECT_LT(image.max().item<double>(), 1.0);
  // Not flat: the ellipses differ from the ground.
  EXPECT_GT(image.std().item<double>(), 0.01);
  (image * torch::rand(image.sizes(), gen)).sum().backward();
  const auto params = p.parameters();
  ASSERT_EQ(params.size(), 4u);
  for (const auto& t : params) EXPECT_GT(t.grad().abs().sum().item<double>(), 0) << t.sizes();
}

// Random starts must be able to show any colour: screening can only pick a blue ellipse if some
// candidate starts blue (normal logits crowd round grey; the gradient does not walk that far).
TEST(BlobParameterization, RandomStartsReachEveryCornerOfTheColourCubeAndAnyGround) {
  auto gen = at::detail::createCPUGenerator(11);
  BlobParameterization p(BlobOptions().width(16).height(16).count(1000), gen);
  const auto colours = torch::sigmoid(p.parameters()[2].detach()).narrow(1, 0, 3);  // [K, 3]
  const auto saturated_blue = (colours.select(1, 2) > 0.8) & (colours.select(1, 0) < 0.25) & (colours.select(1, 1) < 0.4);
  const auto saturated_red = (colours.select(1, 0) > 0.8) & (colours.select(1, 1) < 0.25) & (colours.select(1, 2) < 0.25);
  EXPECT_GT(saturated_blue.sum().item<int64_t>(), 0);
  EXPECT_GT(saturated_red.sum().item<int64_t>(), 0);
  std::vector<double> grounds;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    auto g = at::detail::createCPUGenerator(seed);
    BlobParameterization one(BlobOptions().width(8).height(8).count(1), g);
    // A grey ground (one parameter, its lightness), at any lightness across seeds.
    ASSERT_EQ(one.parameters()[3].numel(), 1) << "one grey level, not a colour";
    grounds.push_back(torch::sigmoid(one.parameters()[3].detach()).item<double>());
  }
  EXPECT_LT(*std::min_element(grounds.begin(), grounds.end()), 0.4);
  EXPECT_GT(*std::max_element(grounds.begin(), grounds.end()), 0.6);
}

TEST(Imagine, BlobsRunAndReplayExactly) {
  auto imaginer = fixture_imaginer();
  auto s = small_settings(5);
  s.param = "blobs", s.blobs = 6;
  auto t = s;
  const auto a = imaginer.run(s), b = imaginer.run(t);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_EQ(a.width, 64);
  s.init_image = "x.png";
  EXPECT_BRIVL_ERROR(s.validate(), "--init needs --param fourier or pixel");
}

// The pixel grid's colour decorrelation would turn a plain gradient step into mostly brightness;
// gradient_in_logits() makes the step move the logits exactly along their own gradient.
TEST(ImageParameterization, GradientInLogitsStepsTheLogitsAlongTheirGradient) {
  auto gen = at::detail::createCPUGenerator(4);
  ImageParameterization p(ParameterizationOptions().width(12).height(8).fourier(false), gen);
  const auto direction = torch::randn({1, 3, 8, 12}, gen);
  const auto before = p.logits().detach();
  (p.logits() * direction).sum().backward();  // the logits' gradient is `direction`
  auto raw = p.parameters()[0].grad().clone();
  p.gradient_in_logits();
  {
    torch::NoGradGuard no_grad;
    p.parameters()[0].add_(p.parameters()[0].grad(), 1e-2);
  }
  const auto moved = (p.logits().detach() - before) / 1e-2;
  EXPECT_LT((moved - direction).abs().max().item<double>(), 1e-3);
  // Without it the step is not along the gradient: mostly the colours' shared brightness.
  const auto colour = torch::nn::functional::cosine_similarity(moved.flatten(), direction.flatten(),
                                                               torch::nn::functional::CosineSimilarityFuncOptions().dim(0));
  EXPECT_GT(colour.item<double>(), 0.999);
  EXPECT_FALSE(torch::allclose(raw, p.parameters()[0].grad(), 1e-3, 1e-3));
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

// A vanishing tilt goes through the homography path and must land on the affine views: checks that
// the projection composes with each view's placement (scale, rotation, centre) the right way round.
TEST(Views, PerspectiveWithoutTiltEqualsTheAffineViews) {
  const auto image = torch::rand({1, 3, 50, 70});
  AugmentSettings s;
  s.cutouts = 5;
  s.rotate_degrees = 20;
  s.color_jitter = s.noise = 0;  // drawn after the tilt: keep both streams aligned
  auto g1 = at::detail::createCPUGenerator(9), g2 = at::detail::createCPUGenerator(9);
  const auto affine = make_views(image, 32, s, g1);
  s.perspective = 1e-7;
  const auto keystone = make_views(image, 32, s, g2);
  EXPECT_LT(test::max_abs_diff(affine, keystone), 1e-4);
}

TEST(Views, PerspectiveTiltsTheViewsAndStaysDifferentiable) {
  const auto image = torch::rand({1, 3, 50, 70}).set_requires_grad(true);
  AugmentSettings s;
  s.cutouts = 4;
  s.color_jitter = s.noise = 0;
  auto g1 = at::detail::createCPUGenerator(9), g2 = at::detail::createCPUGenerator(9);
  const auto affine = make_views(image, 32, s, g1);
  s.perspective = 0.4;
  const auto keystone = make_views(image, 32, s, g2);
  EXPECT_EQ(keystone.sizes(), affine.sizes());
  EXPECT_GT((keystone - affine).abs().mean().item<double>(), 0.02);
  EXPECT_GE(keystone.min().item<float>(), 0.0f);
  EXPECT_LE(keystone.max().item<float>(), 1.0f);
  keystone.mean().backward();
  EXPECT_GT(image.grad().abs().sum().item<double>(), 0);
}

TEST(Regularisers, RangePenaltyCountsOnlySaturatedLogits) {
  // |logit| <= 3 costs nothing; 5 and -4 cost (5-3)^2 = 4 and (4-3)^2 = 1; mean over 4 values.
  const auto logits = torch::tensor({0.5f, -3.0f, 5.0f, -4.0f}).view({1, 1, 2, 2});
  EXPECT_NEAR(range_penalty(logits).item<double>(), (0 + 0 + 4 + 1) / 4.0, 1e-6);
  EXPECT_EQ(range_penalty(torch::full({1, 3, 4, 4}, 2.9f)).item<double>(), 0.0);
}

// Driven hard (lr 0.5, 10x the default), the Fourier image saturates part of its pixels; the range
// term keeps them in the sigmoid's working range (measured: 4.2 % of the values beyond
// sigmoid(+-4.5) without it, 1.1 % at weight 3, 0.3 % at weight 10).
TEST(Regularisers, RangeWeightKeepsPixelsOutOfSaturation) {
  auto imaginer = fixture_imaginer();
  auto saturated_fraction = [&](double range_weight) {
    auto s = small_settings(4);
    s.lr = 0.5;
    s.steps = 20;
    s.range_weight = range_weight;
    const auto image = imaginer.run(s);
    int64_t out = 0;
    for (auto p : image.pixels) out += p < 3 || p > 252;
    return static_cast<double>(out) / static_cast<double>(image.pixels.size());
  };
  const double free = saturated_fraction(0), held = saturated_fraction(10);
  EXPECT_GT(free, 0.01) << "the run does not saturate: the test would prove nothing";
  EXPECT_LT(held, 0.25 * free);
}

// The BatchNorm prior pulls the imagination's activations toward the image tower's running
// statistics: its final image strays less from them than the same run without the prior. One
// view of the whole image, unaugmented, so what the prior optimises is what is measured.
TEST(Regularisers, BatchNormPriorBringsTheActivationsNearerTheTowersStatistics) {
  auto imaginer = fixture_imaginer();
  auto& m = embedder_model(*imaginer.embedder());
  const auto deviation_of = [&](double bn_prior) {
    auto s = small_settings(5);
    s.steps = 30;
    s.lr = 0.1;
    s.augment = AugmentSettings{};
    s.augment.cutouts = 1;
    s.augment.min_scale = 1;
    s.augment.jitter = s.augment.rotate_degrees = s.augment.color_jitter = s.augment.noise = 0;
    s.bn_prior = bn_prior;
    const auto image = rgb_to_tensor(imaginer.run(s)).unsqueeze(0);
    torch::NoGradGuard no_grad;
    BatchNormDeviation d;
    m.model->imgencoder->forward(resize_and_normalize(image, m.config.img_size), &d);
    EXPECT_GT(d.layers(), 0);
    return d.total().item<double>();
  };
  const double free = deviation_of(0), held = deviation_of(1);
  std::printf("BatchNorm deviation of the final image: %.2f without the prior, %.2f with it\n", free, held);
  EXPECT_LT(held, 0.8 * free);
}

}  // namespace
}  // namespace brivl
