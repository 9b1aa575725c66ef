// --imagined-negatives: persistent imagination chains in an image basis and the loss that teaches
// the tower to like a caption's picture more than what the chain made of it
// (train/robust/imagined_negatives.h), and their place in `brivl train`.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "imagine/image_basis.h"
#include "train/robust/imagined_negatives.h"
#include "train/shapes_dataset.h"
#include "train/trainer.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "vision/preprocess.h"

namespace brivl {
namespace {

// A one-convolution tower for 16 x 16 images, 12-d embeddings, the same weights every time.
torch::nn::Sequential small_tower() {
  torch::manual_seed(0);
  return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 16, 4).stride(4)), torch::nn::Tanh(),
                               torch::nn::Flatten(), torch::nn::Linear(16 * 4 * 4, 12));
}

// A basis of 16 blocky 8 x 8 pictures, 10 components.
ImageBasis blocky_basis() {
  auto gen = at::detail::createCPUGenerator(9);
  const auto pictures = torch::nn::functional::interpolate(
      torch::rand({16, 3, 4, 4}, gen),
      torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{8, 8}).mode(torch::kNearest));
  return fit_image_basis(pictures, 10);
}

torch::Tensor unit_rows(const torch::Tensor& x) {
  return torch::nn::functional::normalize(x, torch::nn::functional::NormalizeFuncOptions().dim(1));
}

double mean_similarity(torch::nn::Sequential& tower, const torch::Tensor& images, const torch::Tensor& captions) {
  torch::NoGradGuard no_grad;
  const auto x = (images - imagenet_mean(images.options())) / imagenet_std(images.options());
  return (unit_rows(tower->forward(x)) * captions).sum(1).mean().item<double>();
}

TEST(ImaginedNegatives, ChainsClimbAndContinueWhereTheyStopped) {
  auto tower = small_tower();
  auto embed = [&](const torch::Tensor& x) { return tower->forward(x); };
  const auto basis = blocky_basis();
  auto gen = at::detail::createCPUGenerator(1);
  const auto captions = unit_rows(torch::randn({3, 12}, gen));
  const std::vector<uint64_t> keys{11, 22, 33};
  ImaginedNegativeOptions o;
  o.weight = 1, o.steps = 5, o.step_size = 0.1, o.restart_p = 0;

  ImaginationChains twice(basis, o, torch::kCPU);
  auto g1 = at::detail::createCPUGenerator(7), g2 = at::detail::createCPUGenerator(8);
  const auto first = twice.advance(embed, captions, keys, 16, g1);
  const auto second = twice.advance(embed, captions, keys, 16, g2);
  EXPECT_EQ(twice.size(), 3u);
  ASSERT_EQ(first.sizes(), (std::vector<int64_t>{3, 3, 16, 16}));
  EXPECT_GE(first.min().item<double>(), 0.0);
  EXPECT_LE(first.max().item<double>(), 1.0);
  // The second visit climbs on from the first: the similarity keeps rising.
  const double s1 = mean_similarity(tower, first, captions), s2 = mean_similarity(tower, second, captions);
  std::printf("chain similarity after 5 and 10 steps: %.3f -> %.3f\n", s1, s2);
  EXPECT_GT(s2, s1 + 0.01);

  // Two visits of 5 steps are one visit of 10 from the same start.
  auto o10 = o;
  o10.steps = 10;
  ImaginationChains once(basis, o10, torch::kCPU);
  auto g3 = at::detail::createCPUGenerator(7);
  EXPECT_TRUE(torch::allclose(once.advance(embed, captions, keys, 16, g3), second, 1e-5, 1e-6));

  // A restart draws a fresh start: with restart_p 1 the third visit is 5 steps from new noise.
  auto restarting = o;
  restarting.restart_p = 1;
  ImaginationChains fresh(basis, restarting, torch::kCPU);
  auto g4 = at::detail::createCPUGenerator(7), g5 = at::detail::createCPUGenerator(7);
  fresh.advance(embed, captions, keys, 16, g4);
  EXPECT_TRUE(torch::allclose(fresh.advance(embed, captions, keys, 16, g5), first, 1e-5, 1e-6));
}

// --imagined-from-pictures: a fresh chain starts at picture_start times its picture's whitened
// coefficients plus the noise, so every visit (restart 1) climbs away from the caption's own picture.
TEST(ImaginedNegatives, AChainCanStartAtItsPicture) {
  auto tower = small_tower();
  auto embed = [&](const torch::Tensor& x) { return tower->forward(x); };
  const auto basis = blocky_basis();
  auto gen = at::detail::createCPUGenerator(5);
  const auto captions = unit_rows(torch::randn({2, 12}, gen));
  const auto pictures = torch::rand({2, 3, 16, 16}, gen);
  const std::vector<uint64_t> keys{5, 6};
  ImaginedNegativeOptions o;
  o.weight = 1, o.steps = 1, o.step_size = 1e-7, o.restart_p = 1, o.init_std = 0, o.picture_start = 1;
  const BasisDecoder decoder(basis, torch::kCPU);
  const auto z = basis.project(pictures);
  ImaginationChains chains(basis, o, torch::kCPU);
  auto g1 = at::detail::createCPUGenerator(1);
  // One step of 1e-7 from the picture's projection is the projection, and the start is kept as the bar.
  EXPECT_TRUE(torch::allclose(chains.advance(embed, captions, keys, 16, g1, pictures), decoder.images(z, 16, 16), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(chains.last_starts(), decoder.images(z, 16, 16), 1e-6, 1e-6));
  // Measured against its start, the loss ranks the two: the start's embedding is in the graph
  // (pulled up), where a sharp picture's is a value.
  for (const bool train_bar : {false, true}) {
    const auto start = unit_rows(torch::randn({2, 12}, gen)).requires_grad_(true);
    const auto end = unit_rows(torch::randn({2, 12}, gen)).requires_grad_(true);
    imagined_negative_loss(end, start, captions, 5.0, train_bar).loss.backward();
    ASSERT_TRUE(end.grad().defined());
    EXPECT_EQ(start.grad().defined() && start.grad().abs().sum().item<double>() > 0, train_bar);
    if (train_bar) EXPECT_LT((start.grad() * captions).sum().item<double>(), 0.0) << "descent raises the start's similarity";
  }
  // Half the way from the basis's mean, and every visit starts there again (restart 1).
  o.picture_start = 0.5;
  ImaginationChains half(basis, o, torch::kCPU);
  auto g2 = at::detail::createCPUGenerator(2), g3 = at::detail::createCPUGenerator(3);
  half.advance(embed, captions, keys, 16, g2, pictures);
  EXPECT_TRUE(torch::allclose(half.advance(embed, captions, keys, 16, g3, pictures), decoder.images(z * 0.5, 16, 16), 1e-5, 1e-5));
  // ... and needs the pictures.
  auto g4 = at::detail::createCPUGenerator(4);
  EXPECT_THROW(half.advance(embed, captions, keys, 16, g4), std::exception);
}

TEST(ImaginedNegatives, TheLossLowersTheTowersLikingOfTheImagination) {
  auto tower = small_tower();
  auto embed = [&](const torch::Tensor& x) { return tower->forward(x); };
  const auto basis = blocky_basis();
  auto gen = at::detail::createCPUGenerator(2);
  const auto captions = unit_rows(torch::randn({4, 12}, gen));
  const auto pictures = torch::rand({4, 3, 16, 16}, gen);
  ImaginedNegativeOptions o;
  o.weight = 1, o.steps = 20, o.step_size = 0.2, o.restart_p = 0;
  ImaginationChains chains(basis, o, torch::kCPU);
  const std::vector<uint64_t> keys{1, 2, 3, 4};
  auto g = at::detail::createCPUGenerator(3);
  const auto imagined = chains.advance(embed, captions, keys, 16, g);
  const double liked = mean_similarity(tower, imagined, captions);

  auto norm = [&](const torch::Tensor& x) { return (x - imagenet_mean(x.options())) / imagenet_std(x.options()); };
  const auto l = imagined_negative_loss(unit_rows(embed(norm(imagined))), unit_rows(embed(norm(pictures))).detach(),
                                        captions, 2.0);
  // softplus(scale * (imagined - picture)), averaged, and the two similarities as reported.
  EXPECT_NEAR(l.imagined_similarity, liked, 1e-5);
  const double expected = std::log1p(std::exp(2.0 * (l.imagined_similarity - l.picture_similarity)));
  EXPECT_LE(std::abs(l.loss.item<double>() - expected), 0.2) << "mean of softplus near softplus of the means";
  EXPECT_GT(l.loss.item<double>(), 0.0);

  torch::optim::SGD sgd(tower->parameters(), torch::optim::SGDOptions(0.5));
  for (int step = 0; step < 20; ++step) {
    const auto s = imagined_negative_loss(unit_rows(embed(norm(imagined))), unit_rows(embed(norm(pictures))).detach(),
                                          captions, 2.0);
    sgd.zero_grad();
    s.loss.backward();
    sgd.step();
  }
  const double after = mean_similarity(tower, imagined, captions);
  std::printf("the tower's liking of its imaginations: %.3f -> %.3f\n", liked, after);
  EXPECT_LT(after, liked - 0.1);
}

// brivl train with the chains: it finishes, reports them in metrics.jsonl, records the options,
// and refuses a missing basis by name before making the run folder.
TEST(ImaginedNegatives, BrivlTrainRunsTheChainsAndRecordsThem) {
  test::TempDir tmp;
  ShapesOptions s;
  s.count = 32, s.seed = 23, s.image_size = 64;
  write_shapes_dataset(tmp.file("shapes"), s);
  TrainOptions o;
  o.data = tmp.file("shapes/captions.csv"), o.out = tmp.file("run");
  o.config = test::fixture_dir() + "/../train-tiny/config.yml", o.vocab = test::fixture_model_file("vocab.txt");
  o.device = "cpu", o.workers = 1, o.bn_recalibration_batches = 2;
  o.batch_size = 16, o.log_every = 1, o.epochs = 1, o.warmup_steps = 1;
  o.imagined_negatives.weight = 1, o.imagined_negatives.steps = 2, o.imagined_negatives.per_batch = 4;
  o.imagined_negatives.picture_start = 0.5;  // the chains start half-way to their pictures: the batch's images reach them
  auto gen = at::detail::createCPUGenerator(4);
  save_image_basis(tmp.file("basis.safetensors"), fit_image_basis(torch::rand({20, 3, 12, 12}, gen), 8));
  o.imagined_negatives.basis = tmp.file("missing.safetensors");
  EXPECT_BRIVL_ERROR(train(o), "missing.safetensors");
  EXPECT_FALSE(std::filesystem::exists(tmp.file("run"))) << "refused before the run folder is made";
  o.imagined_negatives.basis = tmp.file("basis.safetensors");
  ASSERT_EQ(train(o).state, "finished");
  int lines = 0;
  std::ifstream in(tmp.file("run/metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] != "train") continue;
    ++lines;
    ASSERT_TRUE(j.contains("imagined_loss") && j.contains("imagined_similarity") && j.contains("picture_similarity")) << line;
    EXPECT_TRUE(std::isfinite(j["imagined_loss"].get<double>()) && j["imagined_loss"].get<double>() > 0) << line;
    EXPECT_LE(std::abs(j["imagined_similarity"].get<double>()), 1.0) << line;
    const int chains = j["imagination_chains"].get<int>();  // four captions' chains a step (shared captions share one)
    EXPECT_TRUE(chains > 0 && chains <= 4 * lines) << line;
  }
  EXPECT_GE(lines, 1);
  const auto saved = nlohmann::json::parse(read_file(tmp.file("run/train_options.json")));
  EXPECT_EQ(saved["imagined_negatives"]["basis"], tmp.file("basis.safetensors"));
  EXPECT_EQ(saved["imagined_negatives"]["steps"], 2);
  // ... a resumed run reads them back; a basis without the loss, or the loss without a basis, is refused.
  const auto back = train_options_from_json(read_file(tmp.file("run/train_options.json")), "train_options.json");
  EXPECT_EQ(back.imagined_negatives.per_batch, 4);
  EXPECT_EQ(back.imagined_negatives.picture_start, 0.5);
  o.imagined_negatives.picture_start = 1.5;
  EXPECT_BRIVL_ERROR(o.validate(), "--imagined-from-pictures");
  o.imagined_negatives.picture_start = 0;
  o.imagined_negatives.weight = 0;
  EXPECT_THROW(o.validate(), Error);
  o.imagined_negatives.weight = 1, o.imagined_negatives.basis.clear();
  EXPECT_BRIVL_ERROR(o.validate(), "--imagined-basis");
}

}  // namespace
}  // namespace brivl
