#pragma once
// Hard negatives for contrastive training: images whose captions differ from each other in only
// a character or two (红色圆形 / 蓝色圆形, 笑脸 / 哭脸). Random batches rarely hold such a pair, so a
// model can separate almost every negative by its most salient attribute (where a shape is) and
// never learn a weaker one (its colour); batches built from groups of near captions make the weak
// attribute the only way to tell a positive from its neighbours (docs/TRAINING.md, "Hard negatives").
#include <cstdint>
#include <string>
#include <vector>

namespace brivl {

// Levenshtein distance between two texts in Unicode code points (not bytes).
int caption_edit_distance(const std::u32string& a, const std::u32string& b);

// For every caption, the indices of up to `k` other captions nearest to it by edit distance,
// nearest first, keeping only those that differ (distance >= 1) by at most
// max(1, shorter length / 3) code points: one attribute word, not a different sentence. Equal
// distances are ordered by a hash of the pair (not by index, which would favour the data's first rows). Quadratic in the number of captions: throws brivl::Error naming
// `source` above `max_captions`.
std::vector<std::vector<int64_t>> nearest_captions(const std::vector<std::string>& captions, int k,
                                                   const std::string& source, int64_t max_captions = 20000);

// An epoch's order rebuilt from `order` (a shuffled permutation) so that consecutive runs of up to
// `group` images are an anchor followed by its not-yet-placed nearest neighbours, in a random
// order drawn from `seed`. Every image appears exactly once; anchors keep their shuffled order.
std::vector<int64_t> group_near_captions(const std::vector<int64_t>& order,
                                         const std::vector<std::vector<int64_t>>& neighbours, int group,
                                         uint64_t seed);

}  // namespace brivl
