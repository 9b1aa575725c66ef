#include "retrieval/duplicate_folding.h"

#include "util/error.h"

namespace brivl {
namespace {

float dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t k = 0; k < a.size(); ++k) sum += static_cast<double>(a[k]) * b[k];
  return static_cast<float>(sum);
}

}  // namespace

void validate(const FoldOptions& options) {
  BRIVL_CHECK(options.threshold > 0.0f && options.threshold <= 1.0f, "fold threshold ", options.threshold,
              ": expected a cosine in (0, 1]");
}

std::vector<FoldedHit> fold_near_duplicates(const std::vector<SearchHit>& hits, const std::vector<std::vector<float>>& vectors,
                                            const FoldOptions& options) {
  validate(options);
  BRIVL_CHECK(hits.size() == vectors.size(), "fold: ", hits.size(), " results with ", vectors.size(), " vectors");
  std::vector<FoldedHit> kept;
  std::vector<size_t> kept_index;  // index into hits/vectors of each kept result
  for (size_t i = 0; i < hits.size(); ++i) {
    BRIVL_CHECK(vectors[i].size() == vectors.front().size(), "fold: ", hits[i].path, " has a vector of ",
                vectors[i].size(), " values, expected ", vectors.front().size());
    // A duplicate goes under a better result: folding a list that is not best-first would not.
    BRIVL_CHECK(i == 0 || hits[i].score <= hits[i - 1].score, "fold: results are not best first (", hits[i].path,
                " scores ", hits[i].score, " after ", hits[i - 1].score, ")");
    size_t into = kept.size();
    for (size_t j = 0; j < kept.size(); ++j) {
      if (dot(vectors[i], vectors[kept_index[j]]) >= options.threshold) {
        into = j;
        break;
      }
    }
    if (into < kept.size()) {
      kept[into].duplicates.push_back(hits[i]);
    } else {
      kept.push_back({hits[i], {}});
      kept_index.push_back(i);
    }
  }
  return kept;
}

}  // namespace brivl
