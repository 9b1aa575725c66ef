#include "train/retrieval_metrics.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace brivl {
namespace {

TEST(RetrievalMetrics, HandComputedRanks) {
  // 3 texts x 3 images; text t belongs to image t. Text 0 ranks its image first, text 1 second,
  // text 2 third.
  const std::vector<float> sim = {0.9f, 0.1f, 0.0f,   //
                                  0.8f, 0.5f, 0.1f,   //
                                  0.3f, 0.2f, 0.1f};
  const auto m = retrieval_metrics(sim, 3, 3, {0, 1, 2}, {caption_key("a"), caption_key("b"), caption_key("c")});
  EXPECT_EQ(m.images, 3);
  EXPECT_EQ(m.texts, 3);
  EXPECT_NEAR(m.t2i.r1, 1.0 / 3, 1e-12);
  EXPECT_NEAR(m.t2i.r5, 1.0, 1e-12);
  EXPECT_NEAR(m.t2i.mean_rank, (1 + 2 + 3) / 3.0, 1e-12);
  // image 0: column (0.9, 0.8, 0.3) -> its text first; image 1: (0.1, 0.5, 0.2) first;
  // image 2: (0.0, 0.1, 0.1) -> its text ties with text 1: ties count against the query.
  EXPECT_NEAR(m.i2t.r1, 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.i2t.mean_rank, (1 + 1 + 2) / 3.0, 1e-12);
}

TEST(RetrievalMetrics, EqualCaptionsCountAsHits) {
  // Two images share the caption "x": a text query finding either image is a hit.
  const std::vector<float> sim = {0.1f, 0.9f, 0.0f,   // text 0 ("x", image 0) prefers image 1 (also "x")
                                  0.1f, 0.9f, 0.0f,   // text 1 ("x", image 1)
                                  0.0f, 0.5f, 0.2f};  // text 2 ("y", image 2) prefers image 1 ("x"): miss
  const auto x = caption_key("x"), y = caption_key("y");
  const auto m = retrieval_metrics(sim, 3, 3, {0, 1, 2}, {x, x, y});
  EXPECT_NEAR(m.t2i.r1, 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.t2i.mean_rank, (1 + 1 + 2) / 3.0, 1e-12);
  // image 0's column (0.1, 0.1, 0.0): texts 0 and 1 are both "x" -> hit at rank 1.
  EXPECT_NEAR(m.i2t.r1, 1.0, 1e-12);
}

TEST(RetrievalMetrics, ConstantScoresAreNotPerfect) {
  const int64_t n = 50;
  std::vector<float> sim(n * n, 0.5f);
  std::vector<int64_t> owner(n);
  std::vector<uint64_t> keys(n);
  for (int64_t i = 0; i < n; ++i) owner[i] = i, keys[i] = caption_key(std::to_string(i));
  const auto m = retrieval_metrics(sim, n, n, owner, keys);
  EXPECT_EQ(m.t2i.r1, 0.0);
  EXPECT_EQ(m.i2t.r10, 0.0);
  EXPECT_EQ(m.t2i.mean_rank, static_cast<double>(n));
}

TEST(RetrievalMetrics, JsonHasTheDocumentedShape) {
  const auto m = retrieval_metrics({1.0f}, 1, 1, {0}, {caption_key("a")});
  const auto j = nlohmann::json::parse(m.to_json());
  EXPECT_EQ(j["n"], 1);
  EXPECT_EQ(j["t2i"]["r1"], 1.0);
  EXPECT_EQ(j["i2t"]["r10"], 1.0);
  EXPECT_TRUE(j["i2t"].contains("mean_rank"));
}

TEST(RetrievalMetrics, InconsistentSizesThrow) {
  EXPECT_THROW(retrieval_metrics({1.0f, 2.0f}, 1, 1, {0}, {1}), Error);
  EXPECT_THROW(retrieval_metrics({1.0f}, 1, 1, {3}, {1}), Error);
}

TEST(ZeroShot, TopOneAndTopFive) {
  // 2 images x 6 labels.
  const std::vector<float> sim = {0.9f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f,   // truth 0: rank 1
                                  0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.1f};  // truth 5: rank 6
  const auto z = zero_shot_metrics(sim, 2, 6, {0, 5});
  EXPECT_EQ(z.top1, 0.5);
  EXPECT_EQ(z.top5, 0.5);
}

}  // namespace
}  // namespace brivl
