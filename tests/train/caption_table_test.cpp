// Tests for the trainer's caption tables: CSV/TSV/JSONL reading, bad-row reports, splits, writing
// (core/train/caption_table.h).
#include "train/caption_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "test_support.h"
#include "util/error.h"

namespace brivl {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Creates an (empty) image file `relative` under `dir`, with its folders; returns its path.
std::string touch(const test::TempDir& dir, const std::string& relative) {
  const auto path = dir.path() / relative;
  fs::create_directories(path.parent_path());
  test::write_bytes(path.string(), "");
  return path.lexically_normal().string();
}

std::string abs_in(const test::TempDir& dir, const std::string& relative) {
  return (dir.path() / relative).lexically_normal().string();
}

CaptionTable read_bytes_as(const test::TempDir& dir, const std::string& name, const std::string& bytes,
                           const CaptionTableOptions& options = {}) {
  test::write_bytes(dir.file(name), bytes);
  return read_caption_table(dir.file(name), options);
}

TEST(ReadCaptionTable, CsvQuotesCommasNewlinesBomAndCrLf) {
  test::TempDir dir;
  for (const char* name : {"images/a.png", "images/b.png", "images/c.png", "images/d.png"}) touch(dir, name);
  const std::string csv =
      "\xEF\xBB\xBFimage,text\r\n"
      "images/a.png,\"猫, 在桌子上\"\r\n"
      "images/b.png,\"他说\"\"你好\"\"\"\r\n"
      "images/c.png,\"第一行\r\n第二行\"\r\n"
      "images/d.png,\xE3\x80\x80 全角空格包围 \xE3\x80\x80\r\n";
  const auto table = read_bytes_as(dir, "captions.csv", csv);
  EXPECT_EQ(table.source, dir.file("captions.csv"));
  EXPECT_THAT(table.images, ElementsAre(abs_in(dir, "images/a.png"), abs_in(dir, "images/b.png"),
                                        abs_in(dir, "images/c.png"), abs_in(dir, "images/d.png")));
  ASSERT_EQ(table.texts.size(), 4u);
  EXPECT_THAT(table.texts[0], ElementsAre("猫, 在桌子上"));
  EXPECT_THAT(table.texts[1], ElementsAre("他说\"你好\""));
  EXPECT_THAT(table.texts[2], ElementsAre("第一行\r\n第二行"));
  EXPECT_THAT(table.texts[3], ElementsAre("全角空格包围"));  // ASCII and U+3000 trimmed
  EXPECT_THAT(table.lines, ElementsAre(2, 3, 4, 6));         // the quoted newline spans line 4-5
  EXPECT_EQ(table.location(3), "captions.csv:6");
  EXPECT_EQ(table.pairs(), 4);
  EXPECT_TRUE(table.skipped.empty());
}

TEST(ReadCaptionTable, CsvHeaderIsCaseInsensitiveAndOtherColumnsAreIgnored) {
  test::TempDir dir;
  touch(dir, "a.jpg");
  const auto table = read_bytes_as(dir, "DATA.CSV", "id, Image_Path ,CAPTION,source\n1,a.jpg,一只猫,web\n  \n\n");
  EXPECT_THAT(table.images, ElementsAre(abs_in(dir, "a.jpg")));
  EXPECT_THAT(table.texts[0], ElementsAre("一只猫"));
}

TEST(ReadCaptionTable, TsvHasNoQuoting) {
  test::TempDir dir;
  touch(dir, "a.png");
  touch(dir, "b.png");
  const auto table =
      read_bytes_as(dir, "pairs.tsv", "filename\tcaptions\na.png\t一只狗, 在草地上\nb.png\t\"引号\"保留\r\n");
  EXPECT_THAT(table.images, ElementsAre(abs_in(dir, "a.png"), abs_in(dir, "b.png")));
  EXPECT_THAT(table.texts[0], ElementsAre("一只狗, 在草地上"));
  EXPECT_THAT(table.texts[1], ElementsAre("\"引号\"保留"));
}

TEST(ReadCaptionTable, JsonlWithStringAndArrayTexts) {
  test::TempDir dir;
  touch(dir, "a.png");
  touch(dir, "b.png");
  const auto c = touch(dir, "elsewhere/c.png");
  const std::string jsonl =
      "{\"image\": \"a.png\", \"text\": \"一只猫\"}\n"
      "\n"
      "   \n"
      "{\"Path\": \"b.png\", \"texts\": [\"小狗\", \" 草地上的小狗 \"]}\r\n"
      "{\"file\": \"" +
      c +
      "\", \"captions\": \"远处的山\", \"extra\": 1}\n"
      "{\"image\": \"./a.png\", \"caption\": [\"坐着的猫\"]}\n";
  const auto table = read_bytes_as(dir, "pairs.jsonl", jsonl);
  EXPECT_THAT(table.images, ElementsAre(abs_in(dir, "a.png"), abs_in(dir, "b.png"), c));
  EXPECT_THAT(table.texts[0], ElementsAre("一只猫", "坐着的猫"));
  EXPECT_THAT(table.texts[1], ElementsAre("小狗", "草地上的小狗"));
  EXPECT_THAT(table.texts[2], ElementsAre("远处的山"));
  EXPECT_THAT(table.lines, ElementsAre(1, 4, 5));
  EXPECT_EQ(table.pairs(), 5);
  EXPECT_TRUE(table.skipped.empty()) << table.skipped.summary();

  const auto same = read_bytes_as(dir, "pairs.json-lines", jsonl);
  EXPECT_EQ(same.images, table.images);
}

TEST(ReadCaptionTable, RelativePathsResolveAgainstTheDataFilesFolder) {
  test::TempDir dir;
  const auto shared = touch(dir, "shared/x.png");
  touch(dir, "data/images/a.png");
  const auto absolute = touch(dir, "abs/y.png");
  fs::create_directories(dir.path() / "data");
  const auto table = read_bytes_as(dir, "data/list.csv",
                                   "image,text\n"
                                   "../shared/x.png,共享\n"
                                   "./images/a.png,一\n"
                                   "images//a.png,二\n" +
                                       absolute + ",绝对路径\n");
  EXPECT_THAT(table.images, ElementsAre(shared, abs_in(dir, "data/images/a.png"), absolute));
  EXPECT_THAT(table.texts[1], ElementsAre("一", "二"));
  for (const auto& image : table.images) EXPECT_TRUE(fs::path(image).is_absolute()) << image;
}

TEST(ReadCaptionTable, SeveralCaptionsPerImageAreGroupedAndDeduplicated) {
  test::TempDir dir;
  touch(dir, "a.png");
  touch(dir, "b.png");
  const auto table = read_bytes_as(dir, "c.csv",
                                   "image,text\n"
                                   "a.png,猫\n"
                                   "b.png,狗\n"
                                   "a.png,睡觉的猫\n"
                                   "a.png, 猫 \n");
  EXPECT_THAT(table.images, ElementsAre(abs_in(dir, "a.png"), abs_in(dir, "b.png")));
  EXPECT_THAT(table.texts[0], ElementsAre("猫", "睡觉的猫"));
  EXPECT_THAT(table.texts[1], ElementsAre("狗"));
  EXPECT_EQ(table.pairs(), 3);
  EXPECT_EQ(table.skipped.counts.at(skip_reason::kDuplicateCaption), 1);
  EXPECT_THAT(table.skipped.examples.at(skip_reason::kDuplicateCaption), ElementsAre("c.csv:5"));
}

TEST(ReadCaptionTable, CsvBadRowsAreCountedAndNamedNeverThrown) {
  test::TempDir dir;
  touch(dir, "images/ok.png");
  const std::string csv =
      "image,text\n"                    // 1
      "images/ok.png,好的\n"            // 2
      "images/ok.png,\n"                // 3 empty text
      "images/ok.png, \xE3\x80\x80 \n"  // 4 whitespace-only text
      ",没有图片\n"                     // 5 missing image
      "images/gone.png,图片不存在\n"    // 6 missing image file
      "images/ok.png,多,一列\n"         // 7 wrong column count
      "images/ok.png,\xFF\xFE\n"        // 8 not UTF-8
      "images/gone.png,\"又一个\n"      // 9 unterminated quote (swallows the rest)
      "images/ok.png,后面\n";
  const auto table = read_bytes_as(dir, "captions.csv", csv);
  EXPECT_THAT(table.images, ElementsAre(abs_in(dir, "images/ok.png")));
  EXPECT_THAT(table.texts[0], ElementsAre("好的"));
  const auto& report = table.skipped;
  EXPECT_EQ(report.total(), 7);
  EXPECT_EQ(report.counts.at(skip_reason::kEmptyText), 2);
  EXPECT_EQ(report.counts.at(skip_reason::kMissingImage), 1);
  EXPECT_EQ(report.counts.at(skip_reason::kMissingImageFile), 1);
  EXPECT_EQ(report.counts.at(skip_reason::kWrongColumnCount), 1);
  EXPECT_EQ(report.counts.at(skip_reason::kNotUtf8), 1);
  EXPECT_EQ(report.counts.at(skip_reason::kUnterminatedQuote), 1);
  const auto summary = report.summary();
  EXPECT_THAT(summary, HasSubstr("skipped 7 rows: 2 empty text (captions.csv:3, captions.csv:4)"));
  EXPECT_THAT(summary, HasSubstr("1 missing image (captions.csv:5)"));
  EXPECT_THAT(summary, HasSubstr("1 missing image file (captions.csv:6: images/gone.png)"));
  EXPECT_THAT(summary, HasSubstr("1 wrong column count (captions.csv:7: 3 fields, the header has 2)"));
  EXPECT_THAT(summary, HasSubstr("1 not UTF-8 (captions.csv:8)"));
  EXPECT_THAT(summary, HasSubstr("1 unterminated quote (captions.csv:9)"));
}

TEST(ReadCaptionTable, JsonlBadRowsAreCountedAndNamed) {
  test::TempDir dir;
  touch(dir, "ok.png");
  const std::string jsonl =
      "{\"image\": \"ok.png\", \"text\": \"好\"}\n"               // 1
      "{\"image\": \"ok.png\", \"text\": \"坏\"\n"                // 2 malformed
      "[\"ok.png\", \"数组\"]\n"                                  // 3 not an object
      "{\"text\": \"没有图片\"}\n"                                // 4 missing image
      "{\"image\": 7, \"text\": \"数字\"}\n"                      // 5 wrong type
      "{\"image\": \"ok.png\", \"texts\": []}\n"                  // 6 empty text
      "{\"image\": \"ok.png\"}\n"                                 // 7 empty text
      "{\"image\": \"ok.png\", \"texts\": [\"新\", 3, \" \"]}\n"  // 8 one kept, one type, one empty
      "{\"image\": \"nope.png\", \"text\": \"不存在\"}\n";        // 9 missing file
  const auto table = read_bytes_as(dir, "rows.jsonl", jsonl);
  EXPECT_THAT(table.texts[0], ElementsAre("好", "新"));
  const auto& counts = table.skipped.counts;
  EXPECT_EQ(counts.at(skip_reason::kMalformedJson), 2);
  EXPECT_EQ(counts.at(skip_reason::kMissingImage), 1);
  EXPECT_EQ(counts.at(skip_reason::kWrongFieldType), 2);
  EXPECT_EQ(counts.at(skip_reason::kEmptyText), 3);
  EXPECT_EQ(counts.at(skip_reason::kMissingImageFile), 1);
  const auto summary = table.skipped.summary();
  EXPECT_THAT(summary, HasSubstr("2 malformed JSON (rows.jsonl:2, rows.jsonl:3: a JSON array)"));
  EXPECT_THAT(summary, HasSubstr("3 empty text (rows.jsonl:6, rows.jsonl:7, rows.jsonl:8)"));
  EXPECT_THAT(summary,
              HasSubstr("2 wrong field type (rows.jsonl:5: image is a number, rows.jsonl:8: text is a number)"));
  EXPECT_THAT(summary, HasSubstr("1 missing image file (rows.jsonl:9: nope.png)"));
}

TEST(SkipReport, SummaryOrdersByCountAndKeepsFiveExamples) {
  SkipReport report;
  EXPECT_EQ(report.summary(), "no rows skipped");
  report.add("empty text", "c.csv:9");
  EXPECT_EQ(report.summary(), "skipped 1 row: 1 empty text (c.csv:9)");
  for (int i = 1; i <= 7; ++i) report.add("missing image file", "c.csv:" + std::to_string(i) + ": x.png");
  report.add("undecodable image", "/data/y.png");
  EXPECT_EQ(report.total(), 9);
  EXPECT_EQ(report.examples.at("missing image file").size(), SkipReport::kMaxExamples);
  EXPECT_EQ(report.summary(),
            "skipped 9 rows: 7 missing image file (c.csv:1: x.png, c.csv:2: x.png, c.csv:3: x.png, c.csv:4: x.png, "
            "c.csv:5: x.png, …), 1 empty text (c.csv:9), 1 undecodable image (/data/y.png)");
}

TEST(ReadCaptionTable, WholeFileProblemsAreErrorsNamingTheFile) {
  test::TempDir dir;
  EXPECT_BRIVL_ERROR(read_bytes_as(dir, "notes.txt", "image,text\n"), "notes.txt", ".csv, .tsv, .jsonl or .json-lines");
  EXPECT_BRIVL_ERROR(read_caption_table(dir.file("absent.csv")), "absent.csv", "cannot open");
  EXPECT_BRIVL_ERROR(read_bytes_as(dir, "empty.csv", "\xEF\xBB\xBF\r\n"), "empty.csv", "no header row");
  EXPECT_BRIVL_ERROR(read_bytes_as(dir, "header.tsv", "image\ttext\n\n"), "header.tsv", "no data rows");
  EXPECT_BRIVL_ERROR(read_bytes_as(dir, "blank.jsonl", "\n\n"), "blank.jsonl", "no data rows");
  EXPECT_BRIVL_ERROR(read_bytes_as(dir, "wide.csv", std::string("\xFF\xFEi\0m", 5)), "wide.csv", "UTF-16");
  EXPECT_BRIVL_ERROR(read_bytes_as(dir, "bad.csv", "image,text\nnope.png,不存在\n,空\n"), "bad.csv", "no usable rows",
                     "skipped 2 rows", "bad.csv:2: nope.png", "bad.csv:3");
}

TEST(ReadCaptionTable, MissingOrAmbiguousColumnListsTheHeader) {
  test::TempDir dir;
  EXPECT_BRIVL_ERROR(read_bytes_as(dir, "a.csv", "picture,text\nx.png,猫\n"), "a.csv", "no image column",
                     "\"picture\", \"text\"", "image, image_path, path, file, filename");
  EXPECT_BRIVL_ERROR(read_bytes_as(dir, "b.tsv", "image\tlabel\nx.png\t猫\n"), "b.tsv", "no text column",
                     "\"image\", \"label\"", "text, caption, texts, captions");
  EXPECT_BRIVL_ERROR(read_bytes_as(dir, "c.csv", "image,text,Caption\nx.png,猫,狗\n"), "c.csv", "several text columns",
                     "\"text\", \"Caption\"");
}

// A table of `n` synthetic images under `dir` (not created: check_files_exist = false).
CaptionTable synthetic(const test::TempDir& dir, int n, const std::string& name = "big.csv") {
  std::string csv = "image,text\n";
  for (int i = 0; i < n; ++i) {
    csv += "img/" + std::to_string(i) + ".jpg,图片 " + std::to_string(i) + "\n";
    if (i % 3 == 0) csv += "img/" + std::to_string(i) + ".jpg,第二个描述 " + std::to_string(i) + "\n";
  }
  CaptionTableOptions options;
  options.check_files_exist = false;
  return read_bytes_as(dir, name, csv, options);
}

std::set<std::string> names(const CaptionTable& table) {
  std::set<std::string> out;
  for (const auto& image : table.images) out.insert(fs::path(image).filename().string());
  return out;
}

TEST(SplitCaptionTable, DeterministicBySeedAndByImage) {
  test::TempDir dir;
  const auto table = synthetic(dir, 1000);
  ASSERT_EQ(table.images.size(), 1000u);
  const auto a = split_caption_table(table, 0.2, 7);
  const auto b = split_caption_table(table, 0.2, 7);
  const auto c = split_caption_table(table, 0.2, 8);
  EXPECT_EQ(a.validation.images, b.validation.images);
  EXPECT_EQ(a.train.images, b.train.images);
  EXPECT_NE(a.validation.images, c.validation.images);

  // Every image on exactly one side, with all its captions; original order kept on each side.
  EXPECT_EQ(a.train.images.size() + a.validation.images.size(), 1000u);
  EXPECT_EQ(a.train.pairs() + a.validation.pairs(), table.pairs());
  std::set<std::string> train(a.train.images.begin(), a.train.images.end());
  for (const auto& image : a.validation.images) EXPECT_EQ(train.count(image), 0u) << image;
  for (const auto* side : {&a.train, &a.validation}) {
    size_t last = 0;
    for (size_t i = 0; i < side->images.size(); ++i) {
      const size_t at = std::find(table.images.begin(), table.images.end(), side->images[i]) - table.images.begin();
      ASSERT_LT(at, table.images.size());
      EXPECT_EQ(side->texts[i], table.texts[at]);
      EXPECT_EQ(side->lines[i], table.lines[at]);
      if (i > 0) {
        EXPECT_GT(at, last);
      }
      last = at;
    }
    EXPECT_EQ(side->source, table.source);
    EXPECT_TRUE(side->skipped.empty());
  }
  const auto v = a.validation.images.size();
  EXPECT_GE(v, 150u);
  EXPECT_LE(v, 250u);
  const auto half = split_caption_table(table, 0.5, 1).validation.images.size();
  EXPECT_GE(half, 440u);
  EXPECT_LE(half, 560u);
}

TEST(SplitCaptionTable, DoesNotDependOnWhereTheDataLivesOrOnRowOrder) {
  test::TempDir one, two;
  const auto a = split_caption_table(synthetic(one, 200), 0.25, 99);
  const auto b = split_caption_table(synthetic(two, 200, "other-name.csv"), 0.25, 99);
  EXPECT_EQ(names(a.validation), names(b.validation));

  CaptionTableOptions options;
  options.check_files_exist = false;
  const auto forward = read_bytes_as(one, "f.csv", "image,text\nimg/1.jpg,一\nimg/2.jpg,二\nimg/3.jpg,三\n", options);
  const auto backward = read_bytes_as(one, "b.csv", "image,text\nimg/3.jpg,三\nimg/2.jpg,二\nimg/1.jpg,一\n", options);
  const auto sf = split_caption_table(forward, 0.5, 3);
  const auto sb = split_caption_table(backward, 0.5, 3);
  EXPECT_EQ(names(sf.validation), names(sb.validation));
}

TEST(SplitCaptionTable, EdgeFractionsAndPinnedHash) {
  static_assert(splitmix64(0) == 0xe220a8397b1dcdafULL, "SplitMix64 reference value");
  EXPECT_EQ(splitmix64(1), 0x910a2dec89025cc1ULL);

  test::TempDir dir;
  const auto table = synthetic(dir, 20);
  const auto none = split_caption_table(table, 0.0, 5);
  EXPECT_THAT(none.validation.images, IsEmpty());
  EXPECT_EQ(none.train.images, table.images);
  const auto tiny = split_caption_table(table, 1e-9, 5);  // at least one validation image
  EXPECT_EQ(tiny.validation.images.size(), 1u);
  const auto most = split_caption_table(table, 1.0 - 1e-12, 5);  // at least one training image
  EXPECT_EQ(most.train.images.size(), 1u);
  EXPECT_BRIVL_ERROR(split_caption_table(table, 1.0, 5), "big.csv", "[0, 1)");
  EXPECT_BRIVL_ERROR(split_caption_table(table, -0.1, 5), "[0, 1)");

  // Pinned: the split must not change across versions or platforms (runs record only the seed).
  // Checked against an independent Python implementation of the documented hash.
  EXPECT_EQ(names(split_caption_table(table, 0.3, 42).validation),
            (std::set<std::string>{"3.jpg", "7.jpg", "9.jpg", "10.jpg", "11.jpg", "15.jpg", "16.jpg", "19.jpg"}));
}

TEST(WriteCaptionCsv, RoundTripsAndWritesPathsRelativeToTheRunFolder) {
  test::TempDir dir;
  touch(dir, "run/inside.png");
  const auto outside = touch(dir, "data/outside.png");
  touch(dir, "run/with, comma.png");
  test::write_bytes(dir.file("data/in.jsonl"),
                    "{\"image\": \"../run/inside.png\", \"texts\": [\"他说\\\"好\\\", 然后\", \"两行\\n文本\"]}\n"
                    "{\"image\": \"outside.png\", \"text\": \"外面\"}\n"
                    "{\"image\": \"../run/with, comma.png\", \"text\": \"逗号\"}\n");
  const auto table = read_caption_table(dir.file("data/in.jsonl"));
  ASSERT_EQ(table.images.size(), 3u);

  write_caption_csv(dir.file("run/validation.csv"), table);
  EXPECT_EQ(test::read_bytes(dir.file("run/validation.csv")),
            "image,text\n"
            "inside.png,\"他说\"\"好\"\", 然后\"\n"
            "inside.png,\"两行\n文本\"\n" +
                outside +
                ",外面\n"
                "\"with, comma.png\",逗号\n");
  const auto back = read_caption_table(dir.file("run/validation.csv"));
  EXPECT_EQ(back.images, table.images);
  EXPECT_EQ(back.texts, table.texts);
  EXPECT_TRUE(back.skipped.empty());
  EXPECT_THAT(back.lines, ElementsAre(2, 5, 6));
}

}  // namespace
}  // namespace brivl
