// --aligned-gradients: the loss that teaches the image tower an input gradient pointing from the
// imagination's way-points to the caption's picture (train/robust/aligned_gradients.h), and its
// place in `brivl train`.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "imagine/image_basis.h"
#include "train/robust/aligned_gradients.h"
#include "train/shapes_dataset.h"
#include "train/trainer.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "vision/preprocess.h"

namespace brivl {
namespace {

// Four blocky 16 x 16 pictures (4 x 4 blocks of random colour), ImageNet-normalised.
torch::Tensor blocky_pictures() {
  auto gen = at::detail::createCPUGenerator(3);
  const auto blocks = torch::rand({4, 3, 4, 4}, gen);
  const auto pixels = torch::nn::functional::interpolate(
      blocks, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{16, 16}).mode(torch::kNearest));
  return (pixels - imagenet_mean(pixels.options())) / imagenet_std(pixels.options());
}

// A one-convolution tower for 16 x 16 pictures, 12-d embeddings, the same weights every time.
torch::nn::Sequential small_tower() {
  torch::manual_seed(0);
  return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 16, 4).stride(4)), torch::nn::Tanh(),
                               torch::nn::Flatten(), torch::nn::Linear(16 * 4 * 4, 12));
}

double mean_alignment(const std::function<torch::Tensor(const torch::Tensor&)>& embed, const torch::Tensor& images,
                      const torch::Tensor& captions, const AlignedGradientOptions& o) {
  double sum = 0;
  for (uint64_t draw = 0; draw < 8; ++draw) {
    auto gen = at::detail::createCPUGenerator(1000 + draw);
    sum += aligned_gradient_loss(embed, images, captions, o, gen).alignment;
  }
  return sum / 8;
}

TEST(AlignedGradients, TeachingTheLossTurnsATowersGradientTowardsTheCaptionsPicture) {
  auto tower = small_tower();
  auto embed = [&](const torch::Tensor& x) { return tower->forward(x); };
  const auto images = blocky_pictures();
  auto gen = at::detail::createCPUGenerator(7);
  const auto captions = torch::nn::functional::normalize(torch::randn({4, 12}, gen),
                                                         torch::nn::functional::NormalizeFuncOptions().dim(1));
  AlignedGradientOptions o;
  o.weight = 1, o.other_p = 0.5, o.noise_std = 0.2, o.pool = 2;

  // The same generator state gives the same points, hence the same loss.
  auto g1 = at::detail::createCPUGenerator(5), g2 = at::detail::createCPUGenerator(5);
  EXPECT_DOUBLE_EQ(aligned_gradient_loss(embed, images, captions, o, g1).loss.item<double>(),
                   aligned_gradient_loss(embed, images, captions, o, g2).loss.item<double>());

  const double before = mean_alignment(embed, images, captions, o);
  torch::optim::Adam adam(tower->parameters(), torch::optim::AdamOptions(1e-2));
  for (uint64_t step = 0; step < 200; ++step) {
    auto g = at::detail::createCPUGenerator(step);
    const auto a = aligned_gradient_loss(embed, images, captions, o, g);
    adam.zero_grad();
    a.loss.backward();  // through the gradient: double backward reaches the parameters
    adam.step();
  }
  const double after = mean_alignment(embed, images, captions, o);
  std::printf("alignment of the gradient with the way to the picture: %.3f -> %.3f\n", before, after);
  EXPECT_LT(std::abs(before), 0.3);
  EXPECT_GT(after, before + 0.4);
}

// In a basis: the gradient with respect to the whitened coefficients learns to point from the
// points to the picture's coefficients, which is the way `brivl imagine --param basis` climbs.
TEST(AlignedGradients, InABasisTheCoefficientGradientLearnsTheWayToThePicture) {
  auto tower = small_tower();
  auto embed = [&](const torch::Tensor& x) { return tower->forward(x); };
  const auto images = blocky_pictures();
  // The basis of these four and twelve more blocky pictures (at 8 x 8: the decoder resizes).
  auto gen = at::detail::createCPUGenerator(9);
  const auto pixels = images * imagenet_std(images.options()) + imagenet_mean(images.options());
  const auto others = torch::nn::functional::interpolate(
      torch::rand({12, 3, 4, 4}, gen),
      torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{16, 16}).mode(torch::kNearest));
  const auto all = torch::cat({pixels, others});
  const auto basis = fit_image_basis(torch::nn::functional::interpolate(
                                         all, torch::nn::functional::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{8, 8})
                                                  .mode(torch::kArea)),
                                     10);
  ASSERT_EQ(basis.count(), 10);
  const auto captions = torch::nn::functional::normalize(torch::randn({4, 12}, gen),
                                                         torch::nn::functional::NormalizeFuncOptions().dim(1));
  AlignedGradientOptions o;
  o.weight = 1, o.other_p = 0.5, o.noise_std = 1.0;
  auto mean_basis_alignment = [&] {
    double sum = 0;
    for (uint64_t draw = 0; draw < 8; ++draw) {
      auto g = at::detail::createCPUGenerator(2000 + draw);
      sum += aligned_gradient_loss(embed, images, captions, o, g, &basis).alignment;
    }
    return sum / 8;
  };
  // Deterministic per generator state, and not the pixel loss.
  auto g1 = at::detail::createCPUGenerator(5), g2 = at::detail::createCPUGenerator(5), g3 = at::detail::createCPUGenerator(5);
  const double in_basis = aligned_gradient_loss(embed, images, captions, o, g1, &basis).loss.item<double>();
  EXPECT_DOUBLE_EQ(in_basis, aligned_gradient_loss(embed, images, captions, o, g2, &basis).loss.item<double>());
  EXPECT_NE(in_basis, aligned_gradient_loss(embed, images, captions, o, g3).loss.item<double>());

  const double before = mean_basis_alignment();
  torch::optim::Adam adam(tower->parameters(), torch::optim::AdamOptions(1e-2));
  for (uint64_t step = 0; step < 200; ++step) {
    auto g = at::detail::createCPUGenerator(step);
    const auto a = aligned_gradient_loss(embed, images, captions, o, g, &basis);
    adam.zero_grad();
    a.loss.backward();
    adam.step();
  }
  const double after = mean_basis_alignment();
  std::printf("alignment in the basis: %.3f -> %.3f\n", before, after);
  // In 10 dimensions an untaught gradient already lines up by chance more than in a picture's.
  EXPECT_LT(std::abs(before), 0.5);
  EXPECT_GT(after, before + 0.4);
  EXPECT_GT(after, 0.8);
}

// Options of a tiny run of brivl train on `count` fresh shapes renders, the aligned-gradient loss on.
TrainOptions tiny_aligned_run(const test::TempDir& tmp, int count, uint64_t seed) {
  ShapesOptions s;
  s.count = count, s.seed = seed, s.image_size = 64;
  write_shapes_dataset(tmp.file("shapes"), s);
  TrainOptions o;
  o.data = tmp.file("shapes/captions.csv"), o.out = tmp.file("run");
  o.config = test::fixture_dir() + "/../train-tiny/config.yml", o.vocab = test::fixture_model_file("vocab.txt");
  o.device = "cpu", o.workers = 1, o.bn_recalibration_batches = 2;
  o.batch_size = 16, o.log_every = 1;
  o.aligned_gradients.weight = 1;
  return o;
}

// The train lines of a run's metrics.jsonl, each checked to report a finite alignment and its loss.
int checked_train_lines(const std::string& metrics) {
  int lines = 0;
  std::ifstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] != "train") continue;
    ++lines;
    EXPECT_TRUE(j.contains("gradient_alignment") && j.contains("aligned_loss")) << line;
    const double a = j.value("gradient_alignment", 2.0), l = j.value("aligned_loss", 2.0);
    EXPECT_TRUE(std::isfinite(a) && a >= -1 && a <= 1) << line;
    EXPECT_NEAR(l, 1 - a, 1e-4) << line;
  }
  return lines;
}

TEST(AlignedGradients, BrivlTrainLearnsWithItAndRecordsIt) {
  test::TempDir tmp;
  auto o = tiny_aligned_run(tmp, 48, 21);
  o.epochs = 2, o.warmup_steps = 2;
  const auto result = train(o);
  ASSERT_EQ(result.state, "finished");
  EXPECT_GE(checked_train_lines(tmp.file("run/metrics.jsonl")), 4);
  const auto saved = nlohmann::json::parse(read_file(tmp.file("run/train_options.json")));
  EXPECT_DOUBLE_EQ(saved["aligned_gradients"]["weight"].get<double>(), 1.0);
  EXPECT_EQ(saved["aligned_gradients"]["basis"], "");  // pixels
}

// --aligned-basis: a run taught in an image basis finishes, records the file, and a missing file
// is an error that names it.
TEST(AlignedGradients, BrivlTrainTeachesItInAnImageBasis) {
  test::TempDir tmp;
  auto o = tiny_aligned_run(tmp, 32, 22);
  o.epochs = 1, o.warmup_steps = 1;
  o.aligned_gradients.noise_std = 1;
  auto gen = at::detail::createCPUGenerator(4);
  save_image_basis(tmp.file("basis.safetensors"), fit_image_basis(torch::rand({20, 3, 12, 12}, gen), 8));
  o.aligned_gradients.basis = tmp.file("missing.safetensors");
  EXPECT_BRIVL_ERROR(train(o), "missing.safetensors");
  EXPECT_FALSE(std::filesystem::exists(tmp.file("run"))) << "refused before the run folder is made";
  o.aligned_gradients.basis = tmp.file("basis.safetensors");
  const auto result = train(o);
  ASSERT_EQ(result.state, "finished");
  EXPECT_GE(checked_train_lines(tmp.file("run/metrics.jsonl")), 1);
  const auto saved = nlohmann::json::parse(read_file(tmp.file("run/train_options.json")));
  EXPECT_EQ(saved["aligned_gradients"]["basis"], tmp.file("basis.safetensors"));
  EXPECT_EQ(saved["aligned_gradients"]["basis_components"], 256);
  // ... and options that ask for a basis without the loss are refused by name.
  o.aligned_gradients.weight = 0;
  EXPECT_BRIVL_ERROR(o.validate(), "--aligned-basis");
}

}  // namespace
}  // namespace brivl
