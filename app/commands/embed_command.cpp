// brivl embed: L2-normalized embeddings of images and texts, as JSON lines or a float32 .npy.
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

struct EmbedArgs {
  ModelArgs model;
  InputList inputs;
  bool jsonl = false;
  std::string out;
};

void print_jsonl(const std::vector<InputItem>& items, const Matrix& images, const Matrix& texts) {
  int64_t next_image = 0, next_text = 0;
  for (const auto& item : items) {
    const float* row = item.is_image ? images.row(next_image++) : texts.row(next_text++);
    const int64_t dim = item.is_image ? images.cols : texts.cols;
    std::cout << "{\"kind\":\"" << (item.is_image ? "image" : "text") << "\",\"input\":" << json_string(item.value)
              << ",\"embedding\":" << json_array(row, dim) << "}\n";
  }
}

void run_embed(const CLI::App& command, const EmbedArgs& args) {
  const auto items = args.inputs.collect(command);
  BRIVL_CHECK(!items.empty(), "embed: no inputs (give --image, --text, --images-file or --texts-file)");
  auto embedder = Embedder::load(resolve_model_files(args.model), embedder_options(args.model));
  Matrix images, text_rows;
  {
    ProgressLine progress("images");
    images = embedder.embed_images(image_paths(items), progress.hooks());
  }
  {
    ProgressLine progress("texts");
    text_rows = embedder.embed_texts(texts(items), progress.hooks());
  }
  if (args.jsonl) return print_jsonl(items, images, text_rows);
  std::vector<float> all = images.data;
  all.insert(all.end(), text_rows.data.begin(), text_rows.data.end());
  const int64_t dim = images.rows ? images.cols : text_rows.cols;
  write_npy_float32(args.out, all, {images.rows + text_rows.rows, dim});
  std::cerr << "wrote " << args.out << ": " << images.rows << " image and " << text_rows.rows
            << " text embeddings of dimension " << dim << " (float32, images first)\n";
}

}  // namespace

void add_embed_command(CLI::App& app, const std::string& executable) {
  auto args = std::make_shared<EmbedArgs>();
  args->model.executable = executable;
  auto* cmd = app.add_subcommand("embed", "L2-normalized image and text embeddings");
  cmd->footer(
      "Output: --jsonl prints one line per input in command-line order: "
      "{\"kind\":\"image\"|\"text\",\"input\":...,\"embedding\":[...]}. "
      "--out FILE.npy writes a float32 [N, D] array: all images first, then all texts, each in the order given.\n");
  add_model_file_options(*cmd, args->model, true);
  add_runtime_options(*cmd, args->model);
  args->inputs.add_options(*cmd);
  auto* jsonl = cmd->add_flag("--jsonl", args->jsonl, "print JSON lines to stdout");
  auto* out = cmd->add_option("--out", args->out, "write a float32 .npy file (images first, then texts)");
  jsonl->excludes(out);
  cmd->callback([cmd, args] {
    BRIVL_CHECK(args->jsonl || !args->out.empty(), "embed: choose an output: --jsonl or --out FILE.npy");
    run_embed(*cmd, *args);
  });
}

}  // namespace brivl::cli
