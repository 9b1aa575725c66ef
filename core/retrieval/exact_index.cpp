#include "retrieval/exact_index.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "util/error.h"

namespace brivl {

struct ExactIndex::State {
  std::vector<std::string> paths;
  StoredVectors vectors;
  State(std::vector<std::string> p, int64_t dim, Precision precision)
      : paths(std::move(p)), vectors(static_cast<int64_t>(paths.size()), dim, precision) {}
};

Cutoff relevance_cutoff(const std::vector<float>& scores) {
  if (scores.size() < 20) return {-1.0f, "no automatic cutoff below 20 images"};
  double sum = 0, sum_sq = 0;
  float best = scores.front();
  for (float s : scores) {
    sum += s;
    sum_sq += static_cast<double>(s) * s;
    best = std::max(best, s);
  }
  const double n = static_cast<double>(scores.size()), mean = sum / n;
  const double sd = std::sqrt(std::max(0.0, sum_sq / n - mean * mean));
  std::ostringstream rule;
  rule << "mean " << mean << " + 1.5 sd " << sd << " of " << scores.size() << " scores, never above the best";
  // Never hide the best match: a query that nothing stands out for still shows its top result.
  return {std::min(static_cast<float>(mean + 1.5 * sd), best), rule.str()};
}

ExactIndex::ExactIndex(const std::vector<CatalogEntry>& entries, Precision precision)
    : ExactIndex(paths_of(entries), entries.empty() ? 0 : static_cast<int64_t>(entries.front().vector.size()),
                 rows_of(entries), precision) {}

ExactIndex::ExactIndex(std::vector<std::string> paths, std::vector<float> vectors, int64_t dim, Precision precision) {
  const int64_t n = static_cast<int64_t>(paths.size());
  BRIVL_CHECK(static_cast<int64_t>(vectors.size()) == n * dim, "index: ", vectors.size(), " values for ", n, " x ", dim);
  state_ = std::make_unique<State>(std::move(paths), dim, precision);
  state_->vectors.append(vectors.data(), n);
}

ExactIndex::ExactIndex(std::vector<std::string> paths, int64_t dim, const RowSource& rows, Precision precision) {
  state_ = std::make_unique<State>(std::move(paths), dim, precision);
  const int64_t n = static_cast<int64_t>(state_->paths.size());
  int64_t delivered = 0;
  rows([&](const float* chunk, int64_t count) {
    BRIVL_CHECK(delivered + count <= n, "index: more rows than the ", n, " paths");
    state_->vectors.append(chunk, count);
    delivered += count;
  });
  BRIVL_CHECK(delivered == n, "index: ", delivered, " rows for ", n, " paths");
}

ExactIndex::ExactIndex(ExactIndex&&) noexcept = default;
ExactIndex& ExactIndex::operator=(ExactIndex&&) noexcept = default;
ExactIndex::~ExactIndex() = default;

int64_t ExactIndex::size() const { return state_->vectors.size(); }
int64_t ExactIndex::dim() const { return state_->vectors.dim(); }
Precision ExactIndex::precision() const { return state_->vectors.precision(); }
std::string ExactIndex::describe() const { return "exact " + precision_name(precision()); }

std::vector<float> ExactIndex::scores(const std::vector<float>& query) const {
  BRIVL_CHECK(static_cast<int64_t>(query.size()) == dim() || size() == 0, "search: the index has dimension ", dim(),
              ", the query ", query.size());
  return state_->vectors.scores(query.data());
}

std::vector<SearchHit> ExactIndex::top(const std::vector<float>& all, int top_k, float min_score) const {
  BRIVL_CHECK(static_cast<int64_t>(all.size()) == size(), "search: ", all.size(), " scores for ", size(), " entries");
  std::vector<int64_t> order;
  for (int64_t i = 0; i < static_cast<int64_t>(all.size()); ++i) {
    if (all[i] >= min_score) order.push_back(i);
  }
  const size_t k = std::min(order.size(), static_cast<size_t>(std::max(top_k, 0)));
  const auto& paths = state_->paths;
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), [&](int64_t a, int64_t b) {
    return all[a] > all[b] || (all[a] == all[b] && paths[a] < paths[b]);
  });
  std::vector<SearchHit> hits;
  for (size_t i = 0; i < k; ++i) hits.push_back({paths[order[i]], all[order[i]], order[i]});
  return hits;
}

SearchResult ExactIndex::search_with_cutoff(const std::vector<float>& query, int top_k) const {
  const auto all = scores(query);  // once: for the cutoff and the ranking
  return {top(all, top_k, -2.0f), relevance_cutoff(all)};
}

std::vector<float> ExactIndex::vector(int64_t row) const { return state_->vectors.row(row); }

}  // namespace brivl
