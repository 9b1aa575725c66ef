#pragma once
// Where the model sees a prompt in an image. BriVL's image tower looks at an image as 37 regions
// (a BOX_GRID x BOX_GRID grid and the whole image), pools each from the backbone's feature map and
// lets a transformer mix them before averaging. A grid cell's relevance to a prompt is what the
// image-prompt cosine loses when that cell is taken away, in one of two ways:
//   "pixels"  (default) the cell's pixels of the model's input set to the image's mean colour, one
//             full forward pass per cell (occlusion sensitivity, Zeiler & Fergus 2014);
//   "regions" the cell's region feature left out of the head's set: the backbone runs once, the
//             small head once per cell. Cheaper, but a region feature is pooled from a feature map
//             with a receptive field far wider than the cell, so on the shipped model it does not
//             localise (measured: docs/EXPLAIN.md).
//   "windows" nothing taken away: every square window of 2 and 3 cells is cropped from the image
//             and seen alone; a cell scores the mean cosine of its windows less the lowest cell's.
//             Where a part of the image is the prompt: it finds one emoji among four where the
//             small model's whole-image score does not follow them (and is therefore not faithful
//             in the occlusion sense on that model; docs/EXPLAIN.md).
// Faithfulness of pixels and regions: leaving out the hottest cells must cost more than leaving
// out random ones (tests).
// Torch-free interface; the CLI (`brivl explain`) uses it.
#include <string>
#include <vector>

#include "embed/embedder.h"
#include "vision/image_decode.h"

namespace brivl {

struct RegionRelevance {
  int grid = 0;               // BOX_GRID: the map has grid x grid cells
  // Cosine lost without each grid region, row-major over the image (row = y, column = x); may
  // be negative (the prompt fits better without that region). Windows: the mean cosine of the
  // cell's windows above the lowest cell's (>= 0).
  std::vector<double> cells;
  double whole = 0;           // ... without the whole-image region
  double similarity = 0;      // cosine of the image with the prompt, all regions present
  double cell(int x, int y) const { return cells[static_cast<size_t>(y) * grid + x]; }
};

struct ExplainOptions {
  std::string method = "pixels";  // pixels | regions | windows (see above)
  // Throws brivl::Error naming --method for an unknown one (callers check before loading a model).
  void validate() const;
};

// One image against one prompt ("猫", or weighted terms "猫:1 | 室内:-0.5").
RegionRelevance explain_regions(Embedder& embedder, const RgbImage& image, const std::string& prompt,
                                const ExplainOptions& options = {});

// The image-prompt cosine with these grid cells (indices into RegionRelevance::cells) taken away
// together, the way `options.method` takes one away (windows: as pixels).
double similarity_without_cells(Embedder& embedder, const RgbImage& image, const std::string& prompt,
                                const std::vector<int>& cells, const ExplainOptions& options = {});

// The map at `width` x `height`: each cell's influence |relevance| (how much the similarity
// depends on it, either way: on a weak model, covering part of the object can raise the score),
// upsampled bilinearly (cell centres at their centres, edges clamped), the largest as 255 (all 0
// when no cell has any influence). The signed scores stay in RegionRelevance::cells.
std::vector<uint8_t> relevance_heat(const RegionRelevance& relevance, int width, int height);

// `image` with the heat laid over it: a red-to-yellow ramp, alpha 0.6 where hot, 0 where cold.
RgbImage relevance_overlay(const RgbImage& image, const std::vector<uint8_t>& heat);

}  // namespace brivl
