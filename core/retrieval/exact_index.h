#pragma once
// Exact cosine search over an index held in memory as one contiguous float matrix: one matrix
// product (BLAS, chunked to bound memory) and a top-k per query. Torch-free header.
#include <memory>
#include <string>
#include <vector>

#include "retrieval/catalog.h"

namespace brivl {

struct SearchHit {
  std::string path;
  float score = 0;
};

// A per-query relevance cutoff from the score distribution: mean + 1.5 standard deviations of all
// scores (what stands out from the collection) but never above the best score, or -1 (no cutoff)
// below 20 scores, where the distribution says nothing.
struct Cutoff {
  float score = -1.0f;
  std::string rule;  // how it was chosen, shown to the user
};
Cutoff relevance_cutoff(const std::vector<float>& scores);

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
  // Cosine scores of every entry (vectors are L2-normalised), in index order.
  std::vector<float> scores(const std::vector<float>& query) const;
  // Best `top_k` of `scores` with score >= min_score, best first (ties by path).
  std::vector<SearchHit> top(const std::vector<float>& scores, int top_k, float min_score) const;
  std::vector<SearchHit> search(const std::vector<float>& query, int top_k, float min_score) const {
    return top(scores(query), top_k, min_score);
  }

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace brivl
