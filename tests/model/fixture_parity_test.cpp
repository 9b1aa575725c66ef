// Parity with the official Python pipeline: tests/data/brivl-official-tiny was produced by
// brivl-nmi's example.py (random weights). Embeddings must match within 1e-4, intermediates too.
// The shipped default model likewise: tests/data/brivl-emoji-small-official holds what example.py
// gives for its bundle on the sample images and texts.
#include <fstream>

#include "embed/embedder.h"
#include "model/model_test_support.h"
#include "vision/preprocess.h"

namespace brivl {
namespace {

using test::fixture_file;
using test::load_npy_tensor;
using test::max_abs_diff;

constexpr double kEmbeddingTolerance = 1e-4;

class FixtureParity : public test::SeededTest {
 protected:
  static void SetUpTestSuite() {
    model_ = new LoadedModel(load_model(test::fixture_model_files(), LoadOptions().device("cpu").optimize(false)));
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static torch::Tensor images() {
    std::vector<torch::Tensor> batch;
    for (const auto& p : test::fixture_image_paths()) batch.push_back(load_image_for_model(p, model_->config.img_size));
    return torch::cat(batch);
  }
  static LoadedModel* model_;
};
LoadedModel* FixtureParity::model_ = nullptr;

TEST_F(FixtureParity, PreprocessingMatchesOfficialTransform) {
  EXPECT_LT(max_abs_diff(images(), load_npy_tensor(fixture_file("intermediate/image_input.npy"))), 1e-5);
}

TEST_F(FixtureParity, BoxesMatchImageDataLayout) {
  const auto expected = load_npy_tensor(fixture_file("intermediate/image_boxes.npy"));  // [N, 37, 4]
  const auto boxes = image_boxes(model_->config.img_size, model_->config.box_grid).to(torch::kFloat32);
  for (int64_t n = 0; n < expected.size(0); ++n) EXPECT_EQ(max_abs_diff(boxes, expected[n]), 0.0);
}

TEST_F(FixtureParity, BackboneFeaturesMatch) {
  torch::NoGradGuard no_grad;
  const auto features = model_->model->imgencoder->backbone->forward_features(images());
  const auto expected = load_npy_tensor(fixture_file("intermediate/image_backbone_features.npy"));
  // Features reach |40| after 16 blocks: compare relative to their scale (float32 rounding).
  EXPECT_LT(max_abs_diff(features, expected), 1e-5 * expected.abs().max().item<double>());
}

TEST_F(FixtureParity, RegionPoolingMatchesRoiGridPool) {
  torch::NoGradGuard no_grad;
  const auto features = load_npy_tensor(fixture_file("intermediate/image_backbone_features.npy"));
  const auto pooled = model_->model->imgencoder->region_features(features);
  EXPECT_LT(max_abs_diff(pooled, load_npy_tensor(fixture_file("intermediate/image_roi_pooled.npy"))), 1e-4);
}

TEST_F(FixtureParity, ImageHeadMatchesFromPooledRegions) {
  torch::NoGradGuard no_grad;
  const auto regions = load_npy_tensor(fixture_file("intermediate/image_roi_pooled.npy"));
  const auto out = model_->model->imgencoder->head(regions);
  EXPECT_LT(max_abs_diff(out, load_npy_tensor(fixture_file("intermediate/image_fc_out.npy"))), 1e-4);
}

TEST_F(FixtureParity, ImageEmbeddingsMatch) {
  torch::NoGradGuard no_grad;
  const auto embeddings = model_->model->encode_images(images());
  EXPECT_LT(max_abs_diff(embeddings, load_npy_tensor(fixture_file("expected_image.npy"))), kEmbeddingTolerance);
}

TEST_F(FixtureParity, BertLastHiddenStateMatchesWithoutAttentionMask) {
  torch::NoGradGuard no_grad;
  const auto [ids, mask] = test::fixture_tokens();
  const auto hidden = model_->model->textencoder->backbone->bert(ids);
  EXPECT_LT(max_abs_diff(hidden, load_npy_tensor(fixture_file("intermediate/text_bert_last_hidden.npy"))), 1e-4);
}

TEST_F(FixtureParity, TextEmbeddingsMatch) {
  torch::NoGradGuard no_grad;
  const auto [ids, mask] = test::fixture_tokens();
  const auto embeddings = model_->model->encode_texts(ids, mask);
  EXPECT_LT(max_abs_diff(embeddings, load_npy_tensor(fixture_file("expected_text.npy"))), kEmbeddingTolerance);
}

TEST_F(FixtureParity, SimilarityMatrixMatches) {
  torch::NoGradGuard no_grad;
  const auto [ids, mask] = test::fixture_tokens();
  const auto sim = torch::mm(model_->model->encode_images(images()), model_->model->encode_texts(ids, mask).t());
  EXPECT_LT(max_abs_diff(sim, load_npy_tensor(fixture_file("expected_similarity.npy"))), kEmbeddingTolerance);
}

TEST_F(FixtureParity, ResultsDoNotDependOnBatchComposition) {
  torch::NoGradGuard no_grad;
  const auto all = images();
  const auto together = model_->model->encode_images(all);
  for (int64_t i = 0; i < all.size(0); i += 3) {
    EXPECT_LT(max_abs_diff(model_->model->encode_images(all.narrow(0, i, 1)), together.narrow(0, i, 1)), 1e-5);
  }
}

TEST(FixtureParityOptimized, FoldedBatchNormKeepsEmbeddings) {
  auto model = load_model(test::fixture_model_files(), LoadOptions().device("cpu").optimize(true));
  ASSERT_TRUE(model.model->imgencoder->backbone->batchnorm_folded());
  std::vector<torch::Tensor> batch;
  for (const auto& p : test::fixture_image_paths()) batch.push_back(load_image_for_model(p, model.config.img_size));
  torch::NoGradGuard no_grad;
  EXPECT_LT(max_abs_diff(model.model->encode_images(torch::cat(batch)), load_npy_tensor(fixture_file("expected_image.npy"))),
            kEmbeddingTolerance);
}

TEST(FixtureParityOptimized, InferenceSkipsMomentumHalfOfCheckpoint) {
  const auto model = load_model(test::fixture_model_files(), LoadOptions().device("cpu"));
  const auto file_bytes = static_cast<int64_t>(std::filesystem::file_size(test::fixture_model_file("checkpoint.pth")));
  // 429 online tensors are read; the 439 *_mom / classifier / pooler / position_ids are not.
  EXPECT_EQ(model.report.loaded.size(), 429u);
  EXPECT_EQ(model.report.ignored.size(), 439u);
  for (const auto& key : model.report.ignored) EXPECT_TRUE(is_unused_for_inference(key)) << key;
  EXPECT_LT(model.report.bytes_read, file_bytes);
}

// ---- the shipped default model ----

std::string reference_file(const std::string& name) {
  return std::string(BRIVL_SOURCE_DIR) + "/tests/data/brivl-emoji-small-official/" + name;
}

std::vector<std::string> lines_of(const std::string& path, const std::string& prefix = "") {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(prefix + line);
  }
  return out;
}

torch::Tensor as_tensor(const Matrix& m) {
  return torch::from_blob(const_cast<float*>(m.data.data()), {m.rows, m.cols}, torch::kFloat32).clone();
}

void expect_official_embeddings(bool optimize) {
  EmbedderOptions options;
  options.device = "cpu";
  options.optimize = optimize;
  auto embedder = Embedder::load(ModelFiles::resolve(BRIVL_SHIPPED_MODEL_DIR), options);
  const auto images = lines_of(reference_file("images.txt"), std::string(BRIVL_SOURCE_DIR) + "/assets/samples/");
  const auto texts = lines_of(reference_file("texts.txt"));
  const auto expected_images = test::load_npy_tensor(reference_file("expected_image.npy"));
  const auto expected_texts = test::load_npy_tensor(reference_file("expected_text.npy"));
  ASSERT_EQ(expected_images.size(0), static_cast<int64_t>(images.size()));
  ASSERT_EQ(expected_texts.size(0), static_cast<int64_t>(texts.size()));
  EXPECT_LT(test::max_abs_diff(as_tensor(embedder.embed_images(images)), expected_images), kEmbeddingTolerance);
  EXPECT_LT(test::max_abs_diff(as_tensor(embedder.embed_texts(texts)), expected_texts), kEmbeddingTolerance);
}

TEST(ShippedModelParity, EmbeddingsEqualTheOfficialPipelinesAsComputed) { expect_official_embeddings(false); }

TEST(ShippedModelParity, EmbeddingsEqualTheOfficialPipelinesWithBatchNormFolded) { expect_official_embeddings(true); }

}  // namespace
}  // namespace brivl
