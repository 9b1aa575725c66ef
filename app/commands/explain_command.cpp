// brivl explain: where in an image the model sees a prompt (core/embed/region_relevance.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "embed/region_relevance.h"
#include "export/image_export.h"
#include "export/png_export.h"
#include "model_options.h"
#include "output_format.h"
#include "util/error.h"

namespace brivl::cli {
namespace {

struct ExplainArgs {
  ModelArgs model;
  std::string image, prompt, out, overlay;
  ExplainOptions explain;
  bool json = false;
};

// The map and the blend are PNG only; image_format_for_path reads the extension (and names the
// path when it is no image format at all).
bool is_png(const std::string& path) { return image_format_for_path(path) == ImageFormat::png; }

void run_explain(const ExplainArgs& a) {
  // Every output is checked before the model loads: a typo never costs the work.
  BRIVL_CHECK(!a.out.empty() || !a.overlay.empty() || a.json, "explain: give -o MAP.png, --overlay BLEND.png or --json");
  BRIVL_CHECK(a.out.empty() || is_png(a.out), "-o ", a.out, ": the map is written as PNG (.png)");
  BRIVL_CHECK(a.overlay.empty() || is_png(a.overlay), "--overlay ", a.overlay, ": the blend is written as PNG (.png)");
  a.explain.validate();
  const RgbImage image = decode_image_file(a.image);
  auto embedder = Embedder::load(resolve_model_files(a.model), embedder_options(a.model));
  const auto relevance = explain_regions(embedder, image, a.prompt, a.explain);
  const auto heat = relevance_heat(relevance, image.width, image.height);
  if (!a.out.empty()) write_gray_png(a.out, image.width, image.height, heat);
  if (!a.overlay.empty()) write_png(a.overlay, relevance_overlay(image, heat));
  if (a.json) {
    std::vector<float> cells(relevance.cells.begin(), relevance.cells.end());
    std::printf("{\"image\":%s,\"prompt\":%s,\"method\":%s,\"similarity\":%.6f,\"grid\":%d,\"cells\":%s,\"whole\":%.6f}\n",
                json_string(a.image).c_str(), json_string(a.prompt).c_str(), json_string(a.explain.method).c_str(),
                relevance.similarity, relevance.grid,
                json_array(cells.data(), static_cast<int64_t>(cells.size())).c_str(), relevance.whole);
  }
  // The hottest cell of the map (the largest influence), for a reader of the terminal.
  const auto top = std::max_element(relevance.cells.begin(), relevance.cells.end(),
                                    [](double p, double q) { return std::abs(p) < std::abs(q); }) -
                   relevance.cells.begin();
  const double value = relevance.cells[static_cast<size_t>(top)];
  std::fprintf(stderr, "similarity %.4f; hottest cell x %d, y %d of %dx%d ", relevance.similarity,
               static_cast<int>(top % relevance.grid), static_cast<int>(top / relevance.grid), relevance.grid, relevance.grid);
  if (a.explain.method == "windows")  // windows take nothing away: a cell holds its windows' evidence
    std::fprintf(stderr, "(its windows seen alone score %+.4f above the lowest cell's)\n", value);
  else
    std::fprintf(stderr, "(taking it away changes the similarity by %+.4f)\n", -value);
}

}  // namespace

void add_explain_command(CLI::App& app, const std::string& executable) {
  auto args = std::make_shared<ExplainArgs>();
  args->model.executable = executable;
  auto* cmd = app.add_subcommand("explain", "where in an image the model sees a prompt: a relevance map of its regions");
  add_model_file_options(*cmd, args->model, true);
  add_runtime_options(*cmd, args->model);
  cmd->add_option("--image", args->image, "the image")->required();
  cmd->add_option("prompt", args->prompt, "the prompt (weighted terms allowed: 猫:1 | 室内:-0.5)")->required();
  cmd->add_option("-o,--out", args->out, "write the map as a greyscale PNG of the image's size (brighter = more relevant)");
  cmd->add_option("--overlay", args->overlay, "write the map blended over the image (PNG)");
  cmd->add_option("--method", args->explain.method,
                  "how a cell is taken away: pixels (filled with the image's mean colour, a forward pass each) | "
                  "regions (its region feature left out of the head: cheaper, does not localise on small models) | "
                  "windows (not taken away: each window of 2 and 3 cells seen alone, a cell scores the mean "
                  "similarity of its windows: where a part of the image is the prompt, e.g. one thing of several)")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "print the similarity and the grid's scores as JSON (row-major; pixels, regions: the similarity lost "
                "without each cell, signed; windows: its windows' mean similarity above the lowest cell's)");
  cmd->callback([args] { run_explain(*args); });
}

}  // namespace brivl::cli
