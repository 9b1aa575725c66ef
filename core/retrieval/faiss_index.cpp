#include "retrieval/faiss_index.h"

#include <faiss/IVFlib.h>
#include <faiss/Index.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <omp.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "retrieval/stored_vectors.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace {

constexpr int64_t kCutoffSample = 2048;    // entries scored exactly for the relevance cutoff
constexpr int64_t kMaxLists = 1024;        // see VectorIndexOptions::faiss_factory
constexpr int64_t kMinPointsPerList = 39;  // FAISS's k-means warns below this many per centroid
constexpr const char* kCacheMagic = "BRIVL-FAISS 1 ";  // + key + '\n', then FAISS's own format

int64_t power_of_two_near(double x) {
  return int64_t{1} << std::max(0, static_cast<int>(std::lround(std::log2(std::max(1.0, x)))));
}
int64_t power_of_two_floor(int64_t x) {
  int64_t p = 1;
  while (p * 2 <= x) p *= 2;
  return p;
}

// Rows i with i % stride == 0, up to `limit` of them: an evenly spread sample of the collection.
struct EvenSample {
  int64_t stride = 1, limit = 0;
  bool wants(int64_t i) const { return i % stride == 0 && i / stride < limit; }
};
EvenSample even_sample(int64_t n, int64_t size) {
  const int64_t take = std::min(n, size);
  return {take > 0 ? std::max<int64_t>(1, n / take) : 1, take};
}

// FAISS writes through this into an AtomicFileWriter: a killed run leaves the old file or none.
struct AtomicIOWriter : faiss::IOWriter {
  explicit AtomicIOWriter(AtomicFileWriter& out) : file(out) {}
  size_t operator()(const void* ptr, size_t size, size_t nitems) override {
    file.write(ptr, size * nitems);
    return nitems;
  }
  AtomicFileWriter& file;
};

class FaissIndex : public VectorIndex {
 public:
  FaissIndex(std::vector<std::string> paths, int64_t dim, const RowSource& rows, const VectorIndexOptions& options)
      : paths_(std::move(paths)),
        dim_(dim),
        options_(options),
        plan_(plan_faiss(static_cast<int64_t>(paths_.size()), options)),
        cutoff_sample_(std::min<int64_t>(size(), kCutoffSample), dim, Precision::fp32) {
    BRIVL_CHECK(dim > 0 && size() > 0, "faiss index: no vectors to index");
    if (size() * dim * 2 <= static_cast<int64_t>(options.rerank_copy_limit_gib * (1 << 30)))
      rerank_copy_ = std::make_unique<StoredVectors>(size(), dim, Precision::fp16);
    try {
      use_threads();
      key_ = read_key_and_cutoff_sample(rows);
      const bool loaded = !options.faiss_cache_file.empty() && load(options.faiss_cache_file);
      if (!loaded) {
        index_.reset(faiss::index_factory(static_cast<int>(dim), plan_.factory.c_str(), faiss::METRIC_INNER_PRODUCT));
        configure();
        train(rows);
      } else {
        configure();
      }
      add(rows, /*to_index=*/!loaded);
      // Without the copy, vector(row) is decoded from the codes: that needs row -> list entry.
      if (!rerank_copy_ && ivf_ && ivf_->direct_map.type == faiss::DirectMap::NoMap) ivf_->make_direct_map(true);
      if (!loaded && !options.faiss_cache_file.empty()) save(options.faiss_cache_file);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      BRIVL_FAIL("faiss index ", plan_.factory, " over ", size(), " x ", dim, ": ", e.what());
    }
  }

  int64_t size() const override { return static_cast<int64_t>(paths_.size()); }
  int64_t dim() const override { return dim_; }

  std::string describe() const override {
    std::ostringstream s;
    s << "faiss " << plan_.factory;
    if (ivf_) s << " nprobe " << plan_.nprobe;
    if (rerank_copy_) s << ", re-ranked exactly (fp16 copy, " << options_.rerank_factor << "x candidates)";
    else s << ", 8-bit scores (no re-ranking copy: over " << options_.rerank_copy_limit_gib << " GiB)";
    if (!cache_note_.empty()) s << ", " << cache_note_;
    return s.str();
  }

  std::vector<SearchHit> search(const std::vector<float>& query, int top_k, float min_score) const override {
    BRIVL_CHECK(static_cast<int64_t>(query.size()) == dim_, "search: the index has dimension ", dim_, ", the query ",
                query.size());
    if (top_k <= 0) return {};
    const int64_t k = std::min<int64_t>(size(), static_cast<int64_t>(top_k) * (rerank_copy_ ? options_.rerank_factor : 1));
    std::vector<float> distances(static_cast<size_t>(k));
    std::vector<faiss::Index::idx_t> labels(static_cast<size_t>(k));
    try {
      use_threads();
      index_->search(1, query.data(), k, distances.data(), labels.data());
    } catch (const std::exception& e) {
      BRIVL_FAIL("faiss search in ", plan_.factory, ": ", e.what());
    }
    std::vector<int64_t> rows;
    std::vector<float> scores;
    for (int64_t i = 0; i < k; ++i) {
      if (labels[i] < 0) break;  // fewer candidates than asked for in the visited lists
      rows.push_back(labels[i]);
      scores.push_back(distances[i]);
    }
    if (rerank_copy_) scores = rerank_copy_->scores_of(rows, query.data());
    std::vector<SearchHit> hits;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (scores[i] >= min_score) hits.push_back({paths_[rows[i]], scores[i], rows[i]});
    }
    std::sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
      return a.score > b.score || (a.score == b.score && a.path < b.path);
    });
    if (static_cast<int64_t>(hits.size()) > top_k) hits.resize(static_cast<size_t>(top_k));
    return hits;
  }

  SearchResult search_with_cutoff(const std::vector<float>& query, int top_k) const override {
    SearchResult result{search(query, top_k, -2.0f), relevance_cutoff(cutoff_sample_.scores(query.data()))};
    if (result.cutoff.score > -1.0f && cutoff_sample_.size() < size()) {
      result.cutoff.rule += " (" + std::to_string(cutoff_sample_.size()) + " entries spread over the index)";
      // The sample may miss the best match; the cutoff must not hide it.
      if (!result.hits.empty()) result.cutoff.score = std::min(result.cutoff.score, result.hits.front().score);
    }
    return result;
  }

  std::vector<float> vector(int64_t row) const override {
    BRIVL_CHECK(row >= 0 && row < size(), "faiss index: row ", row, " of ", size());
    if (rerank_copy_) return rerank_copy_->row(row);
    std::vector<float> v(static_cast<size_t>(dim_));
    try {
      index_->reconstruct(row, v.data());
    } catch (const std::exception& e) {
      BRIVL_FAIL("faiss index ", plan_.factory, ": cannot decode row ", row, ": ", e.what());
    }
    return v;
  }

  bool set_probes(int probes) override {
    BRIVL_CHECK(probes >= 1, "faiss index: probes ", probes, " must be at least 1");
    if (!ivf_) return false;
    plan_.nprobe = static_cast<int>(std::min<int64_t>(probes, plan_.nlist));
    ivf_->nprobe = static_cast<size_t>(plan_.nprobe);
    return true;
  }

 private:
  void use_threads() const {
    if (options_.threads > 0) omp_set_num_threads(options_.threads);
  }

  void configure() {
    ivf_ = faiss::ivflib::try_extract_index_ivf(index_.get());
    if (!ivf_) return;
    ivf_->cp.niter = 10;        // k-means iterations: 10 is plenty for routing queries
    ivf_->cp.spherical = true;  // unit vectors: centroids are re-normalised
    ivf_->parallel_mode = 1;    // one query at a time: split its lists over the threads
    plan_.nlist = static_cast<int64_t>(ivf_->nlist);  // also for a custom factory string
    plan_.nprobe = static_cast<int>(std::min<int64_t>(plan_.nprobe, plan_.nlist));
    ivf_->nprobe = static_cast<size_t>(plan_.nprobe);
  }

  // Pass 1: the key of what would be built (paths, rows, settings) and the cutoff sample.
  std::string read_key_and_cutoff_sample(const RowSource& rows) {
    XXH3_state_t* state = XXH3_createState();
    BRIVL_CHECK(state, "faiss index: out of memory");
    std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> owned(state, &XXH3_freeState);
    XXH3_128bits_reset(state);
    std::ostringstream settings;
    settings << plan_.factory << " train " << options_.train_size << " rows " << size() << " x " << dim_ << '\n';
    XXH3_128bits_update(state, settings.str().data(), settings.str().size());
    for (const auto& p : paths_) XXH3_128bits_update(state, p.c_str(), p.size() + 1);  // with the '\0'
    const auto cutoff = even_sample(size(), kCutoffSample);
    int64_t row = 0;
    rows([&](const float* chunk, int64_t count) {
      BRIVL_CHECK(row + count <= size(), "faiss index: more rows than the ", size(), " paths");
      XXH3_128bits_update(state, chunk, static_cast<size_t>(count * dim_) * sizeof(float));
      for (int64_t i = 0; i < count; ++i, ++row) {
        if (cutoff.wants(row)) cutoff_sample_.append(chunk + i * dim_, 1);
      }
    });
    BRIVL_CHECK(row == size(), "faiss index: ", row, " rows for ", size(), " paths");
    const XXH128_hash_t h = XXH3_128bits_digest(state);
    std::ostringstream hex;
    hex << std::hex << std::setfill('0') << std::setw(16) << h.high64 << std::setw(16) << h.low64;
    return hex.str();
  }

  // Pass 2 (unless loaded): an even sample to train on.
  void train(const RowSource& rows) {
    if (index_->is_trained) return;
    const auto training = even_sample(size(), options_.train_size);
    std::vector<float> sample;
    sample.reserve(static_cast<size_t>(training.limit * dim_));
    int64_t row = 0;
    rows([&](const float* chunk, int64_t count) {
      for (int64_t i = 0; i < count; ++i, ++row) {
        if (training.wants(row)) sample.insert(sample.end(), chunk + i * dim_, chunk + (i + 1) * dim_);
      }
    });
    index_->train(static_cast<faiss::Index::idx_t>(sample.size()) / dim_, sample.data());
  }

  // Last pass: the rows into the index (unless loaded) and into the re-ranking copy.
  void add(const RowSource& rows, bool to_index) {
    if (!to_index && !rerank_copy_) return;
    int64_t added = 0;
    rows([&](const float* chunk, int64_t count) {
      BRIVL_CHECK(added + count <= size(), "faiss index: more rows than the ", size(), " paths");
      if (to_index) index_->add(count, chunk);
      if (rerank_copy_) rerank_copy_->append(chunk, count);
      added += count;
    });
    BRIVL_CHECK(added == size(), "faiss index: ", added, " rows for ", size(), " paths");
  }

  // The cached index when its key matches; false (rebuild) when it is missing, stale or unreadable.
  bool load(const std::string& path) {
    std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) return false;
    const std::string expected = kCacheMagic + key_ + "\n";
    std::string header(expected.size(), '\0');
    if (std::fread(header.data(), 1, header.size(), file.get()) != header.size() || header != expected) {
      cache_note_ = "rebuilt (" + path + " was for other vectors or settings)";
      return false;
    }
    try {
      faiss::FileIOReader reader(file.get());
      index_.reset(faiss::read_index(&reader));
    } catch (const std::exception& e) {
      cache_note_ = "rebuilt (" + path + " unreadable)";
      return false;
    }
    if (index_->ntotal != size() || index_->d != dim_) {
      cache_note_ = "rebuilt (" + path + " holds another collection)";
      index_.reset();
      return false;
    }
    cache_note_ = "loaded from " + path;
    return true;
  }

  void save(const std::string& path) {
    try {
      AtomicFileWriter out(path);
      const std::string header = kCacheMagic + key_ + "\n";
      out.write(header.data(), header.size());
      AtomicIOWriter writer(out);
      faiss::write_index(index_.get(), &writer);
      out.commit();
      cache_note_ += (cache_note_.empty() ? "" : ", ") + ("saved to " + path);
    } catch (const std::exception& e) {
      // The next run rebuilds; this one works.
      cache_note_ += (cache_note_.empty() ? "" : ", ") + std::string("not saved (") + e.what() + ")";
    }
  }

  std::vector<std::string> paths_;
  int64_t dim_;
  VectorIndexOptions options_;
  FaissPlan plan_;
  StoredVectors cutoff_sample_;
  std::unique_ptr<StoredVectors> rerank_copy_;
  std::unique_ptr<faiss::Index> index_;
  faiss::IndexIVF* ivf_ = nullptr;  // inside index_, when it has an inverted file
  std::string key_, cache_note_;
};

}  // namespace

FaissPlan plan_faiss(int64_t n, const VectorIndexOptions& options) {
  FaissPlan plan;
  if (!options.faiss_factory.empty()) {
    plan.factory = options.faiss_factory;
    plan.nprobe = options.nprobe > 0 ? options.nprobe : 1;
    return plan;
  }
  // ~4·sqrt(n) lists, as FAISS's guidelines suggest, but with enough training points for each.
  const int64_t trainable = std::min(n, options.train_size) / kMinPointsPerList;
  if (trainable < 2) {  // a handful of vectors (FAISS asked for by name): one flat list of codes
    plan.factory = "SQ8";
    return plan;
  }
  plan.nlist = std::min({power_of_two_near(4.0 * std::sqrt(static_cast<double>(n))), kMaxLists,
                         power_of_two_floor(trainable)});
  plan.factory = "IVF" + std::to_string(plan.nlist) + ",SQ8";
  // Lists visited: 1/64 of them, at least 4 (16 of 1024). On clustered 2048-d data recall@10 is
  // 1.0 from 4 probes at 100k; a probe costs ~2.5 µs per stored vector on 2 cores, so 16 probes
  // of 1M vectors' ~1000-vector lists fit the 50 ms goal with room for harder real collections.
  plan.nprobe = options.nprobe > 0 ? static_cast<int>(std::min<int64_t>(options.nprobe, plan.nlist))
                                   : static_cast<int>(std::min<int64_t>(std::max<int64_t>(plan.nlist / 64, 4), plan.nlist));
  return plan;
}

std::unique_ptr<VectorIndex> make_faiss_index(std::vector<std::string> paths, int64_t dim, const RowSource& rows,
                                              const VectorIndexOptions& options) {
  validate(options);
  return std::make_unique<FaissIndex>(std::move(paths), dim, rows, options);
}

}  // namespace brivl
