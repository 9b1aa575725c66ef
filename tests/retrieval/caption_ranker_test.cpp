// Image -> text ranking against the official pipeline: for every fixture image, the captions'
// scores are the official similarity row (expected_similarity.npy, [images, texts]) and their
// order is that row sorted, best first.
#include "retrieval/caption_ranker.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "model/model_test_support.h"
#include "text/text_lines.h"
#include "util/atomic_file.h"
#include "util/npy.h"

namespace brivl {
namespace {

Embedder fixture_embedder() {
  EmbedderOptions o;
  o.device = "cpu";
  return Embedder::load(test::fixture_model_files(), o);
}

TEST(CaptionRanker, MatchesTheOfficialSimilarityForEveryImage) {
  auto embedder = fixture_embedder();
  const auto texts = read_text_lines(test::fixture_file("texts.txt"));
  const auto images = test::fixture_image_paths();
  const auto expected = read_npy(test::fixture_file("expected_similarity.npy")).as_float();
  ASSERT_EQ(expected.size(), images.size() * texts.size());
  int64_t batches = 0;
  EmbedHooks hooks;
  hooks.on_progress = [&](int64_t, int64_t) { ++batches; };
  const CaptionRanker ranker(embedder, texts, "texts.txt", hooks);
  EXPECT_GE(batches, 1);
  ASSERT_EQ(ranker.size(), texts.size());
  for (size_t i = 0; i < images.size(); ++i) {
    const float* row = expected.data() + i * texts.size();
    std::vector<size_t> order(texts.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return row[a] > row[b]; });
    const auto ranked = ranker.rank_image(embedder, images[i], 5);
    ASSERT_EQ(ranked.size(), 5u);
    for (size_t k = 0; k < ranked.size(); ++k) {
      EXPECT_NEAR(ranked[k].score, row[order[k]], 1e-4) << images[i] << " rank " << k;
      // Texts whose official scores lie within the tolerance of this rank's score may take it in
      // either order (exact ties, e.g. texts equal after truncation, break by the CPU's float
      // rounding); any other text at this rank is wrong.
      bool acceptable = false;
      for (size_t j = 0; j < texts.size(); ++j)
        acceptable |= texts[j] == ranked[k].text && std::abs(row[j] - row[order[k]]) <= 2e-4;
      EXPECT_TRUE(acceptable) << images[i] << " rank " << k << ": " << ranked[k].text << " (official " << texts[order[k]] << ")";
      if (k > 0) EXPECT_GE(ranked[k - 1].score, ranked[k].score);
    }
  }
  EXPECT_EQ(ranker.rank_image(embedder, images[0], 1000).size(), texts.size());  // top beyond the list
}

TEST(CaptionRanker, RejectsAnEmptyListAndAWrongDimensionNamingThem) {
  auto embedder = fixture_embedder();
  EXPECT_BRIVL_ERROR(CaptionRanker(embedder, {}, "labels.txt"), "labels.txt: no captions");
  const CaptionRanker ranker(embedder, {"猫", "狗"}, "two labels");
  EXPECT_BRIVL_ERROR((void)ranker.rank(std::vector<float>(3, 0.5f), 1), "image embedding has 3 values");
}

TEST(CaptionRanker, TiesKeepTheListOrderAndNanRanksLast) {
  auto embedder = fixture_embedder();
  const CaptionRanker ranker(embedder, {"猫", "狗", "红色的圆"}, "three labels");
  const auto dim = static_cast<size_t>(embedder.summary().embedding_dim);
  const auto tied = ranker.rank(std::vector<float>(dim, 0.0f), 3);  // every score 0
  ASSERT_EQ(tied.size(), 3u);
  EXPECT_EQ(tied[0].text, "猫");
  EXPECT_EQ(tied[1].text, "狗");
  EXPECT_EQ(tied[2].text, "红色的圆");
  EXPECT_TRUE(ranker.rank(std::vector<float>(dim, 0.1f), 0).empty());
  std::vector<float> broken(dim, 0.1f);
  broken[0] = std::nanf("");
  const auto ranked = ranker.rank(broken, 3);
  ASSERT_EQ(ranked.size(), 3u);
  for (const auto& r : ranked) EXPECT_FALSE(std::isnan(r.score)) << r.text;
  EXPECT_EQ(ranked[0].text, "猫");  // all NaN: ranked last together, in the list's order
}

TEST(CaptionRanker, CaptionListDropsBlankAndRepeatedLines) {
  test::TempDir dir;
  const std::string path = dir.file("labels.txt");
  write_file_atomically(path, "猫\r\n\n  狗 \n猫\n\u3000\n红色的圆\n");
  EXPECT_EQ(read_caption_list(path), (std::vector<std::string>{"猫", "狗", "红色的圆"}));
  write_file_atomically(path, "\n \n");
  EXPECT_BRIVL_ERROR(read_caption_list(path), "labels.txt: no captions");
}

}  // namespace
}  // namespace brivl
