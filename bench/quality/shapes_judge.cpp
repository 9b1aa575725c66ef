#include "quality/shapes_judge.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "train/shapes_dataset.h"

namespace brivl::quality {
namespace {

double percentile(std::vector<double> values, double q) {
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(q * static_cast<double>(values.size())));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

// Box blur of radius r (summed-area table, edges clamped): pixel-level noise and fine texture
// average out, an object of a few percent of the image keeps its colour and place.
RgbImage box_blur(const RgbImage& image, int r) {
  const int w = image.width, h = image.height;
  std::vector<double> sat(static_cast<size_t>(w + 1) * (h + 1) * 3, 0.0);
  auto at = [&](int x, int y, int c) -> double& { return sat[(static_cast<size_t>(y) * (w + 1) + x) * 3 + c]; };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        at(x + 1, y + 1, c) = image.pixels[(static_cast<size_t>(y) * w + x) * 3 + c] + at(x, y + 1, c) + at(x + 1, y, c) - at(x, y, c);
  RgbImage out{w, h, std::vector<uint8_t>(image.pixels.size())};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int x0 = std::max(0, x - r), x1 = std::min(w, x + r + 1), y0 = std::max(0, y - r), y1 = std::min(h, y + r + 1);
      const double area = static_cast<double>((x1 - x0) * (y1 - y0));
      for (int c = 0; c < 3; ++c) {
        const double sum = at(x1, y1, c) - at(x0, y1, c) - at(x1, y0, c) + at(x0, y0, c);
        out.pixels[(static_cast<size_t>(y) * w + x) * 3 + c] = static_cast<uint8_t>(std::lround(sum / area));
      }
    }
  return out;
}

}  // namespace

ShapesVerdict judge_shapes(const RgbImage& original) {
  const RgbImage image = box_blur(original, std::max(1, std::min(original.width, original.height) / 40));
  const size_t n = static_cast<size_t>(image.width) * static_cast<size_t>(image.height);
  std::array<double, 3> background{};
  for (int c = 0; c < 3; ++c) {
    std::vector<double> channel(n);
    for (size_t i = 0; i < n; ++i) channel[i] = image.pixels[3 * i + c];
    background[c] = percentile(std::move(channel), 0.5);
  }
  std::vector<double> salience(n);
  for (size_t i = 0; i < n; ++i) {
    double d2 = 0;
    for (int c = 0; c < 3; ++c) d2 += std::pow(image.pixels[3 * i + c] - background[c], 2);
    salience[i] = std::sqrt(d2);
  }
  const double threshold = std::max(0.5 * percentile(salience, 0.99), percentile(salience, 0.90));

  // Palette directions from this image's own ground: a shape (or a faint tint) of colour k moves
  // a pixel from the ground towards colour k, on a dark ground as on a light one.
  const auto& vocab = shapes_vocabulary();
  std::vector<std::array<double, 3>> directions;
  for (const auto& rgb : vocab.colour_rgb) {
    std::array<double, 3> d{};
    double norm = 0;
    for (int c = 0; c < 3; ++c) norm += std::pow(d[c] = rgb[c] - background[c], 2);
    for (auto& v : d) v = norm > 0 ? v / std::sqrt(norm) : 0.0;
    directions.push_back(d);
  }
  std::vector<double> votes(directions.size(), 0.0);
  double total = 0, sx = 0, sy = 0, weight = 0;
  for (size_t i = 0; i < n; ++i) {
    if (salience[i] < threshold || salience[i] <= 0) continue;
    std::array<double, 3> d{};
    for (int c = 0; c < 3; ++c) d[c] = (image.pixels[3 * i + c] - background[c]) / salience[i];
    size_t best = 0;
    double best_cos = -2;
    for (size_t k = 0; k < directions.size(); ++k) {
      const double cos = d[0] * directions[k][0] + d[1] * directions[k][1] + d[2] * directions[k][2];
      if (cos > best_cos) best_cos = cos, best = k;
    }
    votes[best] += 1;
    total += 1;
    const double x = (static_cast<double>(i % image.width) + 0.5) / image.width;
    const double y = (static_cast<double>(i / image.width) + 0.5) / image.height;
    sx += salience[i] * x, sy += salience[i] * y, weight += salience[i];
  }
  ShapesVerdict v;
  if (total == 0) return v;  // a flat image shows nothing
  v.colour = static_cast<int>(std::max_element(votes.begin(), votes.end()) - votes.begin());
  v.colour_share = votes[v.colour] / total;
  v.centroid_x = sx / weight, v.centroid_y = sy / weight;
  // Position order of the vocabulary: 左上角 右上角 左下角 右下角 中间.
  const double centres[5][2] = {{0.27, 0.27}, {0.73, 0.27}, {0.27, 0.73}, {0.73, 0.73}, {0.5, 0.5}};
  double best = 1e9;
  for (int p = 0; p < 5; ++p) {
    const double d = std::hypot(v.centroid_x - centres[p][0], v.centroid_y - centres[p][1]);
    if (d < best) best = d, v.position = p;
  }
  return v;
}

ShapesPromptWords shapes_prompt_words(const std::string& prompt) {
  const auto& vocab = shapes_vocabulary();
  ShapesPromptWords w;
  for (size_t i = 0; i < vocab.colours.size(); ++i)
    if (prompt.find(vocab.colours[i]) != std::string::npos) w.colour = static_cast<int>(i);
  for (size_t i = 0; i < vocab.positions.size(); ++i)
    if (prompt.find(vocab.positions[i]) != std::string::npos) w.position = static_cast<int>(i);
  return w;
}

}  // namespace brivl::quality
