#pragma once
// One search result and the relevance cutoff shown with a list of them. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

namespace brivl {

struct SearchHit {
  std::string path;
  float score = 0;   // cosine similarity to the query (vectors are L2-normalised)
  int64_t row = -1;  // position in the index that answered (VectorIndex::vector(row)), -1 if unknown
};

// A per-query relevance cutoff from the score distribution: mean + 1.5 standard deviations of all
// scores (what stands out from the collection) but never above the best score, or -1 (no cutoff)
// below 20 scores, where the distribution says nothing.
struct Cutoff {
  float score = -1.0f;
  std::string rule;  // how it was chosen, shown to the user
};
Cutoff relevance_cutoff(const std::vector<float>& scores);

}  // namespace brivl
