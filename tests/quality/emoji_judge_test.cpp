// The emoji judge (bench/quality) is a classifier trained on renders: on the sample emoji it must
// learn to tell them apart under its augmentation, and survive a save/load.
#include "quality/emoji_judge.h"

#include <gtest/gtest.h>

#include "test_support.h"
#include "vision/image_decode.h"

namespace brivl::quality {
namespace {

TEST(EmojiJudge, LearnsTheSampleEmojiAndSavesAndLoads) {
  const std::string dir = std::string(BRIVL_SOURCE_DIR) + "/assets/samples/";
  std::vector<EmojiClass> classes;
  for (const char* id : {"1F600", "2764", "1F431", "1F34E", "2600", "1F697"})
    classes.push_back({dir + "emoji_" + id + ".png", id, id});
  EmojiJudgeTrainOptions o;
  o.input_size = 32, o.epochs = 200, o.batch_size = 6, o.lr = 1e-3;
  auto judge = EmojiJudge::train(classes, o);
  for (size_t i = 0; i < classes.size(); ++i)
    EXPECT_EQ(judge.top_k(decode_image_file(classes[i].image), 1).front(), static_cast<int64_t>(i)) << classes[i].id;
  const auto [top1, top5] = judge.augmented_accuracy(classes, 10, 3);
  EXPECT_GT(top1, 0.6);  // chance 1/6
  EXPECT_GT(top5, 0.9);
  test::TempDir tmp;
  judge.save(tmp.file("judge.pt"));
  const auto loaded = EmojiJudge::load(tmp.file("judge.pt"));
  EXPECT_EQ(loaded.class_of("2764"), 1);
  for (const auto& c : classes)
    EXPECT_EQ(loaded.top_k(decode_image_file(c.image), 3), judge.top_k(decode_image_file(c.image), 3)) << c.id;
}

}  // namespace
}  // namespace brivl::quality
