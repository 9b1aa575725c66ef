// The MoCo arithmetic on hand-computed cases: momentum update, queue FIFO, the contrastive loss.
#include "train/moco.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "model/config.h"
#include "model/state_loading.h"
#include "test_support.h"
#include "train/retrieval_metrics.h"

namespace brivl {
namespace {

ModelConfig tiny_config() { return load_model_config(test::fixture_model_file("config.yml")); }

TEST(MoCo, KeysFollowTheOfficialModuleLayout) {
  MoCoBriVL model(tiny_config());
  const auto params = model->named_parameters();
  EXPECT_TRUE(params.contains("imgencoder.backbone.conv_stem.weight"));
  EXPECT_TRUE(params.contains("imgencoder_mom.learnable.imgFC.fc1.weight") || params.contains("imgencoder_mom.backbone.conv_stem.weight"));
  EXPECT_TRUE(params.contains("textencoder_mom.backbone.bert.embeddings.word_embeddings.weight"));
}

// "dtype\t[d0, d1]" of a tensor, as checkpoint_keys.tsv writes it.
std::string dtype_and_shape(const torch::Tensor& t) {
  std::ostringstream out;
  out << (t.scalar_type() == torch::kInt64 ? "int64" : t.scalar_type() == torch::kFloat32 ? "float32" : "other") << "\t[";
  for (int64_t d = 0; d < t.dim(); ++d) out << (d ? ", " : "") << t.size(d);
  out << "]";
  return out.str();
}

// What a training run saves (the trainer's module + the official-only entries) is, key for key,
// with dtypes and shapes, what the official code's model of the same config holds
// (checkpoint_keys.tsv was written from the official model's state_dict), so the official
// example.py's strict load_state_dict takes our checkpoints.
TEST(MoCo, SavedStateHasExactlyTheOfficialModelsKeysDtypesAndShapes) {
  std::map<std::string, std::string> official;
  std::ifstream in(test::fixture_file("checkpoint_keys.tsv"));
  ASSERT_TRUE(in);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    official[line.substr(0, tab)] = line.substr(tab + 1);
  }
  ASSERT_GT(official.size(), 800u);
  const auto config = tiny_config();
  MoCoBriVL model(config);
  std::map<std::string, std::string> ours;
  for (const auto& [key, tensor] : module_state(*model)) ours[key] = dtype_and_shape(tensor);
  for (const auto& [key, tensor] : official_only_state(config)) {
    EXPECT_TRUE(is_official_only(key)) << key;
    EXPECT_TRUE(ours.emplace(key, dtype_and_shape(tensor)).second) << "computed and official-only: " << key;
  }
  for (const auto& [key, value] : official) {
    const auto it = ours.find(key);
    if (it == ours.end()) {
      ADD_FAILURE() << "missing " << key;
    } else {
      EXPECT_EQ(it->second, value) << key;
    }
  }
  for (const auto& [key, value] : ours) EXPECT_TRUE(official.count(key)) << "not in the official model: " << key;
  // The online encoders' official-only entries are also what inference skips.
  EXPECT_TRUE(is_unused_for_inference("imgencoder.backbone.classifier.weight"));
  EXPECT_FALSE(is_official_only("imgencoder.backbone.conv_head.weight"));
}

TEST(MoCo, MomentumUpdateIsTheConvexCombination) {
  MoCoBriVL model(tiny_config());
  model->copy_online_to_momentum();
  auto q = model->imgencoder->named_parameters()["backbone.conv_stem.weight"];
  auto k = model->imgencoder_mom->named_parameters()["backbone.conv_stem.weight"];
  EXPECT_TRUE(torch::equal(q, k));
  EXPECT_FALSE(k.requires_grad());
  {
    torch::NoGradGuard no_grad;
    q.fill_(1.0);
    k.fill_(3.0);
  }
  model->momentum_update(0.9);  // 0.9 * 3 + 0.1 * 1 = 2.8
  EXPECT_TRUE(torch::allclose(k, torch::full_like(k, 2.8)));
  model->momentum_update(0.9);  // 0.9 * 2.8 + 0.1 = 2.62
  EXPECT_TRUE(torch::allclose(k, torch::full_like(k, 2.62)));
  EXPECT_TRUE(torch::allclose(q, torch::ones_like(q)));  // the online side is untouched
}

TEST(MoCo, QueueIsAFifoThatWrapsAround) {
  FeatureQueue queue(5, 2, torch::kCPU);
  EXPECT_EQ(queue.filled, 0);
  auto rows = [](std::vector<float> v) { return torch::tensor(v).view({-1, 2}); };
  queue.enqueue(rows({1, 1, 2, 2, 3, 3}), {11, 12, 13});
  EXPECT_EQ(queue.filled, 3);
  EXPECT_EQ(queue.ptr, 3);
  EXPECT_TRUE(torch::equal(queue.filled_features(), rows({1, 1, 2, 2, 3, 3})));
  queue.enqueue(rows({4, 4, 5, 5, 6, 6}), {14, 15, 16});  // 6 overwrites the oldest (1)
  EXPECT_EQ(queue.filled, 5);
  EXPECT_EQ(queue.ptr, 1);
  EXPECT_TRUE(torch::equal(queue.features, rows({6, 6, 2, 2, 3, 3, 4, 4, 5, 5})));
  EXPECT_EQ(queue.captions, (std::vector<uint64_t>{16, 12, 13, 14, 15}));
  queue.enqueue(rows({7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}), {1, 2, 3, 4, 5, 6, 7});  // larger than the queue
  EXPECT_EQ(queue.filled, 5);
  // Only the newest 5 rows (9..13) count; they are written from ptr 1 on and wrap to 0.
  EXPECT_TRUE(torch::equal(queue.features, rows({13, 13, 9, 9, 10, 10, 11, 11, 12, 12})));
  EXPECT_EQ(queue.ptr, 1);
}

TEST(MoCo, LossMatchesAHandComputedCase) {
  // Two samples in 2-D; unit vectors so that every similarity is a known cosine.
  const auto q_img = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f}).view({2, 2});
  const auto q_txt = torch::tensor({0.6f, 0.8f, 0.0f, 1.0f}).view({2, 2});
  const auto k_img = torch::tensor({1.0f, 0.0f, 0.6f, 0.8f}).view({2, 2});
  const auto k_txt = torch::tensor({0.8f, 0.6f, 0.0f, 1.0f}).view({2, 2});
  FeatureQueue img_queue(4, 2, torch::kCPU), txt_queue(4, 2, torch::kCPU);
  img_queue.enqueue(torch::tensor({0.0f, -1.0f}).view({1, 2}), {caption_key("z")});
  txt_queue.enqueue(torch::tensor({-1.0f, 0.0f, 0.0f, 1.0f}).view({2, 2}), {caption_key("z"), caption_key("b")});
  const std::vector<uint64_t> caps = {caption_key("a"), caption_key("b")};
  ContrastiveOptions o;
  o.temperature = 0.5;
  o.moco_weight = 1.0;
  o.in_batch_weight = 0.5;
  const auto l = contrastive_loss(q_img, q_txt, k_img, k_txt, img_queue, txt_queue, caps, o);

  const double T = 0.5;
  auto ce = [&](double pos, std::vector<double> neg) {
    double z = std::exp(pos / T);
    for (double n : neg) z += std::exp(n / T);
    return -(pos / T - std::log(z));
  };
  // image->text MoCo: q_img·k_txt positives (0.8, 1.0); text queue (-1,0) for both, (0,1) has
  // caption "b" = sample 1's caption -> masked for sample 1.
  const double moco_i2t = (ce(0.8, {-1.0, 0.0}) + ce(1.0, {0.0})) / 2;
  // text->image MoCo: q_txt·k_img positives (0.6, 0.8); image queue (0,-1).
  const double moco_t2i = (ce(0.6, {-0.8}) + ce(0.8, {-1.0})) / 2;
  // in-batch: sim = q_img q_txt^T = [[0.6, 0], [0.8, 1]].
  const double batch_i2t = (ce(0.6, {0.0}) + ce(1.0, {0.8})) / 2;
  const double batch_t2i = (ce(0.6, {0.8}) + ce(1.0, {0.0})) / 2;
  const double i2t = moco_i2t + 0.5 * batch_i2t, t2i = moco_t2i + 0.5 * batch_t2i;
  EXPECT_NEAR(l.loss_i2t, i2t, 1e-5);
  EXPECT_NEAR(l.loss_t2i, t2i, 1e-5);
  EXPECT_NEAR(l.loss.item<double>(), (i2t + t2i) / 2, 1e-5);
  EXPECT_NEAR(l.positive_similarity, 0.8, 1e-6);
  EXPECT_NEAR(l.negative_similarity, 0.4, 1e-6);
}

TEST(MoCo, SameCaptionInTheBatchIsNotANegative) {
  // Both samples carry the same caption and identical embeddings: with masking, each row only
  // has its positive left (loss 0); without, the other sample is an equally similar negative (log 2).
  const auto a = torch::tensor({1.0f, 0.0f, 1.0f, 0.0f}).view({2, 2});
  FeatureQueue empty_i(4, 2, torch::kCPU), empty_t(4, 2, torch::kCPU);
  ContrastiveOptions o;
  o.moco_weight = 0;
  const std::vector<uint64_t> same = {7, 7};
  EXPECT_NEAR(contrastive_loss(a, a, a, a, empty_i, empty_t, same, o).loss.item<double>(), 0.0, 1e-6);
  o.mask_same_text = false;
  EXPECT_NEAR(contrastive_loss(a, a, a, a, empty_i, empty_t, same, o).loss.item<double>(), std::log(2.0), 1e-6);
}

}  // namespace
}  // namespace brivl
