// Tests for reading text and image lists with Python readlines() + strip() semantics (core/text/text_lines.h).
#include "text/text_lines.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.h"
#include "util/error.h"

namespace brivl {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// read_text_lines of a scratch file holding `bytes`.
std::vector<std::string> lines_of(const std::string& bytes) {
  test::TempDir dir;
  write_bytes(dir.file("texts.txt"), bytes);
  return read_text_lines(dir.file("texts.txt"));
}

TEST(ReadTextLines, FixtureTextsMatchPythonReadlinesStrip) {
  std::vector<std::string> expected;
  std::ifstream in(test::fixture_file("tokens.jsonl"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) expected.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
  }
  ASSERT_EQ(expected.size(), 16u);
  const auto lines = read_text_lines(test::fixture_file("texts.txt"));
  EXPECT_EQ(lines, expected);
  ASSERT_EQ(lines.size(), 16u);
  EXPECT_EQ(lines[8], "前后都有空格的一句话");
  EXPECT_EQ(lines[9], "全角空格开头的文本");  // U+3000 on both sides is whitespace for str.strip()
  EXPECT_EQ(lines[12], "");                 // whitespace-only line stays as an empty text
  EXPECT_EQ(lines[15], "制表符\t分隔的\t文本 and unbelievable transformers");  // inner tabs kept
}

TEST(ReadTextLines, AcceptsCrLfAndLoneCrLineEnds) {
  EXPECT_THAT(lines_of("a\r\nb\rc\nd"), ElementsAre("a", "b", "c", "d"));
  // "\r\r\n" is a lone "\r" and then a "\r\n": two line ends.
  EXPECT_THAT(lines_of("x\r\r\ny\r\n"), ElementsAre("x", "", "y"));
}

TEST(ReadTextLines, FinalLineWithoutNewlineCounts) {
  EXPECT_THAT(lines_of("first\nlast"), ElementsAre("first", "last"));
  EXPECT_THAT(lines_of("first\nlast\n"), ElementsAre("first", "last"));  // no extra empty line
  EXPECT_THAT(lines_of("only"), ElementsAre("only"));
}

TEST(ReadTextLines, KeepsEmptyLinesAsEmptyTexts) {
  EXPECT_THAT(lines_of("a\n\n \t\nb\n"), ElementsAre("a", "", "", "b"));
  EXPECT_THAT(lines_of("\n"), ElementsAre(""));
  EXPECT_THAT(lines_of(""), IsEmpty());
}

TEST(ReadTextLines, StripsPythonWhitespaceOnly) {
  // \x1c-\x1f, NBSP, U+2028 and U+3000 are str.isspace(); U+200B (zero width space) is not.
  EXPECT_THAT(lines_of("\x1c\x1dtext\x1e\x1f\n\u00a0t2\u2028\n\u3000\u200bt3\u3000\n"),
              ElementsAre("text", "t2", "\u200bt3"));
}

TEST(ReadTextLines, OnlyNewlineAndCarriageReturnEndLines) {
  // readlines() in text mode does not split at \v, \f, NEL, U+2028 (str.splitlines() would).
  EXPECT_THAT(lines_of("a\vb\fc\u0085d\u2028e\u2029f\n"), ElementsAre("a\vb\fc\u0085d\u2028e\u2029f"));
}

TEST(ReadTextLines, RemovesUtf8ByteOrderMarkAtStartOnly) {
  EXPECT_THAT(lines_of("\xEF\xBB\xBFhello\nworld\n"), ElementsAre("hello", "world"));
  // U+FEFF elsewhere is text (not whitespace for str.strip()).
  EXPECT_THAT(lines_of("a\n\xEF\xBB\xBF" "b\n"), ElementsAre("a", "\xEF\xBB\xBF" "b"));
}

TEST(ReadTextLines, InvalidUtf8NamesFileAndLine) {
  test::TempDir dir;
  write_bytes(dir.file("bad.txt"), "ok\r\nstill ok\n\xff\xfe latin-1?\n");
  EXPECT_BRIVL_ERROR(read_text_lines(dir.file("bad.txt")), dir.file("bad.txt") + ":3:", "UTF-8");
  // An encoded surrogate (CESU-8) is not valid UTF-8 either.
  write_bytes(dir.file("surrogate.txt"), "\xED\xA0\x80\n");
  EXPECT_BRIVL_ERROR(read_text_lines(dir.file("surrogate.txt")), "surrogate.txt:1:");
}

TEST(ReadTextLines, MissingFileNamesThePath) {
  EXPECT_BRIVL_ERROR(read_text_lines("/nonexistent/brivl/texts.txt"), "/nonexistent/brivl/texts.txt");
}

TEST(ReadPathList, RelativeEntriesAreTakenFromTheListFolder) {
  test::TempDir dir;
  write_bytes(dir.file("list.txt"), "a.png\nsub/b.jpg\r\n  c.png  \n/abs/d.png");
  const auto base = dir.path();
  EXPECT_THAT(read_path_list(dir.file("list.txt")),
              ElementsAre((base / "a.png").string(), (base / "sub/b.jpg").string(), (base / "c.png").string(),
                          "/abs/d.png"));
}

TEST(ReadPathList, RelativeEntriesUseAnExplicitRoot) {
  test::TempDir dir;
  write_bytes(dir.file("list.txt"), "a.png\nsub/b.jpg\n/abs/d.png\n");
  EXPECT_THAT(read_path_list(dir.file("list.txt"), "/data/root"),
              ElementsAre("/data/root/a.png", "/data/root/sub/b.jpg", "/abs/d.png"));
}

TEST(ReadPathList, FixtureImageListResolvesToExistingFiles) {
  const auto paths = read_path_list(test::fixture_file("images.txt"), test::fixture_file("images"));
  ASSERT_EQ(paths.size(), 8u);
  EXPECT_EQ(paths.front(), test::fixture_file("images") + "/01_landscape_120x80.png");
  for (const auto& p : paths) EXPECT_TRUE(std::filesystem::is_regular_file(p)) << p;
}

TEST(ReadPathList, BlankLineIsAnErrorNamingTheLine) {
  test::TempDir dir;
  write_bytes(dir.file("list.txt"), "a.png\nb.png\n\nc.png\n");
  EXPECT_BRIVL_ERROR(read_path_list(dir.file("list.txt")), dir.file("list.txt") + ":3:", "empty line");
  write_bytes(dir.file("spaces.txt"), "a.png\n \u3000 \n");
  EXPECT_BRIVL_ERROR(read_path_list(dir.file("spaces.txt")), "spaces.txt:2:");
}

TEST(ReadPathList, TrailingNewlineAddsNoEntry) {
  test::TempDir dir;
  write_bytes(dir.file("list.txt"), "a.png\r\n");
  EXPECT_THAT(read_path_list(dir.file("list.txt"), "/r"), ElementsAre("/r/a.png"));
}

}  // namespace
}  // namespace brivl
