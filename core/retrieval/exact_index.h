#pragma once
// Exact cosine search over an index held in memory as one contiguous matrix (float32, or float16
// for half the memory): a matrix-vector product over chunks of rows and a top-k per query.
// Torch-free header.
#include <memory>
#include <string>
#include <vector>

#include "retrieval/catalog.h"
#include "retrieval/search_hit.h"
#include "retrieval/stored_vectors.h"
#include "retrieval/vector_index.h"

namespace brivl {

class ExactIndex : public VectorIndex {
 public:
  explicit ExactIndex(const std::vector<CatalogEntry>& entries, Precision precision = Precision::fp32);
  // From raw rows (benchmarks, synthetic data): `vectors` is [paths.size(), dim] row-major.
  ExactIndex(std::vector<std::string> paths, std::vector<float> vectors, int64_t dim,
             Precision precision = Precision::fp32);
  // From rows delivered in chunks (see RowSource).
  ExactIndex(std::vector<std::string> paths, int64_t dim, const RowSource& rows, Precision precision);
  ExactIndex(ExactIndex&&) noexcept;
  ExactIndex& operator=(ExactIndex&&) noexcept;
  ~ExactIndex() override;

  int64_t size() const override;
  int64_t dim() const override;
  std::string describe() const override;  // "exact fp32" / "exact fp16"
  Precision precision() const;

  // Cosine scores of every entry (vectors are L2-normalised), in index order.
  std::vector<float> scores(const std::vector<float>& query) const;
  // Best `top_k` of `scores` with score >= min_score, best first (ties by path).
  std::vector<SearchHit> top(const std::vector<float>& scores, int top_k, float min_score) const;

  std::vector<SearchHit> search(const std::vector<float>& query, int top_k, float min_score) const override {
    return top(scores(query), top_k, min_score);
  }
  SearchResult search_with_cutoff(const std::vector<float>& query, int top_k) const override;
  std::vector<float> vector(int64_t row) const override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace brivl
