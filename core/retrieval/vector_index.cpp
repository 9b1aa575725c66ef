#include "retrieval/vector_index.h"

#include <algorithm>

#include "retrieval/exact_index.h"
#include "util/error.h"

#if BRIVL_HAVE_FAISS
#include "retrieval/faiss_index.h"
#endif

namespace brivl {
namespace {
constexpr int64_t kChunkRows = 4096;  // rows copied together out of catalog entries
}

std::string engine_name(SearchEngine e) {
  switch (e) {
    case SearchEngine::exact: return "exact";
    case SearchEngine::faiss: return "faiss";
    default: return "auto";
  }
}

SearchEngine parse_search_engine(const std::string& name) {
  if (name == "auto") return SearchEngine::automatic;
  if (name == "exact") return SearchEngine::exact;
  if (name == "faiss") return SearchEngine::faiss;
  BRIVL_FAIL("search engine '", name, "': expected auto, exact or faiss");
}

bool faiss_available() {
#if BRIVL_HAVE_FAISS
  return true;
#else
  return false;
#endif
}

void validate(const VectorIndexOptions& o) {
  BRIVL_CHECK(o.faiss_min_size >= 1, "index options: faiss_min_size ", o.faiss_min_size, " must be at least 1");
  BRIVL_CHECK(o.threads >= 0, "index options: threads ", o.threads, " must be 0 (leave as is) or more");
  BRIVL_CHECK(o.nprobe >= 0, "index options: nprobe ", o.nprobe, " must be 0 (chosen from the list count) or more");
  BRIVL_CHECK(o.train_size >= 1000, "index options: train_size ", o.train_size, " must be at least 1000 vectors");
  BRIVL_CHECK(o.rerank_copy_limit_gib >= 0, "index options: rerank_copy_limit_gib ", o.rerank_copy_limit_gib,
              " must be 0 (no re-ranking copy) or more");
  BRIVL_CHECK(o.rerank_factor >= 1 && o.rerank_factor <= 64, "index options: rerank_factor ", o.rerank_factor,
              " must be in 1..64");
}

std::vector<std::string> paths_of(const std::vector<CatalogEntry>& entries) {
  std::vector<std::string> paths;
  paths.reserve(entries.size());
  for (const auto& e : entries) paths.push_back(e.path);
  return paths;
}

RowSource rows_of(const std::vector<CatalogEntry>& entries) {
  return [&entries](const RowSink& sink) {
    if (entries.empty()) return;
    const size_t dim = entries.front().vector.size();
    std::vector<float> chunk;
    for (size_t begin = 0; begin < entries.size(); begin += kChunkRows) {
      const size_t end = std::min(entries.size(), begin + kChunkRows);
      chunk.resize((end - begin) * dim);
      for (size_t i = begin; i < end; ++i) {
        BRIVL_CHECK(entries[i].vector.size() == dim, "index: ", entries[i].path, " has a vector of ",
                    entries[i].vector.size(), " values, expected ", dim);
        std::copy(entries[i].vector.begin(), entries[i].vector.end(), chunk.begin() + (i - begin) * dim);
      }
      sink(chunk.data(), static_cast<int64_t>(end - begin));
    }
  };
}

RowSource rows_of(const Catalog& catalog) {
  return [&catalog](const RowSink& sink) { catalog.for_each_vector(sink, kChunkRows); };
}

SearchEngine resolve_engine(int64_t n, const VectorIndexOptions& options) {
  validate(options);
  BRIVL_CHECK(options.engine != SearchEngine::faiss || faiss_available(),
              "search engine faiss: this build has no FAISS (install libfaiss-dev and configure with "
              "-DBRIVL_WITH_FAISS=ON), use the exact engine");
  if (options.engine != SearchEngine::automatic) return options.engine;
  return faiss_available() && n >= options.faiss_min_size ? SearchEngine::faiss : SearchEngine::exact;
}

std::unique_ptr<VectorIndex> make_vector_index(std::vector<std::string> paths, int64_t dim, const RowSource& rows,
                                               const VectorIndexOptions& options) {
  const auto engine = resolve_engine(static_cast<int64_t>(paths.size()), options);
#if BRIVL_HAVE_FAISS
  if (engine == SearchEngine::faiss) return make_faiss_index(std::move(paths), dim, rows, options);
#else
  (void)engine;
#endif
  return std::make_unique<ExactIndex>(std::move(paths), dim, rows, options.precision);
}

std::unique_ptr<VectorIndex> make_vector_index(const std::vector<CatalogEntry>& entries, const VectorIndexOptions& options) {
  const int64_t dim = entries.empty() ? 0 : static_cast<int64_t>(entries.front().vector.size());
  return make_vector_index(paths_of(entries), dim, rows_of(entries), options);
}

}  // namespace brivl
