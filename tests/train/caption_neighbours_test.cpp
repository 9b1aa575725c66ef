// Hard negatives: which captions count as near, and how an epoch's order is grouped from them.
#include "train/caption_neighbours.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "test_support.h"
#include "text/unicode_text.h"

namespace brivl {
namespace {

int distance(const std::string& a, const std::string& b) {
  return caption_edit_distance(unicode::decode_utf8(a), unicode::decode_utf8(b));
}

TEST(CaptionNeighbours, EditDistanceCountsCodePointsNotBytes) {
  EXPECT_EQ(distance("左上角的大红色圆形", "左上角的大红色圆形"), 0);
  EXPECT_EQ(distance("左上角的大红色圆形", "左上角的大蓝色圆形"), 1);  // 3 bytes each, one character
  EXPECT_EQ(distance("左上角的大红色圆形", "右下角的大红色圆形"), 2);
  EXPECT_EQ(distance("笑脸", "笑"), 1);
  EXPECT_EQ(distance("", "猫"), 1);
  EXPECT_EQ(distance("abc", "cab"), 2);
}

TEST(CaptionNeighbours, NearestAreOneWordAwayAndNeverTheSameCaption) {
  const std::vector<std::string> captions = {
      "左上角的大红色圆形",  // 0
      "左上角的大蓝色圆形",  // 1: colour differs
      "右下角的大红色圆形",  // 2: position differs (2 characters)
      "左上角的大红色圆形",  // 3: the same caption as 0: a duplicate, not a negative
      "一个大的红色圆形在左上角",  // 4: the same picture in other words: far
      "笑脸",                // 5
      "哭脸",                // 6: one character from 5
      "太阳",                // 7: two characters from both: not near for a 2-character text
  };
  const auto near = nearest_captions(captions, 8, "test.csv");
  ASSERT_EQ(near.size(), captions.size());
  EXPECT_EQ(near[0], (std::vector<int64_t>{1, 2}));  // nearest first; 3 (identical) and 4 (reworded) left out
  EXPECT_EQ(near[3], (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(near[5], (std::vector<int64_t>{6}));
  EXPECT_TRUE(near[7].empty());
  EXPECT_TRUE(near[4].empty());
  // k bounds the list.
  EXPECT_EQ(nearest_captions(captions, 1, "test.csv")[0], (std::vector<int64_t>{1}));
}

TEST(CaptionNeighbours, TooManyCaptionsIsAnErrorNamingTheData) {
  const std::vector<std::string> captions(5, "猫");
  EXPECT_BRIVL_ERROR(nearest_captions(captions, 2, "big.csv", 4), "big.csv", "5 images", "at most 4");
}

TEST(CaptionNeighbours, GroupedOrderIsAPermutationWithNeighboursAfterTheirAnchor) {
  // 40 captions: 10 "positions" x 4 "colours"; neighbours are the other colours at one position.
  std::vector<std::string> captions;
  const std::vector<std::string> colours = {"红", "蓝", "绿", "黄"};
  const std::vector<std::string> places = {"甲乙丙", "丁戊己", "庚辛壬", "癸子丑", "寅卯辰",
                                           "巳午未", "申酉戌", "亥天地", "玄黄宇", "宙洪荒"};
  for (const auto& place : places)
    for (const auto& colour : colours) captions.push_back(place + "的" + colour + "色圆形");
  const auto near = nearest_captions(captions, 8, "test.csv");
  for (size_t i = 0; i < captions.size(); ++i) {
    ASSERT_EQ(near[i].size(), 3u) << captions[i];
    for (const int64_t j : near[i]) EXPECT_EQ(static_cast<size_t>(j) / 4, i / 4);
  }
  std::vector<int64_t> order(captions.size());
  std::iota(order.begin(), order.end(), 0);
  std::reverse(order.begin(), order.end());
  const auto grouped = group_near_captions(order, near, 4, 7);
  auto sorted = grouped;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(sorted, [&] { auto o = order; std::sort(o.begin(), o.end()); return o; }());
  // Every run of 4 is one position (anchor + its 3 colour neighbours), anchors in the given order.
  for (size_t g = 0; g < grouped.size(); g += 4) {
    for (size_t m = 1; m < 4; ++m) EXPECT_EQ(grouped[g + m] / 4, grouped[g] / 4) << g;
  }
  EXPECT_EQ(grouped[0], 39);
  // The order inside a group depends on the seed; a group size of 1 keeps the shuffled order.
  EXPECT_NE(group_near_captions(order, near, 4, 7), group_near_captions(order, near, 4, 8));
  EXPECT_EQ(group_near_captions(order, near, 1, 7), order);
  EXPECT_BRIVL_ERROR(group_near_captions(order, near, 0, 7), "group size");
}

}  // namespace
}  // namespace brivl
