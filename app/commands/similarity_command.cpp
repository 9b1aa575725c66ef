// brivl similarity: the image x text cosine matrix (example.py's similarity_matrix).
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.h"
#include "input_list.h"
#include "model_options.h"
#include "output_format.h"
#include "progress_line.h"
#include "util/error.h"
#include "util/npy.h"

namespace brivl::cli {
namespace {

struct SimilarityArgs {
  ModelArgs model;
  InputList inputs;
  bool json = false;
  std::string out;
};

void print_table(const std::vector<std::string>& images, const std::vector<std::string>& texts, const Matrix& sim) {
  for (size_t j = 0; j < texts.size(); ++j) std::cout << "T" << j << "\t" << texts[j] << "\n";
  std::cout << "image";
  for (size_t j = 0; j < texts.size(); ++j) std::cout << "\tT" << j;
  std::cout << "\n";
  for (size_t i = 0; i < images.size(); ++i) {
    std::cout << images[i];
    for (size_t j = 0; j < texts.size(); ++j) std::cout << "\t" << std::fixed << std::setprecision(4) << sim.row(i)[j];
    std::cout << "\n";
  }
}

void print_json(const std::vector<std::string>& images, const std::vector<std::string>& texts, const Matrix& sim) {
  std::cout << "{\"images\":[";
  for (size_t i = 0; i < images.size(); ++i) std::cout << (i ? "," : "") << json_string(images[i]);
  std::cout << "],\"texts\":[";
  for (size_t j = 0; j < texts.size(); ++j) std::cout << (j ? "," : "") << json_string(texts[j]);
  std::cout << "],\"similarity\":[";
  for (int64_t i = 0; i < sim.rows; ++i) std::cout << (i ? "," : "") << json_array(sim.row(i), sim.cols);
  std::cout << "]}\n";
}

void run_similarity(const CLI::App& command, const SimilarityArgs& args) {
  const auto items = args.inputs.collect(command);
  const auto images = image_paths(items);
  const auto text_list = texts(items);
  BRIVL_CHECK(!images.empty() && !text_list.empty(), "similarity: give at least one image and one text");
  auto embedder = Embedder::load(resolve_model_files(args.model), embedder_options(args.model));
  Matrix image_rows, text_rows;
  {
    ProgressLine progress("images");
    image_rows = embedder.embed_images(images, progress.hooks());
  }
  {
    ProgressLine progress("texts");
    text_rows = embedder.embed_texts(text_list, progress.hooks());
  }
  const auto sim = cosine_matrix(image_rows, text_rows);
  if (!args.out.empty()) {
    write_npy_float32(args.out, sim.data, {sim.rows, sim.cols});
    std::cerr << "wrote " << args.out << ": float32 [" << sim.rows << ", " << sim.cols << "] (images x texts)\n";
  } else if (args.json) {
    print_json(images, text_list, sim);
  } else {
    print_table(images, text_list, sim);
  }
}

}  // namespace

void add_similarity_command(CLI::App& app, const std::string& executable) {
  auto args = std::make_shared<SimilarityArgs>();
  args->model.executable = executable;
  auto* cmd = app.add_subcommand("similarity", "cosine similarity of every image with every text");
  add_model_file_options(*cmd, args->model, true);
  add_runtime_options(*cmd, args->model);
  args->inputs.add_options(*cmd);
  auto* json = cmd->add_flag("--json", args->json, "print {images, texts, similarity} as JSON");
  auto* out = cmd->add_option("--out", args->out, "write the [images, texts] float32 matrix as .npy");
  json->excludes(out);
  cmd->callback([cmd, args] { run_similarity(*cmd, *args); });
}

}  // namespace brivl::cli
