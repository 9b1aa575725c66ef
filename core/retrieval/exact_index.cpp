#include "retrieval/exact_index.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "util/error.h"

namespace brivl {

struct ExactIndex::State {
  std::vector<std::string> paths;
  torch::Tensor matrix;  // [N, D] float32, contiguous
};

namespace {
constexpr int64_t kChunkRows = 65536;  // bounds the temporary score buffer per product
}

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

ExactIndex::ExactIndex(const std::vector<CatalogEntry>& entries) : state_(std::make_unique<State>()) {
  const int64_t n = static_cast<int64_t>(entries.size());
  const int64_t d = n ? static_cast<int64_t>(entries.front().vector.size()) : 0;
  state_->matrix = torch::empty({n, d}, torch::kFloat32);
  for (int64_t i = 0; i < n; ++i) {
    BRIVL_CHECK(static_cast<int64_t>(entries[i].vector.size()) == d, "index: ", entries[i].path, " has a vector of ",
                entries[i].vector.size(), " values, expected ", d);
    std::copy(entries[i].vector.begin(), entries[i].vector.end(), state_->matrix[i].data_ptr<float>());
    state_->paths.push_back(entries[i].path);
  }
}

ExactIndex::ExactIndex(std::vector<std::string> paths, std::vector<float> vectors, int64_t dim)
    : state_(std::make_unique<State>()) {
  const int64_t n = static_cast<int64_t>(paths.size());
  BRIVL_CHECK(static_cast<int64_t>(vectors.size()) == n * dim, "index: ", vectors.size(), " values for ", n, " x ", dim);
  state_->matrix = torch::from_blob(vectors.data(), {n, dim}, torch::kFloat32).clone();
  state_->paths = std::move(paths);
}

ExactIndex::ExactIndex(ExactIndex&&) noexcept = default;
ExactIndex& ExactIndex::operator=(ExactIndex&&) noexcept = default;
ExactIndex::~ExactIndex() = default;

int64_t ExactIndex::size() const { return state_->matrix.size(0); }
int64_t ExactIndex::dim() const { return state_->matrix.size(1); }

std::vector<float> ExactIndex::scores(const std::vector<float>& query) const {
  BRIVL_CHECK(static_cast<int64_t>(query.size()) == dim() || size() == 0, "search: the index has dimension ", dim(),
              ", the query ", query.size());
  torch::InferenceMode guard;
  const auto q = torch::from_blob(const_cast<float*>(query.data()), {static_cast<int64_t>(query.size()), 1}, torch::kFloat32);
  std::vector<float> out(static_cast<size_t>(size()));
  for (int64_t begin = 0; begin < size(); begin += kChunkRows) {
    const int64_t rows = std::min(kChunkRows, size() - begin);
    const auto s = torch::mm(state_->matrix.narrow(0, begin, rows), q).contiguous();
    std::copy(s.data_ptr<float>(), s.data_ptr<float>() + rows, out.begin() + begin);
  }
  return out;
}

std::vector<SearchHit> ExactIndex::top(const std::vector<float>& all, int top_k, float min_score) const {
  BRIVL_CHECK(static_cast<int64_t>(all.size()) == size(), "search: ", all.size(), " scores for ", size(), " entries");
  std::vector<int64_t> order;
  for (int64_t i = 0; i < static_cast<int64_t>(all.size()); ++i) {
    if (all[i] >= min_score) order.push_back(i);
  }
  const size_t k = std::min(order.size(), static_cast<size_t>(std::max(top_k, 0)));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), [&](int64_t a, int64_t b) {
    return all[a] > all[b] || (all[a] == all[b] && state_->paths[a] < state_->paths[b]);
  });
  std::vector<SearchHit> hits;
  for (size_t i = 0; i < k; ++i) hits.push_back({state_->paths[order[i]], all[order[i]]});
  return hits;
}

}  // namespace brivl
