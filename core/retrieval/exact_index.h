#pragma once
// Exact cosine search over an index held in memory as one contiguous float matrix: one matrix
// product (BLAS, chunked to bound memory) and a top-k per query. Torch-free header.
#include <memory>
#include <string>
#include <vector>

#include "retrieval/catalog.h"
#include "retrieval/indexer.h"

namespace brivl {

class ExactIndex {
 public:
  explicit ExactIndex(const std::vector<CatalogEntry>& entries);
  // From raw rows (benchmarks, synthetic data): `vectors` is [paths.size(), dim] row-major.
  ExactIndex(std::vector<std::string> paths, std::vector<float> vectors, int64_t dim);
  ExactIndex(ExactIndex&&) noexcept;
  ExactIndex& operator=(ExactIndex&&) noexcept;
  ~ExactIndex();

  int64_t size() const;
  int64_t dim() const;
  // Best `top_k` with score >= min_score, best first (ties by path).
  std::vector<SearchHit> search(const std::vector<float>& query, int top_k, float min_score) const;
  // All scores, in index order (for the relevance cutoff).
  std::vector<float> scores(const std::vector<float>& query) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace brivl
