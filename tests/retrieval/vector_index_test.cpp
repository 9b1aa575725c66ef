// The search engines behind `brivl search`: exact fp16 against exact fp32, FAISS against exact,
// the automatic choice, and option errors. Data: unit vectors around random cluster centres
// (uniform random vectors would have no neighbours worth finding).
#include "retrieval/vector_index.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "retrieval/exact_index.h"
#include "test_support.h"

namespace brivl {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Synthetic {
  int64_t dim = 0;
  std::vector<std::string> paths;
  std::vector<float> rows;     // [n, dim]
  std::vector<std::vector<float>> queries;
};

void normalise(float* v, int64_t dim) {
  double norm = 0;
  for (int64_t k = 0; k < dim; ++k) norm += static_cast<double>(v[k]) * v[k];
  for (int64_t k = 0; k < dim; ++k) v[k] /= static_cast<float>(std::sqrt(norm));
}

// n vectors: centre + noise of relative size `spread`; queries: data vectors moved by 0.3.
Synthetic clustered(int64_t n, int64_t dim, int clusters, int queries) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  std::vector<float> centres(static_cast<size_t>(clusters * dim));
  for (auto& c : centres) c = normal(rng);
  for (int c = 0; c < clusters; ++c) normalise(&centres[c * dim], dim);
  Synthetic s;
  s.dim = dim;
  s.rows.resize(static_cast<size_t>(n * dim));
  const float spread = 0.6f / std::sqrt(static_cast<float>(dim));
  for (int64_t i = 0; i < n; ++i) {
    const float* centre = &centres[(rng() % clusters) * dim];
    for (int64_t k = 0; k < dim; ++k) s.rows[i * dim + k] = centre[k] + spread * normal(rng);
    normalise(&s.rows[i * dim], dim);
    s.paths.push_back("/photos/" + std::to_string(100000 + i) + ".jpg");
  }
  for (int q = 0; q < queries; ++q) {
    const int64_t source = static_cast<int64_t>(rng() % n);
    std::vector<float> v(s.rows.begin() + source * dim, s.rows.begin() + (source + 1) * dim);
    for (auto& x : v) x += 0.3f / std::sqrt(static_cast<float>(dim)) * normal(rng);
    normalise(v.data(), dim);
    s.queries.push_back(std::move(v));
  }
  return s;
}

RowSource rows_in_chunks(const Synthetic& s, int64_t chunk) {
  return [&s, chunk](const RowSink& sink) {
    const int64_t n = static_cast<int64_t>(s.paths.size());
    for (int64_t begin = 0; begin < n; begin += chunk) sink(&s.rows[begin * s.dim], std::min(chunk, n - begin));
  };
}

std::unique_ptr<VectorIndex> build(const Synthetic& s, const VectorIndexOptions& o) {
  return make_vector_index(s.paths, s.dim, rows_in_chunks(s, 1000), o);
}

double recall_at(const std::vector<SearchHit>& truth, const std::vector<SearchHit>& found) {
  std::set<std::string> want;
  for (const auto& h : truth) want.insert(h.path);
  double hit = 0;
  for (const auto& h : found) hit += want.count(h.path);
  return hit / static_cast<double>(truth.size());
}

TEST(VectorIndex, ExactFp16AgreesWithFp32) {
  const auto s = clustered(3000, 256, 30, 20);
  const ExactIndex fp32(s.paths, s.rows, s.dim, Precision::fp32);
  const ExactIndex fp16(s.paths, s.dim, rows_in_chunks(s, 700), Precision::fp16);
  EXPECT_EQ(fp16.describe(), "exact fp16");
  for (const auto& q : s.queries) {
    const auto all32 = fp32.scores(q), all16 = fp16.scores(q);
    ASSERT_EQ(all16.size(), all32.size());
    float worst = 0;
    for (size_t i = 0; i < all32.size(); ++i) worst = std::max(worst, std::abs(all16[i] - all32[i]));
    EXPECT_LT(worst, 1e-3f);
    const auto top32 = fp32.search(q, 11, -1.0f), top16 = fp16.search(q, 10, -1.0f);
    ASSERT_EQ(top16.size(), 10u);
    EXPECT_EQ(top16[0].path, top32[0].path);
    for (const auto& h : top16) {
      // Same top 10, up to swaps of results whose true scores tie within fp16's error.
      EXPECT_GE(all32[h.row], top32[9].score - 1e-3f) << h.path;
      EXPECT_NEAR(h.score, all32[h.row], 1e-3f) << h.path;
      EXPECT_EQ(s.paths[h.row], h.path);
    }
  }
}

TEST(VectorIndex, Fp16StorageHalvesMemory) {
  StoredVectors fp32(100, 64, Precision::fp32), fp16(100, 64, Precision::fp16);
  EXPECT_EQ(fp32.bytes(), 100 * 64 * 4);
  EXPECT_EQ(fp16.bytes(), 100 * 64 * 2);
  const std::vector<float> row(64, 0.125f);
  fp16.append(row.data(), 1);
  EXPECT_EQ(fp16.row(0), row);  // 0.125 is exact in fp16
  EXPECT_BRIVL_ERROR(fp16.row(1), "row 1 of 1");
}

TEST(VectorIndex, Fp16ScoresOfALargeIndexMatchRowByRow) {
  // Enough rows for scores() to split the work over threads; scores_of() takes one row at a time.
  const int64_t n = 40000, dim = 40;  // 40: a tail after the 32-value blocks
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::vector<float> rows(static_cast<size_t>(n * dim)), query(static_cast<size_t>(dim));
  for (auto& x : rows) x = normal(rng);
  for (auto& x : query) x = normal(rng);
  StoredVectors fp16(n, dim, Precision::fp16);
  fp16.append(rows.data(), n);
  const auto all = fp16.scores(query.data());
  ASSERT_EQ(static_cast<int64_t>(all.size()), n);
  std::vector<int64_t> every(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) every[static_cast<size_t>(i)] = i;
  const auto one_by_one = fp16.scores_of(every, query.data());
  for (int64_t i = 0; i < n; i += 997) {
    double exact = 0;
    for (int64_t k = 0; k < dim; ++k) exact += static_cast<double>(rows[i * dim + k]) * query[k];
    EXPECT_NEAR(all[i], one_by_one[i], 1e-4) << i;
    EXPECT_NEAR(all[i], exact, 0.02) << i;  // unnormalised rows of norm ~6: fp16 rounding of each value
  }
  EXPECT_NEAR(all[n - 1], one_by_one[n - 1], 1e-4);
}

TEST(VectorIndex, FaissAgreesWithExact) {
  if (!faiss_available()) GTEST_SKIP() << "built without FAISS (BRIVL_WITH_FAISS)";
  const auto s = clustered(4000, 128, 40, 50);
  const ExactIndex exact(s.paths, s.rows, s.dim);
  VectorIndexOptions o;
  o.engine = SearchEngine::faiss;
  const auto reranked = build(s, o);
  // ~4·sqrt(4000) = 253 lists would leave under 39 training points a list: 64; 1/64 of them, at least 4.
  EXPECT_THAT(reranked->describe(), StartsWith("faiss IVF64,SQ8 nprobe 4,"));
  EXPECT_THAT(reranked->describe(), HasSubstr("re-ranked exactly"));
  o.rerank_copy_limit_gib = 0;  // scores straight from the 8-bit codes
  const auto coded = build(s, o);
  EXPECT_THAT(coded->describe(), HasSubstr("8-bit scores"));
  double recall = 0, recall_coded = 0;
  float worst_coded = 0;
  for (const auto& q : s.queries) {
    const auto truth = exact.search(q, 10, -1.0f);
    const auto found = reranked->search(q, 10, -1.0f);
    recall += recall_at(truth, found) / static_cast<double>(s.queries.size());
    // True cosines up to fp16 rounding (8-bit scores are off by up to ~1e-3: re-ranking happened).
    for (const auto& h : found) EXPECT_NEAR(h.score, exact.scores(q)[h.row], 1e-4f) << h.path;
    const auto found_coded = coded->search(q, 10, -1.0f);
    recall_coded += recall_at(truth, found_coded) / static_cast<double>(s.queries.size());
    for (const auto& h : found_coded) worst_coded = std::max(worst_coded, std::abs(h.score - exact.scores(q)[h.row]));
    EXPECT_TRUE(std::is_sorted(found.begin(), found.end(), [](auto& a, auto& b) { return a.score > b.score; }));
  }
  EXPECT_GE(recall, 0.95);
  EXPECT_GE(recall_coded, 0.9);
  EXPECT_LT(worst_coded, 0.01f);
  // A minimum score filters; the cutoff from a sample never hides the best hit.
  const auto q = s.queries.front();
  const auto best = reranked->search(q, 1, -1.0f).front();
  EXPECT_TRUE(reranked->search(q, 10, best.score + 1e-4f).empty());
  const auto result = reranked->search_with_cutoff(q, 10);
  EXPECT_LE(result.cutoff.score, best.score);
  EXPECT_THAT(result.cutoff.rule, HasSubstr("2048 entries spread over the index"));
  EXPECT_NEAR(reranked->vector(best.row)[0], s.rows[best.row * s.dim], 1e-3);
}

TEST(VectorIndex, FaissIndexIsKeptAndReusedOnlyForTheSameVectors) {
  if (!faiss_available()) GTEST_SKIP() << "built without FAISS (BRIVL_WITH_FAISS)";
  test::TempDir dir;
  auto s = clustered(3000, 64, 20, 5);
  VectorIndexOptions o;
  o.engine = SearchEngine::faiss;
  o.faiss_cache_file = dir.file("photos.db.faiss");
  const auto built = build(s, o);
  EXPECT_THAT(built->describe(), HasSubstr("saved to " + o.faiss_cache_file));
  const auto loaded = build(s, o);
  EXPECT_THAT(loaded->describe(), HasSubstr("loaded from " + o.faiss_cache_file));
  for (const auto& q : s.queries) {
    const auto a = built->search(q, 10, -1.0f), b = loaded->search(q, 10, -1.0f);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].path, b[i].path);
  }
  s.rows[5] = -s.rows[5];  // one value of one vector changed: the kept index is stale
  EXPECT_THAT(build(s, o)->describe(), HasSubstr("rebuilt (" + o.faiss_cache_file + " was for other vectors"));
  EXPECT_THAT(build(s, o)->describe(), HasSubstr("loaded from"));
  o.rerank_copy_limit_gib = 0;  // no copy: vectors are decoded from the loaded codes
  const auto coded = build(s, o);
  EXPECT_THAT(coded->describe(), HasSubstr("loaded from"));
  EXPECT_NEAR(coded->vector(7)[3], s.rows[7 * s.dim + 3], 0.02);
  o.faiss_cache_file = dir.file("no-such-folder/x.faiss");  // cannot be written: still searches
  const auto unsaved = build(s, o);
  EXPECT_THAT(unsaved->describe(), HasSubstr("not saved"));
  EXPECT_EQ(unsaved->search(s.queries[0], 3, -1.0f).size(), 3u);
}

TEST(VectorIndex, AutoPicksExactBelowTheThresholdAndFaissFromIt) {
  const auto s = clustered(2000, 32, 10, 1);
  VectorIndexOptions o;
  o.faiss_min_size = 2001;
  EXPECT_EQ(build(s, o)->describe(), "exact fp32");
  o.precision = Precision::fp16;
  EXPECT_EQ(build(s, o)->describe(), "exact fp16");
  o.faiss_min_size = 2000;
  if (faiss_available()) EXPECT_THAT(build(s, o)->describe(), StartsWith("faiss"));
  else EXPECT_EQ(build(s, o)->describe(), "exact fp16");  // no FAISS: exact at any size
}

TEST(VectorIndex, FaissWithoutFaissIsAClearError) {
  if (faiss_available()) GTEST_SKIP() << "built with FAISS";
  const auto s = clustered(100, 8, 2, 1);
  VectorIndexOptions o;
  o.engine = SearchEngine::faiss;
  EXPECT_BRIVL_ERROR(build(s, o), "no FAISS", "exact engine");
}

TEST(VectorIndex, BadOptionsAndRowsAreRejectedWithReasons) {
  const auto s = clustered(100, 8, 2, 1);
  VectorIndexOptions o;
  o.nprobe = -1;
  EXPECT_BRIVL_ERROR(build(s, o), "nprobe -1");
  o = {};
  o.rerank_factor = 0;
  EXPECT_BRIVL_ERROR(build(s, o), "rerank_factor 0", "1..64");
  o = {};
  o.faiss_min_size = 0;
  EXPECT_BRIVL_ERROR(validate(o), "faiss_min_size 0");
  o = {};
  o.threads = -2;
  EXPECT_BRIVL_ERROR(validate(o), "threads -2");
  o = {};
  o.train_size = 10;
  EXPECT_BRIVL_ERROR(validate(o), "train_size 10");
  EXPECT_BRIVL_ERROR(parse_search_engine("fast"), "'fast'", "auto, exact or faiss");
  EXPECT_BRIVL_ERROR(parse_precision("int8"), "'int8'", "fp32 or fp16");
  // A source with fewer rows than paths, or entries of mixed sizes.
  auto short_paths = s.paths;
  short_paths.push_back("/photos/extra.jpg");
  EXPECT_BRIVL_ERROR(make_vector_index(short_paths, s.dim, rows_in_chunks(s, 30), {}), "100 rows for 101 paths");
  const std::vector<CatalogEntry> mixed = {{"/a.jpg", {1, 0}}, {"/b.jpg", {1, 0, 0}}};
  EXPECT_BRIVL_ERROR(make_vector_index(mixed, {}), "/b.jpg has a vector of 3 values, expected 2");
}

}  // namespace
}  // namespace brivl
