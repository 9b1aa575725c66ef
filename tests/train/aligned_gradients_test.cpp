// --aligned-gradients: the loss that teaches the image tower an input gradient pointing from the
// imagination's way-points to the caption's picture (train/robust/aligned_gradients.h), and its
// place in `brivl train`.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "train/robust/aligned_gradients.h"
#include "train/shapes_dataset.h"
#include "train/trainer.h"
#include "util/atomic_file.h"
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
  torch::manual_seed(0);
  torch::nn::Sequential tower(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 16, 4).stride(4)), torch::nn::Tanh(),
                              torch::nn::Flatten(), torch::nn::Linear(16 * 4 * 4, 12));
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

TEST(AlignedGradients, BrivlTrainLearnsWithItAndRecordsIt) {
  test::TempDir tmp;
  ShapesOptions s;
  s.count = 48, s.seed = 21, s.image_size = 64;
  write_shapes_dataset(tmp.file("shapes"), s);
  TrainOptions o;
  o.data = tmp.file("shapes/captions.csv"), o.out = tmp.file("run");
  o.config = test::fixture_dir() + "/../train-tiny/config.yml", o.vocab = test::fixture_model_file("vocab.txt");
  o.device = "cpu", o.workers = 1, o.bn_recalibration_batches = 2;
  o.epochs = 2, o.batch_size = 16, o.log_every = 1, o.warmup_steps = 2;
  o.aligned_gradients.weight = 1;
  const auto result = train(o);
  ASSERT_EQ(result.state, "finished");
  int lines = 0;
  std::ifstream in(tmp.file("run/metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] != "train") continue;
    ++lines;
    ASSERT_TRUE(j.contains("gradient_alignment")) << line;
    const double a = j["gradient_alignment"].get<double>(), l = j["aligned_loss"].get<double>();
    EXPECT_TRUE(std::isfinite(a) && a >= -1 && a <= 1) << line;
    EXPECT_NEAR(l, 1 - a, 1e-4) << line;
  }
  EXPECT_GE(lines, 4);
  const auto saved = nlohmann::json::parse(read_file(tmp.file("run/train_options.json")));
  EXPECT_DOUBLE_EQ(saved["aligned_gradients"]["weight"].get<double>(), 1.0);
}

}  // namespace
}  // namespace brivl
