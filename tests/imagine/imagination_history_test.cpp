// The studio's imagination history: entries are the exported PNG (settings embedded) plus a run
// record; listed newest first, unique ids within a second, delete removes both files, and files
// that are not entries are reported by name instead of breaking the listing.
#include "imagine/imagination_history.h"

#include <filesystem>
#include <set>

#include "export/image_export.h"
#include "test_support.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

RgbImage gradient(int w, int h) {
  RgbImage im{w, h, std::vector<uint8_t>(static_cast<size_t>(w * h * 3))};
  for (size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = static_cast<uint8_t>(i * 7);
  return im;
}

std::string settings_json(const std::string& prompt, uint64_t seed) {
  ImagineSettings s;
  s.prompt = prompt;
  s.seed = seed;
  s.steps = 12;
  s.tv_weight = 0.05;
  s.augment.perspective = 0.2;
  s.engine_version = kImagineEngineVersion;
  return s.to_json();
}

std::chrono::system_clock::time_point at(std::time_t t) { return std::chrono::system_clock::from_time_t(t); }

TEST(ImaginationHistory, AddsAndListsNewestFirstWithSettingsAndOutcome) {
  test::TempDir dir;
  ImaginationHistory history(dir.file("history/sub"));  // created on demand
  ImagineOutcome o;
  o.similarity = 0.8125;
  o.seconds = 3.5;
  o.curve = {{1, 0.1}, {2, std::nan("")}, {12, 0.8125}};
  const auto first = history.add(gradient(8, 6), settings_json("红色的圆", 7), o, at(1795000000));
  const auto second = history.add(gradient(4, 4), settings_json("蓝色的方块:1 | 圆:-0.5", 8), {}, at(1795000100));
  EXPECT_EQ(first.id, "20261118-110640-s7");
  EXPECT_EQ(first.created, "2026-11-18T11:06:40.000Z");
  EXPECT_TRUE(fs::exists(first.image_path));
  // The entry's image is an ordinary export: its settings read back as they were given.
  EXPECT_EQ(read_image_settings(first.image_path), settings_json("红色的圆", 7));
  EXPECT_EQ(decode_image_file(first.image_path).pixels, gradient(8, 6).pixels);

  const auto listing = history.list();
  EXPECT_TRUE(listing.problems.empty());
  ASSERT_EQ(listing.entries.size(), 2u);
  EXPECT_EQ(listing.entries[0].id, second.id);
  EXPECT_EQ(listing.entries[1].id, first.id);
  const auto& e = listing.entries[1];
  EXPECT_EQ(e.settings.prompt, "红色的圆");
  EXPECT_EQ(e.settings.seed, 7u);
  EXPECT_DOUBLE_EQ(e.settings.augment.perspective, 0.2);  // every setting, not just the visible ones
  EXPECT_EQ(e.settings_json, settings_json("红色的圆", 7));
  EXPECT_EQ(e.created, "2026-11-18T11:06:40.000Z");
  EXPECT_DOUBLE_EQ(e.outcome.similarity, 0.8125);
  EXPECT_DOUBLE_EQ(e.outcome.seconds, 3.5);
  ASSERT_EQ(e.outcome.curve.size(), 3u);
  EXPECT_EQ(e.outcome.curve[2], (std::pair<int, double>{12, 0.8125}));
  EXPECT_TRUE(std::isnan(e.outcome.curve[1].second));
  EXPECT_TRUE(std::isnan(listing.entries[0].outcome.similarity));  // not measured: stays unknown
}

TEST(ImaginationHistory, SameSecondAndSeedGetDistinctIds) {
  test::TempDir dir;
  ImaginationHistory history(dir.path().string());
  const auto a = history.add(gradient(2, 2), settings_json("猫", 1), {}, at(1795000000));
  const auto b = history.add(gradient(2, 2), settings_json("狗", 1), {}, at(1795000000));
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(b.id, a.id + "-2");
  EXPECT_EQ(history.list().entries.front().settings.prompt, "狗");  // the later one first
}

TEST(ImaginationHistory, ListsByTimeNotByNameAndDatesCopiedFilesByTheirFileTime) {
  test::TempDir dir;
  ImaginationHistory history(dir.path().string());
  const auto t = at(1795000000);
  history.add(gradient(2, 2), settings_json("先", 42), {}, t + 100ms);
  history.add(gradient(2, 2), settings_json("后", 100), {}, t + 600ms);  // same second, "s100" < "s42" by name
  const auto older = history.add(gradient(2, 2), settings_json("更早", 9), {}, t - 5s);
  // A PNG copied in without a record: dated by the file (now), so it lists first.
  fs::copy_file(older.image_path, dir.file("copied.png"));
  const auto listing = history.list();
  ASSERT_EQ(listing.entries.size(), 4u);
  EXPECT_EQ(listing.entries[0].id, "copied");
  EXPECT_FALSE(listing.entries[0].created.empty());
  EXPECT_EQ(listing.entries[1].settings.prompt, "后");
  EXPECT_EQ(listing.entries[1].created, "2026-11-18T11:06:40.600Z");
  EXPECT_EQ(listing.entries[2].settings.prompt, "先");
  EXPECT_EQ(listing.entries[3].settings.prompt, "更早");
}

TEST(ImaginationHistory, RemoveDeletesTheEntryAndRefusesUnknownIds) {
  test::TempDir dir;
  ImaginationHistory history(dir.path().string());
  const auto a = history.add(gradient(2, 2), settings_json("猫", 1), {}, at(1795000000));
  const auto b = history.add(gradient(2, 2), settings_json("狗", 2), {}, at(1795000001));
  history.remove(a.id);
  EXPECT_FALSE(fs::exists(a.image_path));
  EXPECT_FALSE(fs::exists(dir.file(a.id + ".run.json")));
  ASSERT_EQ(history.list().entries.size(), 1u);
  EXPECT_EQ(history.list().entries[0].id, b.id);
  EXPECT_BRIVL_ERROR(history.remove(a.id), "no imagination \"" + a.id + "\"");
  EXPECT_BRIVL_ERROR(history.remove("../x"), "not a history entry id");
}

TEST(ImaginationHistory, ForeignAndBrokenFilesAreReportedByName) {
  test::TempDir dir;
  ImaginationHistory history(dir.path().string());
  const auto good = history.add(gradient(2, 2), settings_json("猫", 1), {}, at(1795000000));
  write_file_atomically(dir.file("holiday.png"), read_file(good.image_path));  // a copy is an entry too
  write_image_with_settings(dir.file("bad-settings.png"), gradient(2, 2), R"({"prompt": 3})");
  write_file_atomically(dir.file("broken.png"), "\x89PNG\r\n\x1a\n not really");
  write_file_atomically(dir.file("notes.txt"), "ignored: not a PNG");
  write_file_atomically(dir.file(good.id + ".run.json"), "[1, 2]");
  fs::create_symlink(dir.file("gone.png"), dir.file("dangling.png"));  // no entry, no failed listing
  const auto listing = history.list();
  ASSERT_EQ(listing.entries.size(), 2u);
  // Both are dated by their files now (no readable record), within a millisecond or two.
  const std::set<std::string> ids = {listing.entries[0].id, listing.entries[1].id};
  EXPECT_EQ(ids, (std::set<std::string>{"holiday", good.id}));
  for (const auto& e : listing.entries) {
    EXPECT_TRUE(std::isnan(e.outcome.similarity)) << e.id;  // a damaged record loses the outcome, not the entry
    EXPECT_EQ(e.settings.prompt, "猫") << e.id;
  }
  ASSERT_EQ(listing.problems.size(), 3u) << ::testing::PrintToString(listing.problems);
  EXPECT_THAT(listing.problems[0], ::testing::StartsWith("20261118-110640-s1.run.json: "));
  EXPECT_THAT(listing.problems[0], ::testing::HasSubstr("not a JSON object"));
  EXPECT_THAT(listing.problems[1], ::testing::StartsWith("bad-settings.png: "));
  EXPECT_THAT(listing.problems[2], ::testing::StartsWith("broken.png: "));
}

TEST(ImaginationHistory, RejectsSettingsItCouldNotReplay) {
  test::TempDir dir;
  ImaginationHistory history(dir.path().string());
  EXPECT_BRIVL_ERROR(history.add(gradient(2, 2), "{not json", {}), "the imagination's settings");
  EXPECT_TRUE(history.list().entries.empty());
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace brivl
