#pragma once
// Image -> text: ranks a list of candidate captions (zero-shot labels, a caption file) for an
// image. The captions are embedded once; each image is then one embedding and a dot product per
// caption, so browsing many images against one list stays cheap. `brivl caption` and the
// studio's preview use it.
#include <string>
#include <vector>

#include "embed/embedder.h"

namespace brivl {

struct RankedText {
  std::string text;
  float score = 0;  // cosine similarity to the image
};

class CaptionRanker {
 public:
  // Embeds `captions` (hooks: progress per batch, cancel). Throws when the list is empty, naming
  // `source` (the caption file, or what the list came from).
  CaptionRanker(Embedder& embedder, std::vector<std::string> captions, const std::string& source,
                const EmbedHooks& hooks = {});

  size_t size() const { return captions_.size(); }
  const std::vector<std::string>& captions() const { return captions_; }
  // The `top` best captions for an L2-normalised image embedding, best first; ties keep the
  // list's order.
  std::vector<RankedText> rank(const std::vector<float>& image_embedding, int top) const;
  // Embeds the image file with `embedder` (the one the captions were embedded with), then ranks.
  std::vector<RankedText> rank_image(Embedder& embedder, const std::string& image_path, int top) const;

 private:
  std::vector<std::string> captions_;
  Matrix embeddings_;
};

// A caption list file: one caption per line (read_text_lines), blank lines dropped, duplicates
// kept once (first occurrence). Throws naming the file when nothing is left.
std::vector<std::string> read_caption_list(const std::string& path);

}  // namespace brivl
