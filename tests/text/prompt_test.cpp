// Tests for the weighted multi-term prompt syntax (core/text/prompt.h).
#include "text/prompt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "test_support.h"
#include "util/error.h"

namespace brivl {

// Readable failure output for EXPECT_EQ / ElementsAre on terms.
void PrintTo(const PromptTerm& term, std::ostream* os) {
  *os << "{\"" << term.text << "\", " << term.weight << (term.is_image ? ", image}" : "}");
}

namespace {

using ::testing::ElementsAre;

PromptTerm text_term(const std::string& text, double weight = 1.0) { return PromptTerm{text, weight, false}; }
PromptTerm image_term(const std::string& path, double weight = 1.0) { return PromptTerm{path, weight, true}; }

// The single term of a one-term prompt.
PromptTerm only_term(const std::string& prompt) {
  const auto terms = parse_prompt(prompt);
  EXPECT_EQ(terms.size(), 1u) << prompt;
  return terms.empty() ? PromptTerm{} : terms[0];
}

TEST(ParsePrompt, SingleTermDefaultsToWeightOne) {
  EXPECT_THAT(parse_prompt("猫"), ElementsAre(text_term("猫")));
  EXPECT_THAT(parse_prompt("a cat in the snow"), ElementsAre(text_term("a cat in the snow")));
}

TEST(ParsePrompt, ReadsSeveralWeightedTerms) {
  EXPECT_THAT(parse_prompt("猫:1 | 雪地:0.5 | 室内:-0.5 | @ref.jpg:0.3"),
              ElementsAre(text_term("猫", 1), text_term("雪地", 0.5), text_term("室内", -0.5), image_term("ref.jpg", 0.3)));
}

TEST(ParsePrompt, WeightNumberForms) {
  EXPECT_EQ(only_term("猫:2").weight, 2.0);
  EXPECT_EQ(only_term("猫:+2").weight, 2.0);
  EXPECT_EQ(only_term("猫:0.25").weight, 0.25);
  EXPECT_EQ(only_term("猫:.5").weight, 0.5);
  EXPECT_EQ(only_term("猫:2.").weight, 2.0);
  EXPECT_EQ(only_term("猫:1e-1").weight, 0.1);
  EXPECT_EQ(only_term("猫:2E+3").weight, 2000.0);
  EXPECT_EQ(only_term("猫:007").weight, 7.0);
  EXPECT_THAT(parse_prompt("猫|狗:-0.5|鱼:-3e0|鸟:0"),
              ElementsAre(text_term("猫"), text_term("狗", -0.5), text_term("鱼", -3), text_term("鸟", 0)));
  EXPECT_TRUE(std::signbit(parse_prompt("猫|狗:-0")[1].weight));
}

TEST(ParsePrompt, FullWidthBarAndColon) {
  EXPECT_THAT(parse_prompt("猫：2｜雪地:0.5｜室内：-1"),
              ElementsAre(text_term("猫", 2), text_term("雪地", 0.5), text_term("室内", -1)));
}

TEST(ParsePrompt, TrimsPythonWhitespaceIncludingIdeographicSpace) {
  EXPECT_THAT(parse_prompt("  猫 : 2 \t|\u3000雪地\u3000：\u30000.5\u3000\n"),
              ElementsAre(text_term("猫", 2), text_term("雪地", 0.5)));
  EXPECT_EQ(only_term("\u3000 white  cat \u3000").text, "white  cat");  // inner spaces kept
}

TEST(ParsePrompt, ColonAfterDigitStaysText) {
  EXPECT_EQ(only_term("12:30"), text_term("12:30"));
  EXPECT_EQ(only_term("时间 12:30 的街道"), text_term("时间 12:30 的街道"));
  EXPECT_EQ(only_term("比例 3:4 的图"), text_term("比例 3:4 的图"));
  EXPECT_EQ(only_term("比例 3：4"), text_term("比例 3：4"));
  EXPECT_EQ(only_term("猫:2:3"), text_term("猫:2:3"));  // only the last colon counts
  // Whitespace before the colon makes a weight for text that ends in a digit.
  EXPECT_EQ(only_term("第3 :2"), text_term("第3", 2));
  EXPECT_EQ(only_term("12:30 :0.5"), text_term("12:30", 0.5));
}

TEST(ParsePrompt, ColonWithoutANumberAfterItStaysText) {
  EXPECT_EQ(only_term("a:b"), text_term("a:b"));
  EXPECT_EQ(only_term("a:b:2"), text_term("a:b", 2));
  EXPECT_EQ(only_term("猫:"), text_term("猫:"));
  EXPECT_EQ(only_term("猫: "), text_term("猫:"));
  EXPECT_EQ(only_term("：)"), text_term("：)"));
  for (const std::string weight : {"inf", "nan", "0x10", "1e", "--1", "+-1", "1.2.3", "1 2", "e5", ".", "２", "1_0"}) {
    EXPECT_EQ(only_term("猫:" + weight), text_term("猫:" + weight)) << weight;
  }
}

TEST(ParsePrompt, EscapedBarAndColonAreLiteral) {
  EXPECT_EQ(only_term(R"(a\|b)"), text_term("a|b"));
  EXPECT_EQ(only_term(R"(a\｜b)"), text_term("a｜b"));
  EXPECT_EQ(only_term(R"(猫\:2)"), text_term("猫:2"));
  EXPECT_EQ(only_term(R"(猫\：2)"), text_term("猫：2"));
  EXPECT_EQ(only_term(R"(a\:b:2)"), text_term("a:b", 2));
  EXPECT_THAT(parse_prompt(R"(a\\|b)"), ElementsAre(text_term(R"(a\)"), text_term("b")));
  EXPECT_EQ(only_term(R"(a\\:2)"), text_term(R"(a\)", 2));
  EXPECT_EQ(only_term(R"(a\\\|b)"), text_term(R"(a\|b)"));
}

TEST(ParsePrompt, OtherBackslashesAreKept) {
  EXPECT_EQ(only_term(R"(@C:\images\cat.jpg:0.5)"), image_term(R"(C:\images\cat.jpg)", 0.5));
  EXPECT_EQ(only_term(R"(a\nb)"), text_term(R"(a\nb)"));
  EXPECT_EQ(only_term(R"(end\)"), text_term(R"(end\)"));
}

TEST(ParsePrompt, ImageTerms) {
  EXPECT_EQ(only_term("@cat.jpg:0.5"), image_term("cat.jpg", 0.5));
  EXPECT_EQ(only_term("@/data/参考 图.png"), image_term("/data/参考 图.png"));
  EXPECT_EQ(only_term("  @ cat.jpg : 2 "), image_term("cat.jpg", 2));
  EXPECT_THAT(parse_prompt("猫 | @ref.jpg:-0.5"), ElementsAre(text_term("猫"), image_term("ref.jpg", -0.5)));
  EXPECT_EQ(only_term("a@b.com"), text_term("a@b.com"));  // only a leading @ counts
}

TEST(ParsePrompt, DoubleAtIsALiteralLeadingAt) {
  EXPECT_EQ(only_term("@@brivl:2"), text_term("@brivl", 2));
  EXPECT_EQ(only_term("@@"), text_term("@"));
  EXPECT_EQ(only_term("@@@x"), text_term("@@x"));
}

TEST(ParsePrompt, EmptyPromptIsAnError) {
  EXPECT_BRIVL_ERROR(parse_prompt(""), "empty prompt");
  EXPECT_BRIVL_ERROR(parse_prompt(" \t\n"), "empty prompt");
  EXPECT_BRIVL_ERROR(parse_prompt("\u3000"), "empty prompt");
}

TEST(ParsePrompt, EmptyTermNamesItsPosition) {
  EXPECT_BRIVL_ERROR(parse_prompt("a||b"), "prompt \"a||b\"", "term 2 is empty");
  EXPECT_BRIVL_ERROR(parse_prompt("a|b|"), "term 3 is empty");
  EXPECT_BRIVL_ERROR(parse_prompt("|a"), "term 1 is empty");
  EXPECT_BRIVL_ERROR(parse_prompt("a｜\u3000｜b"), "term 2 is empty");
  EXPECT_BRIVL_ERROR(parse_prompt("|"), "term 1 is empty");
}

TEST(ParsePrompt, MalformedTermsNameTheirPosition) {
  EXPECT_BRIVL_ERROR(parse_prompt("猫 | :2"), "term 2 has a weight but no text");
  EXPECT_BRIVL_ERROR(parse_prompt("猫 | @:1"), "term 2 is an image term", "without a path");
  EXPECT_BRIVL_ERROR(parse_prompt("@"), "term 1 is an image term");
  EXPECT_BRIVL_ERROR(parse_prompt("猫 | 狗:1e999"), "term 2", "1e999", "out of range");
}

TEST(ParsePrompt, NeedsAPositiveTerm) {
  EXPECT_BRIVL_ERROR(parse_prompt("猫:-1"), "prompt \"猫:-1\"", "at least one positive term");
  EXPECT_BRIVL_ERROR(parse_prompt("猫:-1 | 狗:0"), "at least one positive term");
  EXPECT_BRIVL_ERROR(parse_prompt("猫:0"), "at least one positive term");
  EXPECT_NO_THROW(parse_prompt("猫:-1 | @ref.jpg:0.1"));
}

TEST(ParsePrompt, InvalidUtf8IsReplacedNotFatal) {
  // Each maximal ill-formed subsequence becomes U+FFFD, as in Python's errors="replace".
  EXPECT_EQ(only_term("\xff猫:2"), text_term("\xEF\xBF\xBD猫", 2));
  EXPECT_EQ(only_term("\xE7\x8C"), text_term("\xEF\xBF\xBD"));  // truncated 猫
  EXPECT_THAT(parse_prompt("a|\xC0\xAF|b"), ElementsAre(text_term("a"), text_term("\xEF\xBF\xBD\xEF\xBF\xBD"), text_term("b")));
  EXPECT_BRIVL_ERROR(parse_prompt("a|\xff\xfe:-1|"), "term 3 is empty");
}

TEST(FormatPrompt, WritesTheCanonicalForm) {
  EXPECT_EQ(format_prompt({text_term("猫"), text_term("雪地", 0.5), text_term("室内", -0.5), image_term("ref.jpg", 0.3)}),
            "猫:1 | 雪地:0.5 | 室内:-0.5 | @ref.jpg:0.3");
  EXPECT_EQ(format_prompt({text_term("12:30")}), "12:30 :1");
  EXPECT_EQ(format_prompt({text_term("@brivl", 2)}), "@@brivl:2");
  EXPECT_EQ(format_prompt({text_term("a|b｜c:d")}), R"(a\|b\｜c:d:1)");
  EXPECT_EQ(format_prompt({image_term(R"(C:\dir\a.jpg)")}), R"(@C:\dir\a.jpg:1)");
  EXPECT_EQ(format_prompt({text_term(R"(x\|\)")}), R"(x\\\|\\:1)");
  EXPECT_EQ(format_prompt({text_term("t", 1e-7), text_term("u", 1.0 / 3)}), "t:1e-07 | u:0.3333333333333333");
}

TEST(FormatPrompt, RejectsTermsTheParserCouldNotReturn) {
  EXPECT_BRIVL_ERROR(format_prompt({}), "no terms");
  EXPECT_BRIVL_ERROR(format_prompt({text_term("猫"), text_term("")}), "term 2", "empty text");
  EXPECT_BRIVL_ERROR(format_prompt({text_term(" 猫")}), "term 1", "whitespace");
  EXPECT_BRIVL_ERROR(format_prompt({text_term("猫\u3000")}), "whitespace");
  EXPECT_BRIVL_ERROR(format_prompt({text_term("\xff")}), "not valid UTF-8");
  EXPECT_BRIVL_ERROR(format_prompt({image_term("@x.jpg")}), "image path starting with @");
  EXPECT_BRIVL_ERROR(format_prompt({text_term("猫", std::numeric_limits<double>::quiet_NaN())}), "non-finite");
  EXPECT_BRIVL_ERROR(format_prompt({text_term("猫", std::numeric_limits<double>::infinity())}), "non-finite");
  EXPECT_BRIVL_ERROR(format_prompt({text_term("猫", -1), text_term("狗", 0)}), "at least one positive term");
}

TEST(FormatPrompt, RoundTripsParsedPrompts) {
  const std::vector<std::string> prompts = {
      "猫",
      "猫:1 | 雪地:0.5 | 室内:-0.5 | @ref.jpg:0.3",
      "  一只 猫 ：+2 ｜\u3000雪地\u3000",
      "时间 12:30 的街道 | 比例 3:4 的图:0.25",
      R"(a\|b\:c | 反斜杠\\ : 2 | end\)",
      R"(@C:\images\猫.jpg:.5 | @@brivl:1e-3 | 狗:-1E2)",
      "12:30 :7 | 第3 :-0.125",
      "a photo of a dog | a painting:-0.3333333333333333 | x:1e+300",
      "@@ | @ 带空格 路径.png : 0 | 鱼:-0",
      "\xff猫:2 | 😺:0.1",
      R"(\\server\share\a.jpg | a::1 | ：：)",
  };
  for (const auto& prompt : prompts) {
    const auto terms = parse_prompt(prompt);
    const std::string canonical = format_prompt(terms);
    EXPECT_EQ(parse_prompt(canonical), terms) << prompt << " -> " << canonical;
    EXPECT_EQ(format_prompt(parse_prompt(canonical)), canonical) << prompt;
  }
}

TEST(FormatPrompt, RoundTripsAwkwardTerms) {
  const std::vector<PromptTerm> terms = {
      text_term("ends in a digit 9", 0.1),   text_term(R"(trailing backslash\)", -2),
      text_term("has | bar and ｜ bar"),      text_term("colons: 1:2 and ：", 1e-300),
      text_term("@leading at", 123456789.0), image_term("path with : colon.jpg", 0.7),
      image_term(R"(back\slash\|.png)"),     text_term(R"(\:)", -0.0),
      text_term("3"),                        text_term("猫 :2", 2.5),
  };
  EXPECT_EQ(parse_prompt(format_prompt(terms)), terms) << format_prompt(terms);
}

}  // namespace
}  // namespace brivl
