#include "model_options.h"

#include <filesystem>

#include "util/thread_count.h"

namespace brivl::cli {
std::string executable_path(const char* argv0) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(argv0) : self.string();
}

void add_model_file_options(CLI::App& command, ModelArgs& args, bool text) {
  command.add_option("--model", args.model,
                     "model bundle folder (config.yml, one *.pth or *.safetensors, vocab.txt); default: the embedded model");
  command.add_option("--config", args.config, "official model config (cfg/*.yml); overrides the bundle's");
  command.add_option("--checkpoint", args.checkpoint, "checkpoint (.pth zip as saved by the official code, or .safetensors)");
  command.add_option("--vocab", args.vocab, "BERT vocab.txt");
  if (text) {
    command.add_option("--max-text-len", args.max_text_len,
                       "text length in tokens incl. [CLS]/[SEP], capped at MAX_TEXT_LEN (example.py --max_text_len)")
        ->check(CLI::Range(2, 4096))
        ->capture_default_str();
  }
}

void add_runtime_options(CLI::App& command, ModelArgs& args) {
  command.add_option("--device", args.device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  command.add_option("--dtype", args.dtype, "fp32 | bf16 | fp16 (fp16 needs CUDA) | int8 (CPU: the text tower in dynamic int8)")->capture_default_str();
  command.add_option("--threads", args.threads, "CPU threads (default: $BRIVL_THREADS or all cores)")
      ->check(CLI::Range(1, 1024));
  command.add_option("--batch-size", args.batch_size, "inputs per forward pass (default: images 1 on CPU / 16 on GPU, texts 32)")
      ->check(CLI::Range(1, 4096));
}

ModelFiles resolve_model_files(const ModelArgs& args) {
  const bool explicit_files = !args.config.empty() && !args.checkpoint.empty() && !args.vocab.empty();
  std::string dir = args.model;
  if (dir.empty() && !explicit_files) dir = default_model_dir(args.executable);
  return ModelFiles::resolve(dir, args.config, args.checkpoint, args.vocab);
}

EmbedderOptions embedder_options(const ModelArgs& args) {
  EmbedderOptions o;
  o.device = args.device;
  o.dtype = args.dtype;
  if (args.batch_size > 0) o.image_batch_size = o.text_batch_size = args.batch_size;
  o.max_text_len = args.max_text_len;
  o.threads = args.threads > 0 ? args.threads : default_thread_count();
  return o;
}

}  // namespace brivl::cli
