#include "train/caption_neighbours.h"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "text/unicode_text.h"
#include "train/image_augment.h"
#include "util/error.h"

namespace brivl {

int caption_edit_distance(const std::u32string& a, const std::u32string& b) {
  std::vector<int> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::vector<int64_t>> nearest_captions(const std::vector<std::string>& captions, int k,
                                                   const std::string& source, int64_t max_captions) {
  const int64_t n = static_cast<int64_t>(captions.size());
  BRIVL_CHECK(k >= 0, source, ": the number of nearest captions must be >= 0, got ", k);
  BRIVL_CHECK(n <= max_captions, source, ": hard negatives compare every caption with every other (", n,
              " images, at most ", max_captions, " supported); train without --hard-negatives or split the data");
  std::vector<std::u32string> text(n);
  for (int64_t i = 0; i < n; ++i) text[i] = unicode::decode_utf8(captions[i]);
  std::vector<std::vector<int64_t>> out(n);
  std::vector<std::tuple<int, uint64_t, int64_t>> found;  // distance, tie-break, index
  for (int64_t i = 0; i < n && k > 0; ++i) {
    found.clear();
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const int64_t shorter = static_cast<int64_t>(std::min(text[i].size(), text[j].size()));
      const int limit = static_cast<int>(std::max<int64_t>(1, shorter / 3));
      const int64_t length_gap = std::abs(static_cast<int64_t>(text[i].size()) - static_cast<int64_t>(text[j].size()));
      if (length_gap > limit) continue;  // the distance is at least the length difference
      const int d = caption_edit_distance(text[i], text[j]);
      if (d >= 1 && d <= limit) found.emplace_back(d, mix_seed(static_cast<uint64_t>(i), static_cast<uint64_t>(j)), j);
    }
    const size_t keep = std::min(found.size(), static_cast<size_t>(k));
    std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end());
    for (size_t m = 0; m < keep; ++m) out[i].push_back(std::get<2>(found[m]));
  }
  return out;
}

std::vector<int64_t> group_near_captions(const std::vector<int64_t>& order,
                                         const std::vector<std::vector<int64_t>>& neighbours, int group,
                                         uint64_t seed) {
  BRIVL_CHECK(group >= 1, "hard-negative group size must be >= 1, got ", group);
  std::vector<char> placed(neighbours.size(), 0);
  std::vector<int64_t> out;
  out.reserve(order.size());
  std::vector<int64_t> candidates;
  for (const int64_t anchor : order) {
    BRIVL_CHECK(anchor >= 0 && anchor < static_cast<int64_t>(neighbours.size()), "hard negatives: image index ",
                anchor, " out of range");
    if (placed[anchor]) continue;
    placed[anchor] = 1;
    out.push_back(anchor);
    candidates.clear();
    for (const int64_t j : neighbours[anchor])
      if (!placed[j]) candidates.push_back(j);
    SampleRng rng(mix_seed(seed, 0x4a7dull, static_cast<uint64_t>(anchor)));
    for (int64_t i = static_cast<int64_t>(candidates.size()) - 1; i > 0; --i)
      std::swap(candidates[i], candidates[rng.below(static_cast<uint64_t>(i + 1))]);
    for (size_t m = 0; m < candidates.size() && static_cast<int>(m) + 1 < group; ++m) {
      placed[candidates[m]] = 1;
      out.push_back(candidates[m]);
    }
  }
  return out;
}

}  // namespace brivl
