#pragma once
// The search engines behind `brivl search` and the studio: one interface, two engines.
//  - exact: every vector scored (StoredVectors, float32 or float16); the reference.
//  - faiss: an inverted file of 8-bit codes (BRIVL_WITH_FAISS), approximate, re-ranked exactly
//    when a float16 copy fits the memory allowed for it.
// make_vector_index picks the engine by collection size unless told. Torch- and FAISS-free header.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "retrieval/catalog.h"
#include "retrieval/search_hit.h"
#include "retrieval/stored_vectors.h"

namespace brivl {

enum class SearchEngine { automatic, exact, faiss };
std::string engine_name(SearchEngine e);  // "auto", "exact", "faiss"
// Throws brivl::Error naming the accepted values.
SearchEngine parse_search_engine(const std::string& name);
// Whether this build has the FAISS engine (BRIVL_WITH_FAISS found FAISS at configure time).
bool faiss_available();

struct VectorIndexOptions {
  SearchEngine engine = SearchEngine::automatic;
  // Storage of the exact engine: fp16 halves resident memory (and the time of a search).
  Precision precision = Precision::fp32;
  // `automatic` picks FAISS from this many vectors on (when built with it). Measured on 2 cores
  // with 2048-d vectors (docs/PERFORMANCE.md, "Retrieval"): exact fp32 answers 100k in 27 ms
  // (fp16 11 ms) and grows linearly, passing ~50 ms around 200k; FAISS answers in 3-6 ms there
  // but its build costs ~30 s per 100k vectors (once: it is kept in faiss_cache_file).
  int64_t faiss_min_size = 200000;
  int threads = 0;  // OpenMP threads for FAISS; 0 leaves the process setting (LibTorch's)

  // FAISS engine. Empty factory: "IVF<nlist>,SQ8" with nlist a power of two near 4·sqrt(n),
  // capped at 1024 so that training and adding 1M vectors take minutes, not hours, on 2 cores.
  std::string faiss_factory;
  int nprobe = 0;                      // lists visited per query; 0: nlist/64, at least 4
  int64_t train_size = 65536;          // vectors (evenly spaced) the coarse quantizer learns from
  double rerank_copy_limit_gib = 2.0;  // keep a float16 copy for exact re-ranking up to this size
  int rerank_factor = 4;               // candidates re-ranked exactly per result asked for
  // Where the trained FAISS index is kept between runs (e.g. "<db>.faiss"); empty: not kept. It
  // is reused only when its key (a hash of the paths, rows and FAISS settings) matches, else it is
  // rebuilt and replaced; a file that cannot be written only costs the next run a rebuild.
  std::string faiss_cache_file;
};
// Throws brivl::Error naming the bad field and the accepted range.
void validate(const VectorIndexOptions& options);

// What one query found, with the relevance cutoff for it (see relevance_cutoff).
struct SearchResult {
  std::vector<SearchHit> hits;  // the best top_k, best first, not filtered by the cutoff
  Cutoff cutoff;
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;
  virtual int64_t size() const = 0;
  virtual int64_t dim() const = 0;
  // Which engine answers and how, for the user: "exact fp16", "faiss IVF1024,SQ8 nprobe 32, ...".
  virtual std::string describe() const = 0;
  // The best `top_k` entries with score >= min_score, best first (ties by path), with cosines.
  virtual std::vector<SearchHit> search(const std::vector<float>& query, int top_k, float min_score) const = 0;
  // The best `top_k` and the automatic cutoff, from every score (exact) or from the scores of a
  // fixed sample of the index (approximate engines; never above the best hit).
  virtual SearchResult search_with_cutoff(const std::vector<float>& query, int top_k) const = 0;
  // The stored vector of `row` (SearchHit::row) as the engine holds it, e.g. for folding.
  virtual std::vector<float> vector(int64_t row) const = 0;
  // Approximate engines: how much of the index a query visits (FAISS: inverted lists probed),
  // the speed/recall knob. Returns false where there is none (exact engines).
  virtual bool set_probes(int probes) {
    (void)probes;
    return false;
  }
};

// Rows for building an index: a source hands every row, in order, to the sink in chunks
// (row-major [count, dim]). It may be asked more than once (FAISS reads a training sample first)
// and must hand the same rows each time. Chunks let 1M x 2048 be built without 8 GB of float32.
using RowSink = std::function<void(const float* rows, int64_t count)>;
using RowSource = std::function<void(const RowSink& sink)>;

// The engine make_vector_index builds for n vectors: `automatic` resolved by size and availability.
// Throws when FAISS is asked for in a build without it.
SearchEngine resolve_engine(int64_t n, const VectorIndexOptions& options);

// The rows of catalog entries in chunks; throws naming the entry whose vector has another size.
RowSource rows_of(const std::vector<CatalogEntry>& entries);
// The rows of a catalog streamed from SQLite (Catalog::for_each_vector), in indexed_paths() order.
RowSource rows_of(const Catalog& catalog);
std::vector<std::string> paths_of(const std::vector<CatalogEntry>& entries);

// `paths[i]` names row i. Throws when the source's rows do not match paths.size() x dim, when
// options are invalid, or when FAISS is asked for in a build without it.
std::unique_ptr<VectorIndex> make_vector_index(std::vector<std::string> paths, int64_t dim, const RowSource& rows,
                                               const VectorIndexOptions& options);
std::unique_ptr<VectorIndex> make_vector_index(const std::vector<CatalogEntry>& entries, const VectorIndexOptions& options);

}  // namespace brivl
