#pragma once
// Cross-modal retrieval quality of a model on a captioned set: recall@1/5/10 and mean rank of
// the first hit, text->image and image->text. A candidate whose caption equals the query's
// caption counts as a hit, so duplicate captions ("左上角的红色圆形" on several images) don't cap
// recall. Torch-free: works on a similarity matrix.
#include <cstdint>
#include <string>
#include <vector>

namespace brivl {

struct RecallAtK {
  double r1 = 0, r5 = 0, r10 = 0;
  double mean_rank = 0;  // 1-based rank of the first hit, averaged over queries
  int64_t queries = 0;
};

struct RetrievalMetrics {
  int64_t images = 0, texts = 0;
  RecallAtK t2i, i2t;
  double mean_r1() const { return (t2i.r1 + i2t.r1) / 2; }
  // {"n":images,"texts":…,"t2i":{"r1":…,"r5":…,"r10":…,"mean_rank":…},"i2t":{…}}
  std::string to_json() const;
};

// similarity: row-major [texts x images]. text_image[t] = the image text t belongs to (captions
// of one image share it); text_key[t] identifies equal captions (e.g. a hash of the text).
RetrievalMetrics retrieval_metrics(const std::vector<float>& similarity, int64_t texts, int64_t images,
                                   const std::vector<int64_t>& text_image, const std::vector<uint64_t>& text_key);

// Zero-shot classification: similarity [images x labels], truth[i] = index of image i's label.
struct ZeroShotMetrics {
  int64_t images = 0, labels = 0;
  double top1 = 0, top5 = 0;
};
ZeroShotMetrics zero_shot_metrics(const std::vector<float>& similarity, int64_t images, int64_t labels,
                                  const std::vector<int64_t>& truth);

// A stable 64-bit key of a caption (FNV-1a of its UTF-8 bytes).
uint64_t caption_key(const std::string& text);

}  // namespace brivl
