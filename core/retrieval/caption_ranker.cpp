#include "retrieval/caption_ranker.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "text/text_lines.h"

namespace brivl {

CaptionRanker::CaptionRanker(Embedder& embedder, std::vector<std::string> captions, const std::string& source,
                             const EmbedHooks& hooks)
    : captions_(std::move(captions)) {
  BRIVL_CHECK(!captions_.empty(), source, ": no captions to rank (expected one text per line)");
  embeddings_ = embedder.embed_texts(captions_, hooks);
}

std::vector<RankedText> CaptionRanker::rank(const std::vector<float>& image_embedding, int top) const {
  BRIVL_CHECK(static_cast<int64_t>(image_embedding.size()) == embeddings_.cols, "image embedding has ",
              image_embedding.size(), " values but the captions' have ", embeddings_.cols);
  // Summed in double like cosine_matrix, so `brivl caption` and `brivl similarity` agree; a NaN
  // (e.g. an overflowing fp16 model) ranks last instead of breaking the order.
  std::vector<float> scores(captions_.size());
  for (size_t j = 0; j < captions_.size(); ++j) {
    const float* row = embeddings_.row(static_cast<int64_t>(j));
    double dot = 0;
    for (int64_t k = 0; k < embeddings_.cols; ++k) dot += static_cast<double>(row[k]) * image_embedding[static_cast<size_t>(k)];
    scores[j] = std::isnan(dot) ? -std::numeric_limits<float>::infinity() : static_cast<float>(dot);
  }
  std::vector<size_t> order(captions_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  const size_t n = std::min(order.size(), static_cast<size_t>(std::max(top, 0)));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                    [&](size_t a, size_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });
  std::vector<RankedText> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back({captions_[order[i]], scores[order[i]]});
  return out;
}

std::vector<RankedText> CaptionRanker::rank_image(Embedder& embedder, const std::string& image_path, int top) const {
  const Matrix image = embedder.embed_images({image_path});
  return rank(image.data, top);
}

std::vector<std::string> read_caption_list(const std::string& path) {
  std::vector<std::string> captions;
  std::unordered_set<std::string> seen;
  for (auto& line : read_text_lines(path)) {
    if (line.empty() || !seen.insert(line).second) continue;
    captions.push_back(std::move(line));
  }
  BRIVL_CHECK(!captions.empty(), path, ": no captions (expected one text per line)");
  return captions;
}

}  // namespace brivl
