#include "text/colour_words.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace brivl {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::vector<std::string> kSix = {"红色", "黄色", "绿色", "蓝色", "紫色", "白色"};

TEST(ColourRivals, ThePromptInEveryOtherListedColour) {
  EXPECT_THAT(colour_rivals("右上角的大黄色正方形", kSix),
              ElementsAre("右上角的大红色正方形", "右上角的大绿色正方形", "右上角的大蓝色正方形", "右上角的大紫色正方形",
                          "右上角的大白色正方形"));
  // A colour the list does not hold still has every listed rival.
  EXPECT_EQ(colour_rivals("橙色的猫", kSix).size(), 6u);
  EXPECT_THAT(colour_rivals("橙色的猫", {"黑色", "橙色"}), ElementsAre("黑色的猫"));
  EXPECT_THAT(colour_rivals("  红色的花  ", {"白色"}), ElementsAre("白色的花"));  // the stripped term
}

TEST(ColourRivals, TheNamedColourIsTheOneColourWord) {
  EXPECT_EQ(named_colour("右上角的大黄色正方形"), "黄色");
  EXPECT_EQ(named_colour("棕色的狗"), "棕色");
  EXPECT_EQ(named_colour("猫"), "");
  EXPECT_EQ(named_colour("红色的花和绿色的叶子"), "");
  EXPECT_EQ(named_colour("粉红色的花"), "");
  EXPECT_EQ(named_colour("红色的花 | 猫"), "");
}

TEST(ColourRivals, NoneWhereTheColourIsNotOneWord) {
  EXPECT_THAT(colour_rivals("猫", kSix), IsEmpty());                   // no colour
  EXPECT_THAT(colour_rivals("红色的花和绿色的叶子", kSix), IsEmpty());  // two colours
  EXPECT_THAT(colour_rivals("红色的红色", kSix), IsEmpty());           // one, twice
  EXPECT_THAT(colour_rivals("粉红色的花", kSix), IsEmpty());           // 粉红色 is not 红色
  EXPECT_THAT(colour_rivals("红色的花:2", kSix), IsEmpty());           // weighted
  EXPECT_THAT(colour_rivals("红色的花 | 猫", kSix), IsEmpty());        // several terms
  EXPECT_THAT(colour_rivals("@红色.png", kSix), IsEmpty());            // an image
  EXPECT_THAT(colour_rivals("a||b", kSix), IsEmpty());                // not a prompt (imagine says so)
  EXPECT_THAT(colour_rivals("红色的花", {}), IsEmpty());               // no rivals asked for
}

TEST(ColourRivals, TheListIsKnownWordsEachOnce) {
  EXPECT_THAT(parse_colour_words("", "--colour-rivals"), IsEmpty());
  EXPECT_EQ(parse_colour_words("红色,黄色,绿色,蓝色,紫色,白色", "--colour-rivals"), kSix);
  EXPECT_EQ(parse_colour_words("红色,橙色,黄色,绿色,青色,蓝色,紫色,粉色,白色,灰色,黑色,棕色", "x"), colour_words());
  EXPECT_BRIVL_ERROR(parse_colour_words("红色,金色", "--colour-rivals"), "--colour-rivals: '金色' is not a colour word");
  EXPECT_BRIVL_ERROR(parse_colour_words("红色,", "--colour-rivals"), "'' is not a colour word");
  EXPECT_BRIVL_ERROR(parse_colour_words("红色, 黄色", "--colour-rivals"), "' 黄色' is not a colour word");
  EXPECT_BRIVL_ERROR(parse_colour_words("白色,白色", "--colour-rivals"), "'白色' is listed twice");
}

}  // namespace
}  // namespace brivl
