#pragma once
// Near-duplicate folding of a ranked result list: the same photo resized, re-encoded or lightly
// edited gets its own content hash (so its own catalog vector) but shows up as a run of almost
// equal results. Each such result is folded into the best earlier result it nearly equals, which
// then lists it. Torch-free.
#include <vector>

#include "retrieval/search_hit.h"

namespace brivl {

struct FoldOptions {
  // Cosine between two result vectors at or above which the later one is folded. 0.98, measured
  // with the shipped model on its sample images and variants (docs/PERFORMANCE.md, "Near-duplicate
  // folding"): 9 of 10 JPEG re-encodes and 6 of 10 half-size copies reach it, as at 0.97, but
  // 0.5 % of pairs of distinct images instead of 1.8 %. A wrongly folded image is still listed
  // under the other; a missed duplicate is only clutter.
  float threshold = 0.98f;
};
// Throws brivl::Error unless 0 < threshold <= 1.
void validate(const FoldOptions& options);

struct FoldedHit {
  SearchHit hit;
  std::vector<SearchHit> duplicates;  // folded into `hit`, best first
};

// `hits` best first; `vectors[i]` is the (L2-normalised) vector of hits[i]. Each hit is compared
// with the hits kept so far, in rank order, and folded into the first it reaches the threshold
// with; it is never compared with other duplicates, so folding does not chain (A≈B, B≈C keeps C
// apart when A and C differ). Order is preserved. Cost: results x kept results x dim.
std::vector<FoldedHit> fold_near_duplicates(const std::vector<SearchHit>& hits, const std::vector<std::vector<float>>& vectors,
                                            const FoldOptions& options);

}  // namespace brivl
