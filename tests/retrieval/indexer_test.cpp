// Incremental indexing of a folder and exact search, on the fixture model: unchanged files are
// skipped, renamed ones reuse vectors, modified ones are re-embedded, deleted ones pruned, broken
// ones recorded with a reason; a cancelled run keeps its work and the next run finishes it.
#include "retrieval/indexer.h"

#include <filesystem>

#include "model/model_test_support.h"
#include "retrieval/exact_index.h"
#include "retrieval/file_scan.h"
#include "util/atomic_file.h"
#include "util/fingerprint.h"

namespace brivl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class Indexer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    EmbedderOptions o;
    o.device = "cpu";
    embedder_ = new Embedder(Embedder::load(test::fixture_model_files(), o));
  }
  static void TearDownTestSuite() {
    delete embedder_;
    embedder_ = nullptr;
  }
  void SetUp() override {
    photos_ = dir_.path() / "照片 2024";
    fs::create_directories(photos_ / "sub");
    const auto images = test::fixture_image_paths();
    fs::copy_file(images[0], photos_ / "风景.png");
    fs::copy_file(images[4], photos_ / "sub" / "photo one.jpg");
    fs::copy_file(images[6], photos_ / "palette.png");
    write_file_atomically((photos_ / "empty.jpg").string(), "");
    write_file_atomically((photos_ / "notes.png").string(), "not an image");
    const auto png = read_file(images[7]);
    write_file_atomically((photos_ / "cut.png").string(), png.substr(0, png.size() / 2));
    write_file_atomically((photos_ / "readme.txt").string(), "ignored: not an image extension");
  }
  Catalog open_catalog() {
    auto c = Catalog::open(dir_.file("index.db"), true);
    bind_model(c, test::fixture_model_files(), file_fingerprint(test::fixture_model_files().checkpoint), 128);
    return c;
  }
  IndexReport index(Catalog& c, const IndexHooks& hooks = {}, int decode_threads = 0) {
    IndexOptions o;
    o.roots = {photos_.string()};
    o.commit_every = 2;
    o.decode_threads = decode_threads;
    return update_index(c, *embedder_, o, hooks);
  }
  static Embedder* embedder_;
  test::TempDir dir_;
  fs::path photos_;
};
Embedder* Indexer::embedder_ = nullptr;

TEST_F(Indexer, IndexesGoodImagesAndRecordsBrokenOnesWithReasons) {
  auto c = open_catalog();
  const auto r = index(c);
  EXPECT_EQ(r.found, 6);  // readme.txt is not an image file name
  EXPECT_EQ(r.embedded, 3);
  EXPECT_EQ(r.skipped, 3);
  EXPECT_EQ(c.file_count(), 3);
  const auto skipped = c.skipped_files();
  ASSERT_EQ(skipped.size(), 3u);
  for (const auto& s : skipped) EXPECT_THAT(s.reason, HasSubstr(s.path));  // the reason names the file
}

// Decoding runs on worker threads but results are taken in scan order: the catalog, the report and
// the skip list are the same for any number of threads.
TEST_F(Indexer, AnyNumberOfDecodeThreadsGivesTheSameCatalog) {
  std::vector<std::vector<CatalogEntry>> entries;
  std::vector<std::vector<std::string>> skips;
  for (int threads : {1, 3, 8}) {
    fs::remove(dir_.file("index.db"));
    auto c = open_catalog();
    const auto r = index(c, {}, threads);
    EXPECT_EQ(r.embedded, 3) << threads;
    EXPECT_EQ(r.skipped, 3) << threads;
    entries.push_back(c.entries());
    skips.emplace_back();
    for (const auto& s : r.new_skips) skips.back().push_back(s.path + " | " + s.reason);
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    ASSERT_EQ(entries[i].size(), entries[0].size());
    for (size_t k = 0; k < entries[0].size(); ++k) {
      EXPECT_EQ(entries[i][k].path, entries[0][k].path);
      EXPECT_EQ(entries[i][k].vector, entries[0][k].vector);
    }
    EXPECT_EQ(skips[i], skips[0]);
  }
}

// Two copies of one new photo in the same batch: embedded once, both files point at the vector.
TEST_F(Indexer, CopiesOfANewPhotoInOneRunAreEmbeddedOnce) {
  fs::copy_file(photos_ / "风景.png", photos_ / "风景 copy.png");
  auto c = open_catalog();
  const auto r = index(c);
  EXPECT_EQ(r.embedded, 3);
  EXPECT_EQ(r.reused, 1);
  EXPECT_EQ(c.file_count(), 4);
  EXPECT_EQ(c.embedding_count(), 3);
  const auto entries = c.entries();
  const auto at = [&](const std::string& name) {
    for (const auto& e : entries)
      if (fs::path(e.path).filename() == name) return e.vector;
    ADD_FAILURE() << name << " not indexed";
    return std::vector<float>{};
  };
  EXPECT_EQ(at("风景.png"), at("风景 copy.png"));
}

TEST_F(Indexer, SecondRunSkipsEverythingUnchanged) {
  auto c = open_catalog();
  index(c);
  const auto r = index(c);
  EXPECT_EQ(r.unchanged, 3);
  EXPECT_EQ(r.skipped, 3);  // known broken files are not retried while unchanged
  EXPECT_EQ(r.embedded, 0);
  EXPECT_TRUE(r.new_skips.empty());
}

TEST_F(Indexer, RenamedFileReusesItsVectorAndTheOldPathIsPruned) {
  auto c = open_catalog();
  index(c);
  fs::rename(photos_ / "palette.png", photos_ / "sub" / "调色板.png");
  const auto r = index(c);
  EXPECT_EQ(r.reused, 1);
  EXPECT_EQ(r.embedded, 0);
  EXPECT_EQ(r.pruned, 1);
  EXPECT_EQ(c.file_count(), 3);
  EXPECT_EQ(c.embedding_count(), 3);
  EXPECT_TRUE(c.file((photos_ / "sub" / "调色板.png").string()).has_value());
  EXPECT_FALSE(c.file((photos_ / "palette.png").string()).has_value());
}

TEST_F(Indexer, ModifiedFileIsReembeddedAndDeletedFileForgotten) {
  auto c = open_catalog();
  index(c);
  fs::copy_file(test::fixture_image_paths()[1], photos_ / "风景.png", fs::copy_options::overwrite_existing);
  fs::remove(photos_ / "sub" / "photo one.jpg");
  const auto r = index(c);
  EXPECT_EQ(r.embedded, 1);
  EXPECT_EQ(r.pruned, 1);
  EXPECT_EQ(c.file_count(), 2);
  EXPECT_EQ(c.embedding_count(), 2);  // the old vectors of both files are gone
}

TEST_F(Indexer, CancelledRunKeepsItsWorkAndTheNextRunFinishes) {
  auto c = open_catalog();
  int64_t seen = 0;
  IndexHooks hooks;
  hooks.on_progress = [&](int64_t done, int64_t) { seen = done; };
  hooks.should_cancel = [&] { return seen == 3; };
  EXPECT_THROW(index(c, hooks), Cancelled);
  EXPECT_GT(c.file_count() + static_cast<int64_t>(c.skipped_files().size()), 0);
  const auto r = index(c);
  EXPECT_EQ(c.file_count(), 3);
  EXPECT_EQ(r.embedded + r.unchanged, 3);
}

TEST_F(Indexer, ImageQueryFindsItselfFirstAndTextQueryRanksAll) {
  auto c = open_catalog();
  index(c);
  const auto entries = c.entries();
  const auto query = embedder_->embed_prompt("@" + (photos_ / "风景.png").string());
  const ExactIndex exact(entries);
  const auto hits = exact.search(query, 10, -1.0f);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].path, (photos_ / "风景.png").string());
  EXPECT_NEAR(hits[0].score, 1.0, 1e-5);
  EXPECT_GE(hits[0].score, hits[1].score);
  const auto text_hits = exact.search(embedder_->embed_prompt("一只猫 | 室内:-0.5"), 2, -1.0f);
  EXPECT_EQ(text_hits.size(), 2u);
  EXPECT_TRUE(exact.search(query, 10, 1.5f).empty());  // nothing scores above 1
}

TEST_F(Indexer, RefusesAnIndexBuiltWithAnotherModel) {
  auto c = open_catalog();
  EXPECT_BRIVL_ERROR(bind_model(c, test::fixture_model_files(), "size:1 crc32:0", 128), "another model");
}

TEST(Search, CutoffStandsOutFromTheScoreDistribution) {
  // 40 unit vectors in 2-D at known angles to the query (1, 0), scores cos(angle): 5 close
  // matches (angles 0..0.08) stand out from 35 unrelated ones (angles 1.2..1.54).
  std::vector<CatalogEntry> entries;
  std::vector<double> scores;
  for (int i = 0; i < 40; ++i) {
    const double angle = i < 5 ? 0.02 * i : 1.2 + 0.01 * (i - 5);
    entries.push_back({"img" + std::to_string(i), {static_cast<float>(std::cos(angle)), static_cast<float>(std::sin(angle))}});
    scores.push_back(std::cos(angle));
  }
  double mean = 0, sq = 0;
  for (double s : scores) mean += s / 40;
  for (double s : scores) sq += (s - mean) * (s - mean) / 40;
  const auto cutoff = relevance_cutoff(ExactIndex(entries).scores({1.0f, 0.0f}));
  EXPECT_NEAR(cutoff.score, mean + 1.5 * std::sqrt(sq), 1e-4);
  EXPECT_THAT(cutoff.rule, HasSubstr("of 40 scores"));
  const auto hits = ExactIndex(entries).search({1.0f, 0.0f}, 100, cutoff.score);
  ASSERT_EQ(hits.size(), 5u);
  EXPECT_EQ(hits.front().path, "img0");
  // Evenly spread scores: nothing stands out, the best result is still shown.
  for (int i = 0; i < 40; ++i) entries[i].vector = {static_cast<float>(std::cos(0.04 * i)), static_cast<float>(std::sin(0.04 * i))};
  const ExactIndex even_index(entries);
  const auto even = relevance_cutoff(even_index.scores({1.0f, 0.0f}));
  EXPECT_EQ(even_index.search({1.0f, 0.0f}, 100, even.score).size(), 1u);
  entries.resize(10);
  EXPECT_EQ(relevance_cutoff(ExactIndex(entries).scores({1.0f, 0.0f})).score, -1.0f);  // too few to judge
}

TEST(Search, MatrixIndexAgreesWithADoubleReference) {
  torch::manual_seed(1);
  const auto m = torch::nn::functional::normalize(torch::randn({300, 16}), torch::nn::functional::NormalizeFuncOptions().dim(1));
  std::vector<CatalogEntry> entries;
  for (int64_t i = 0; i < 300; ++i) {
    entries.push_back({"p" + std::to_string(1000 + i), std::vector<float>(m[i].data_ptr<float>(), m[i].data_ptr<float>() + 16)});
  }
  const std::vector<float> query(entries[17].vector);
  // Reference: every dot product in double, sorted.
  std::vector<std::pair<double, std::string>> slow;
  for (const auto& e : entries) {
    double dot = 0;
    for (size_t k = 0; k < query.size(); ++k) dot += static_cast<double>(e.vector[k]) * query[k];
    slow.emplace_back(-dot, e.path);
  }
  std::sort(slow.begin(), slow.end());
  const auto fast = ExactIndex(entries).search(query, 10, -1.0f);
  ASSERT_EQ(fast.size(), 10u);
  EXPECT_EQ(fast[0].path, "p1017");
  for (size_t i = 0; i < fast.size(); ++i) {
    EXPECT_EQ(fast[i].path, slow[i].second);
    EXPECT_NEAR(fast[i].score, -slow[i].first, 1e-5);
  }
}

TEST(FileScan, FindsImagesRecursivelyAndHashesContent) {
  test::TempDir dir;
  fs::create_directories(dir.path() / "a" / "b");
  write_file_atomically(dir.file("a/x.JPG"), "same");
  write_file_atomically(dir.file("a/b/y.png"), "same");
  write_file_atomically(dir.file("a/z.txt"), "other");
  const auto scan = scan_images({dir.path().string()});
  ASSERT_EQ(scan.files.size(), 2u);
  EXPECT_EQ(content_hash(scan.files[0].path), content_hash(scan.files[1].path));
  EXPECT_NE(content_hash_of("same"), content_hash_of("other"));
  EXPECT_EQ(content_hash_of("same").size(), 32u);
  EXPECT_BRIVL_ERROR(scan_images({dir.file("missing")}), "missing", "no such file or folder");
}

}  // namespace
}  // namespace brivl
