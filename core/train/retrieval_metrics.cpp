#include "train/retrieval_metrics.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "util/error.h"

namespace brivl {

namespace {
// Rank (1-based) of the first candidate for which `hit` holds, ordering by descending score.
// Ties are broken against the query (a hit tied with a miss counts as ranked after it), so a
// constant model scores chance level, never perfect.
template <typename Hit>
int64_t first_hit_rank(const float* scores, int64_t n, Hit hit) {
  float best_hit = -std::numeric_limits<float>::infinity();
  bool any = false;
  for (int64_t j = 0; j < n; ++j)
    if (hit(j) && (!any || scores[j] > best_hit)) best_hit = scores[j], any = true;
  if (!any) return n + 1;
  int64_t rank = 1;
  for (int64_t j = 0; j < n; ++j)
    if (!hit(j) && scores[j] >= best_hit) ++rank;
  return rank;
}

void add_rank(RecallAtK& r, int64_t rank) {
  r.r1 += rank <= 1;
  r.r5 += rank <= 5;
  r.r10 += rank <= 10;
  r.mean_rank += static_cast<double>(rank);
  ++r.queries;
}

void finish(RecallAtK& r) {
  if (r.queries == 0) return;
  const double n = static_cast<double>(r.queries);
  r.r1 /= n, r.r5 /= n, r.r10 /= n, r.mean_rank /= n;
}

nlohmann::json recall_json(const RecallAtK& r) {
  return {{"r1", r.r1}, {"r5", r.r5}, {"r10", r.r10}, {"mean_rank", r.mean_rank}, {"queries", r.queries}};
}
}  // namespace

std::string RetrievalMetrics::to_json() const {
  return nlohmann::json{{"n", images}, {"texts", texts}, {"t2i", recall_json(t2i)}, {"i2t", recall_json(i2t)}}.dump();
}

RetrievalMetrics retrieval_metrics(const std::vector<float>& sim, int64_t texts, int64_t images,
                                   const std::vector<int64_t>& text_image, const std::vector<uint64_t>& text_key) {
  BRIVL_CHECK(static_cast<int64_t>(sim.size()) == texts * images && static_cast<int64_t>(text_image.size()) == texts &&
                  static_cast<int64_t>(text_key.size()) == texts,
              "retrieval_metrics: inconsistent sizes");
  // The captions of each image, as keys.
  std::vector<std::unordered_set<uint64_t>> image_keys(images);
  for (int64_t t = 0; t < texts; ++t) {
    BRIVL_CHECK(text_image[t] >= 0 && text_image[t] < images, "retrieval_metrics: text ", t, " names image ", text_image[t]);
    image_keys[text_image[t]].insert(text_key[t]);
  }
  RetrievalMetrics m;
  m.images = images, m.texts = texts;
  // text -> image: rows of `sim`.
  for (int64_t t = 0; t < texts; ++t) {
    const uint64_t key = text_key[t];
    add_rank(m.t2i, first_hit_rank(sim.data() + t * images, images, [&](int64_t i) { return image_keys[i].count(key) > 0; }));
  }
  // image -> text: columns of `sim`.
  std::vector<float> column(texts);
  for (int64_t i = 0; i < images; ++i) {
    for (int64_t t = 0; t < texts; ++t) column[t] = sim[t * images + i];
    add_rank(m.i2t, first_hit_rank(column.data(), texts, [&](int64_t t) { return image_keys[i].count(text_key[t]) > 0; }));
  }
  finish(m.t2i);
  finish(m.i2t);
  return m;
}

ZeroShotMetrics zero_shot_metrics(const std::vector<float>& sim, int64_t images, int64_t labels,
                                  const std::vector<int64_t>& truth) {
  BRIVL_CHECK(static_cast<int64_t>(sim.size()) == images * labels && static_cast<int64_t>(truth.size()) == images,
              "zero_shot_metrics: inconsistent sizes");
  ZeroShotMetrics z;
  z.images = images, z.labels = labels;
  for (int64_t i = 0; i < images; ++i) {
    const int64_t rank = first_hit_rank(sim.data() + i * labels, labels, [&](int64_t l) { return l == truth[i]; });
    z.top1 += rank <= 1;
    z.top5 += rank <= 5;
  }
  if (images > 0) z.top1 /= static_cast<double>(images), z.top5 /= static_cast<double>(images);
  return z;
}

uint64_t caption_key(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace brivl
