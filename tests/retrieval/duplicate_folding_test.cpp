// Near-duplicate folding of ranked results: what folds, into which result, and what stays apart.
#include "retrieval/duplicate_folding.h"

#include <cmath>

#include "test_support.h"

namespace brivl {
namespace {

// A unit vector in 2-D at `angle` radians: the cosine of two of them is cos(difference).
std::vector<float> at_angle(double angle) { return {static_cast<float>(std::cos(angle)), static_cast<float>(std::sin(angle))}; }
// The angle whose cosine is `c`.
double angle_of(double c) { return std::acos(c); }

std::vector<std::string> paths(const std::vector<SearchHit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.path);
  return out;
}

TEST(DuplicateFolding, ExactDuplicateFoldsIntoTheBetterResult) {
  const std::vector<SearchHit> hits = {{"a.jpg", 0.9f, 0}, {"a-copy.jpg", 0.9f, 1}, {"b.jpg", 0.5f, 2}};
  const auto folded = fold_near_duplicates(hits, {at_angle(0), at_angle(0), at_angle(1.0)}, {});
  ASSERT_EQ(folded.size(), 2u);
  EXPECT_EQ(folded[0].hit.path, "a.jpg");
  ASSERT_EQ(folded[0].duplicates.size(), 1u);
  EXPECT_EQ(folded[0].duplicates[0].path, "a-copy.jpg");
  EXPECT_FLOAT_EQ(folded[0].duplicates[0].score, 0.9f);  // the duplicate keeps its own score
  EXPECT_EQ(folded[1].hit.path, "b.jpg");
  EXPECT_TRUE(folded[1].duplicates.empty());
}

TEST(DuplicateFolding, ThresholdDecidesNearDuplicates) {
  const std::vector<SearchHit> hits = {{"a", 0.8f, 0}, {"near", 0.79f, 1}};
  FoldOptions o;
  o.threshold = 0.97f;
  // Cosine 0.975 between the two: folded; 0.965: kept apart.
  EXPECT_EQ(fold_near_duplicates(hits, {at_angle(0), at_angle(angle_of(0.975))}, o).size(), 1u);
  EXPECT_EQ(fold_near_duplicates(hits, {at_angle(0), at_angle(angle_of(0.965))}, o).size(), 2u);
  o.threshold = 0.96f;
  EXPECT_EQ(fold_near_duplicates(hits, {at_angle(0), at_angle(angle_of(0.965))}, o).size(), 1u);
}

TEST(DuplicateFolding, OrderIsKeptAndDuplicatesGoUnderTheirBestCopy) {
  // a, b far apart; a2 near a; b2 near b; c far from both. Ranked a, b, a2, c, b2.
  const std::vector<SearchHit> hits = {{"a", 0.9f, 0}, {"b", 0.8f, 1}, {"a2", 0.7f, 2}, {"c", 0.6f, 3}, {"b2", 0.5f, 4}};
  const auto folded = fold_near_duplicates(
      hits, {at_angle(0), at_angle(1.0), at_angle(0.05), at_angle(2.0), at_angle(1.02)}, {});
  ASSERT_EQ(folded.size(), 3u);
  EXPECT_EQ(folded[0].hit.path, "a");
  EXPECT_EQ(folded[1].hit.path, "b");
  EXPECT_EQ(folded[2].hit.path, "c");
  EXPECT_EQ(paths(folded[0].duplicates), std::vector<std::string>{"a2"});
  EXPECT_EQ(paths(folded[1].duplicates), std::vector<std::string>{"b2"});
}

TEST(DuplicateFolding, NeverFoldsIntoAWorseResultAndDoesNotChain) {
  // x1 ≈ x2 ≈ x3 in steps of 0.15 rad (cos 0.989), x1 and x3 0.3 rad apart (cos 0.955).
  const std::vector<SearchHit> hits = {{"x1", 0.9f, 0}, {"x2", 0.8f, 1}, {"x3", 0.7f, 2}};
  const auto folded = fold_near_duplicates(hits, {at_angle(0), at_angle(0.15), at_angle(0.3)}, {});
  ASSERT_EQ(folded.size(), 2u);
  EXPECT_EQ(folded[0].hit.path, "x1");  // the best copy heads the group
  EXPECT_EQ(paths(folded[0].duplicates), std::vector<std::string>{"x2"});
  EXPECT_EQ(folded[1].hit.path, "x3");  // near x2 only, and x2 is a duplicate, not a result
  // A list that is not best first would fold a better result under a worse one: refused.
  EXPECT_BRIVL_ERROR(fold_near_duplicates({{"worse", 0.5f, 0}, {"better", 0.9f, 1}}, {at_angle(0), at_angle(0)}, {}),
                     "not best first", "better");
}

TEST(DuplicateFolding, BadInputIsRejectedWithReasons) {
  FoldOptions o;
  o.threshold = 0.0f;
  EXPECT_BRIVL_ERROR(fold_near_duplicates({}, {}, o), "fold threshold 0", "(0, 1]");
  o.threshold = 1.5f;
  EXPECT_BRIVL_ERROR(validate(o), "fold threshold 1.5");
  EXPECT_BRIVL_ERROR(fold_near_duplicates({{"a", 1.0f, 0}}, {}, {}), "1 results with 0 vectors");
  EXPECT_BRIVL_ERROR(fold_near_duplicates({{"a", 1.0f, 0}, {"b", 0.5f, 1}}, {{1, 0}, {1, 0, 0}}, {}), "b has a vector of 3");
  EXPECT_TRUE(fold_near_duplicates({}, {}, {}).empty());
}

}  // namespace
}  // namespace brivl
