#include "embed/region_relevance.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "model/brivl_model.h"
#include "util/error.h"
#include "vision/preprocess.h"

namespace brivl {
namespace {
namespace F = torch::nn::functional;

// The prompt's unit vector, the model's input and the image's 37 region features.
struct Inputs {
  torch::Tensor target;   // [D]
  torch::Tensor input;    // [1, 3, S, S] normalised
  torch::Tensor regions;  // [1, N, C]
  int grid = 0;
};

Inputs prepare(Embedder& embedder, const RgbImage& image, const std::string& prompt) {
  BRIVL_CHECK(image.width > 0 && image.height > 0, "explain: the image is empty");
  const auto query = embedder.embed_prompt(prompt);
  embedder.use_threads();
  auto& m = embedder_model(embedder);
  torch::NoGradGuard no_grad;
  auto& encoder = m.model->imgencoder;
  Inputs in;
  in.input = resize_and_normalize(rgb_to_tensor(image), m.config.img_size).to(m.device, m.dtype);
  in.regions = encoder->region_features(encoder->backbone->forward_features(in.input));
  in.target = torch::tensor(query).to(m.device, torch::kFloat32);
  in.grid = static_cast<int>(m.config.box_grid);
  BRIVL_CHECK(in.regions.size(1) == int64_t{in.grid} * in.grid + 1, "explain: the model has ", in.regions.size(1),
              " regions, expected BOX_GRID^2 + 1 = ", in.grid * in.grid + 1);
  return in;
}

torch::Tensor unit_cosine(const torch::Tensor& embedding, const torch::Tensor& target) {
  return (F::normalize(embedding.to(torch::kFloat32), F::NormalizeFuncOptions().dim(1)) * target.view({1, -1})).sum(1);
}

// Cosine of the head's embedding of `regions` ([B, n, C]) with the target: [B].
torch::Tensor head_cosine(Embedder& embedder, const torch::Tensor& regions, const torch::Tensor& target) {
  return unit_cosine(embedder_model(embedder).model->imgencoder->head(regions), target);
}

// Cosine of the whole tower's embedding of `inputs` ([B, 3, S, S]) with the target, in passes of
// the embedder's image batch (one on the CPU: its fastest): [B].
torch::Tensor image_cosine(Embedder& embedder, const torch::Tensor& inputs, const torch::Tensor& target) {
  auto& m = embedder_model(embedder);
  const int64_t per_pass = m.device.is_cuda() ? 16 : 1;
  std::vector<torch::Tensor> parts;
  for (int64_t b = 0; b < inputs.size(0); b += per_pass)
    parts.push_back(unit_cosine(m.model->imgencoder->forward(inputs.narrow(0, b, std::min(per_pass, inputs.size(0) - b))), target));
  return torch::cat(parts);
}

// Region indices of the model (x-major: index = x * grid + y) from map cells (row-major: y * grid + x).
int64_t region_of_cell(int cell, int grid) { return int64_t{cell % grid} * grid + cell / grid; }

torch::Tensor without_regions(const torch::Tensor& regions, const std::vector<int64_t>& left_out) {
  std::vector<int64_t> keep;
  for (int64_t r = 0; r < regions.size(1); ++r)
    if (std::find(left_out.begin(), left_out.end(), r) == left_out.end()) keep.push_back(r);
  return regions.index_select(1, torch::tensor(keep, torch::kInt64).to(regions.device()));
}

// The input with these cells filled with the image's own mean colour (a fixed grey would itself be
// an object on a white or a dark ground); the cells are the model's own grid boxes (image_boxes),
// rounded to whole input pixels.
torch::Tensor occluded(const torch::Tensor& input, const std::vector<int>& cells, int grid) {
  auto out = input.clone();
  const auto mean = input.mean({-2, -1}, true);  // [1, 3, 1, 1]
  const int64_t side = input.size(-1);
  const auto edge = [&](int k) { return static_cast<int64_t>(std::llround(static_cast<double>(k) * side / grid)); };
  for (int c : cells) {
    const int x = c % grid, y = c / grid;
    out.narrow(-2, edge(y), edge(y + 1) - edge(y)).narrow(-1, edge(x), edge(x + 1) - edge(x)).copy_(
        mean.expand({input.size(0), input.size(1), edge(y + 1) - edge(y), edge(x + 1) - edge(x)}));
  }
  return out;
}

// "windows": the cosine of every square window of 2 and of 3 grid cells (at every cell offset),
// each cropped from the full-resolution image and seen alone at the model's input size; a cell
// scores the mean cosine of the windows that hold it, less the lowest cell's (so all are >= 0).
std::vector<double> window_scores(Embedder& embedder, const RgbImage& image, const Inputs& in) {
  auto& m = embedder_model(embedder);
  const auto rgb = rgb_to_tensor(image);  // [3, H, W]
  const int g = in.grid;
  const auto edge = [&](int k, int64_t side) { return static_cast<int64_t>(std::llround(static_cast<double>(k) * side / g)); };
  struct Window {
    int x, y, k;
  };
  std::vector<Window> windows;
  std::vector<torch::Tensor> crops;
  for (int k = 2; k <= std::min(3, g); ++k)
    for (int y = 0; y + k <= g; ++y)
      for (int x = 0; x + k <= g; ++x) {
        const int64_t x0 = edge(x, image.width), x1 = std::max(x0 + 1, edge(x + k, image.width));
        const int64_t y0 = edge(y, image.height), y1 = std::max(y0 + 1, edge(y + k, image.height));
        crops.push_back(resize_and_normalize(rgb.narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0), m.config.img_size));
        windows.push_back({x, y, k});
      }
  const auto cosines = image_cosine(embedder, torch::cat(crops).to(m.device, m.dtype), in.target).to(torch::kCPU, torch::kFloat64).contiguous();
  std::vector<double> sum(static_cast<size_t>(g) * g, 0.0), count(sum.size(), 0.0);
  for (size_t w = 0; w < windows.size(); ++w)
    for (int y = windows[w].y; y < windows[w].y + windows[w].k; ++y)
      for (int x = windows[w].x; x < windows[w].x + windows[w].k; ++x) {
        sum[static_cast<size_t>(y) * g + x] += cosines[static_cast<int64_t>(w)].item<double>();
        count[static_cast<size_t>(y) * g + x] += 1;
      }
  for (size_t c = 0; c < sum.size(); ++c) sum[c] /= std::max(1.0, count[c]);
  const double lowest = *std::min_element(sum.begin(), sum.end());
  for (auto& v : sum) v -= lowest;
  return sum;
}

void check_cells(const std::vector<int>& cells, int grid) {
  for (int c : cells)
    BRIVL_CHECK(c >= 0 && c < grid * grid, "explain: cell ", c, " is outside the ", grid, "x", grid, " grid");
}

}  // namespace

void ExplainOptions::validate() const {
  BRIVL_CHECK(method == "pixels" || method == "regions" || method == "windows", "explain: --method '", method,
              "' is not one of pixels, regions, windows");
}

RegionRelevance explain_regions(Embedder& embedder, const RgbImage& image, const std::string& prompt,
                                const ExplainOptions& options) {
  options.validate();
  const auto in = prepare(embedder, image, prompt);
  torch::NoGradGuard no_grad;
  const int cells = in.grid * in.grid;
  RegionRelevance out;
  out.grid = in.grid;
  out.similarity = head_cosine(embedder, in.regions, in.target).item<double>();
  out.cells.resize(static_cast<size_t>(cells));
  const int64_t n = in.regions.size(1);
  // The whole-image region's share is measured at the region features in both methods.
  out.whole = out.similarity - head_cosine(embedder, without_regions(in.regions, {n - 1}), in.target).item<double>();
  if (options.method == "windows") {
    out.cells = window_scores(embedder, image, in);
    return out;
  }
  torch::Tensor taken_away;  // [cells]: the cosine without each cell, in map order
  if (options.method == "regions") {
    std::vector<torch::Tensor> sets;
    for (int c = 0; c < cells; ++c) sets.push_back(without_regions(in.regions, {region_of_cell(c, in.grid)}));
    taken_away = head_cosine(embedder, torch::cat(sets), in.target);
  } else {
    std::vector<torch::Tensor> inputs;
    for (int c = 0; c < cells; ++c) inputs.push_back(occluded(in.input, {c}, in.grid));
    taken_away = image_cosine(embedder, torch::cat(inputs), in.target);
  }
  taken_away = taken_away.to(torch::kCPU, torch::kFloat64).contiguous();
  for (int c = 0; c < cells; ++c) out.cells[static_cast<size_t>(c)] = out.similarity - taken_away[c].item<double>();
  return out;
}

double similarity_without_cells(Embedder& embedder, const RgbImage& image, const std::string& prompt,
                                const std::vector<int>& cells, const ExplainOptions& options) {
  options.validate();
  const auto in = prepare(embedder, image, prompt);
  check_cells(cells, in.grid);
  torch::NoGradGuard no_grad;
  if (options.method != "regions") return image_cosine(embedder, occluded(in.input, cells, in.grid), in.target).item<double>();
  std::vector<int64_t> regions;
  for (int c : cells) regions.push_back(region_of_cell(c, in.grid));
  return head_cosine(embedder, without_regions(in.regions, regions), in.target).item<double>();
}

std::vector<uint8_t> relevance_heat(const RegionRelevance& r, int width, int height) {
  BRIVL_CHECK(r.grid > 0 && r.cells.size() == static_cast<size_t>(r.grid) * r.grid, "relevance map: no cells");
  BRIVL_CHECK(width > 0 && height > 0, "relevance map: size ", width, "x", height, " must be positive");
  const auto grid = torch::tensor(r.cells, torch::kFloat64).to(torch::kFloat32).abs().view({1, 1, r.grid, r.grid});
  const auto up = F::interpolate(grid, F::InterpolateFuncOptions()
                                           .size(std::vector<int64_t>{height, width})
                                           .mode(torch::kBilinear)
                                           .align_corners(false))
                      .view({height, width});
  const double top = up.max().item<double>();
  const auto scaled = top > 0 ? (up * (255.0 / top)).round().clamp(0, 255) : torch::zeros_like(up);
  const auto bytes = scaled.to(torch::kUInt8).contiguous();
  return std::vector<uint8_t>(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
}

RgbImage relevance_overlay(const RgbImage& image, const std::vector<uint8_t>& heat) {
  BRIVL_CHECK(heat.size() == static_cast<size_t>(image.width) * image.height, "relevance overlay: the map has ",
              heat.size(), " values for a ", image.width, "x", image.height, " image");
  RgbImage out = image;
  for (size_t i = 0; i < heat.size(); ++i) {
    const double t = heat[i] / 255.0;
    // Red -> yellow as t goes 0.5 -> 1 (no white end: it would vanish on the white grounds of
    // emoji and drawings), laid on more opaquely the hotter it is.
    const double ramp[3] = {std::clamp(2 * t, 0.0, 1.0), std::clamp(2 * t - 1, 0.0, 1.0), 0.0};
    const double alpha = 0.6 * t;
    for (int c = 0; c < 3; ++c) {
      const double v = out.pixels[3 * i + c] * (1 - alpha) + 255.0 * ramp[c] * alpha;
      out.pixels[3 * i + c] = static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
    }
  }
  return out;
}

}  // namespace brivl
