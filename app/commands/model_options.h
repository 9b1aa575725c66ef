#pragma once
// Options shared by every command that loads a model, and their translation to core types.
#include <CLI/CLI.hpp>

#include <string>

#include "embed/embedder.h"
#include "model/model_files.h"

namespace brivl::cli {

struct ModelArgs {
  std::string model, config, checkpoint, vocab;
  std::string device = "auto";
  std::string dtype = "fp32";
  int threads = 0;
  int batch_size = 0;  // 0: the embedder's defaults (images 1 on CPU / 16 on GPU, texts 32)
  int max_text_len = 32;
  std::string executable;  // this program's path, to find the installed default model
};

// --model/--config/--checkpoint/--vocab (+ --max-text-len when `text` is set).
void add_model_file_options(CLI::App& command, ModelArgs& args, bool text);
// --device/--dtype/--threads/--batch-size.
void add_runtime_options(CLI::App& command, ModelArgs& args);

// --model DIR, explicit files, or the embedded default model.
ModelFiles resolve_model_files(const ModelArgs& args);
EmbedderOptions embedder_options(const ModelArgs& args);

// The running program's path (/proc/self/exe, else argv[0]).
std::string executable_path(const char* argv0);

}  // namespace brivl::cli
