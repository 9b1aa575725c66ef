// Full-size layouts: the released BriVL (tf_efficientnet_b5_ns @456 + RoBERTa-wwm-ext base) and
// the large one (B7 + RoBERTa-wwm-ext-large). Parameter counts are checked against published
// numbers, and random-weight checkpoints in the official key layout (momentum encoders,
// classifier, pooler, position_ids included) must load and embed.
#include "io/checkpoint.h"
#include "model/model_test_support.h"
#include "model/official_layout_support.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {

using test::TempDir;
using test::official_state;
using test::official_yaml;

int64_t count(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

// Published sizes: Keras/timm EfficientNet trainable parameters with the 1000-class classifier
// (B0 5,288,548; B5 30,389,784; B7 66,347,960) minus that classifier; BERT-base-chinese
// 102,267,648 and chinese-roberta-wwm-ext-large 325,522,432 minus their pooler.
TEST(FullSizeLayout, EfficientNetParameterCountsMatchPublishedModels) {
  EXPECT_EQ(count(*EfficientNet(EfficientNetOptions().channel_multiplier(1.0).depth_multiplier(1.0).num_features(1280))),
            5288548 - (1280 * 1000 + 1000));
  EXPECT_EQ(count(*EfficientNet(EfficientNetOptions().channel_multiplier(1.6).depth_multiplier(2.2).num_features(2048))),
            30389784 - (2048 * 1000 + 1000));
  EXPECT_EQ(count(*EfficientNet(EfficientNetOptions().channel_multiplier(2.0).depth_multiplier(3.1).num_features(2560))),
            66347960 - (2560 * 1000 + 1000));
}

TEST(FullSizeLayout, BertParameterCountsMatchPublishedModels) {
  EXPECT_EQ(count(*BertModel(BertOptions())), 102267648 - (768 * 768 + 768));
  EXPECT_EQ(count(*BertModel(BertOptions().hidden_size(1024).num_layers(24).num_heads(16).intermediate_size(4096))),
            325522432 - (1024 * 1024 + 1024));
}

void check_layout_loads_and_embeds(const std::string& yaml) {
  TempDir dir;
  write_file_atomically(dir.file("config.yml"), yaml);
  std::filesystem::copy_file(test::fixture_model_file("vocab.txt"), dir.file("vocab.txt"));
  const auto config = load_model_config(dir.file("config.yml"));
  BriVL original(config);
  original->eval();
  const auto state = official_state(original);
  const auto model_keys = module_state(*original).size();
  save_official_checkpoint(dir.file("brivl.pth"), state);
  EXPECT_EQ(CheckpointReader::open(dir.file("brivl.pth"))->entries().size(), state.size());

  auto loaded = load_model(ModelFiles::resolve(dir.path().string()), LoadOptions().device("cpu"));
  // Every online tensor is loaded; the _mom twins, classifier (2), pooler (2) and position_ids are not.
  EXPECT_EQ(loaded.report.loaded.size(), model_keys);
  EXPECT_EQ(loaded.report.ignored.size(), model_keys + 5 + 5);
  torch::NoGradGuard no_grad;
  const auto image = torch::randn({1, 3, config.img_size, config.img_size});
  const auto ids = torch::tensor({101, 2769, 791, 1921, 102, 0, 0, 0}).unsqueeze(0);
  const auto mask = torch::tensor({1, 1, 1, 1, 1, 0, 0, 0}).unsqueeze(0);
  const auto image_embedding = loaded.model->encode_images(image);
  const auto text_embedding = loaded.model->encode_texts(ids, mask);
  ASSERT_EQ(image_embedding.sizes(), (std::vector<int64_t>{1, config.img_feature_dim}));
  EXPECT_NEAR(image_embedding.norm().item<double>(), 1.0, 1e-5);
  // The loaded (BatchNorm-folded) model computes what the in-memory original computes.
  EXPECT_LT(test::max_abs_diff(image_embedding, original->encode_images(image)), 1e-4);
  EXPECT_LT(test::max_abs_diff(text_embedding, original->encode_texts(ids, mask)), 1e-4);
}

TEST(FullSizeLayout, ReleasedB5AndRobertaBaseLayoutLoadsAndEmbeds) {
  check_layout_loads_and_embeds(official_yaml("tf_efficientnet_b5_ns", 456, 2048, "hfl/chinese-roberta-wwm-ext", 768));
}

TEST(FullSizeLayout, B7AndRobertaLargeLayoutLoadsAndEmbeds) {
  check_layout_loads_and_embeds(official_yaml("tf_efficientnet_b7_ns", 600, 2560, "hfl/chinese-roberta-wwm-ext-large", 1024));
}

}  // namespace
}  // namespace brivl
