// brivl info: what a model is, where its files are, how big it is and how long it took to load.
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.h"
#include "imagine/imagine_recommendation.h"
#include "model_options.h"
#include "output_format.h"

namespace brivl::cli {
namespace {

struct InfoArgs {
  ModelArgs model;
  bool json = false;
};

void print_text(const ModelSummary& s, const std::optional<ImagineRecommendation>& imagine) {
  auto millions = [](int64_t n) { return std::to_string(n / 1000000) + "." + std::to_string(n / 10000 % 100) + "M"; };
  std::cout << "config      " << s.config_path << "\n"
            << "checkpoint  " << s.checkpoint_path << " (" << s.checkpoint_format << ", " << s.keys_loaded
            << " tensors loaded, " << s.keys_ignored << " not needed for inference, "
            << std::fixed << std::setprecision(1) << s.bytes_read / 1048576.0 << " MiB read)\n"
            << "vocab       " << s.vocab_path << " (" << s.vocab_size << " tokens)\n";
  if (!s.card_path.empty()) std::cout << "model card  " << s.card_path << "\n";
  if (imagine) std::cout << "imagine     --preset " << imagine->preset << " by default (" << imagine->file << ")\n";
  if (!s.basis_path.empty()) std::cout << "image basis " << s.basis_path << " (--param basis)\n";
  std::cout << "image tower " << s.cnn << " @ " << s.img_size << "px, " << millions(s.image_parameters) << " parameters\n"
            << "            " << s.image_layout << "\n"
            << "text tower  " << s.encoder << ", " << millions(s.text_parameters) << " parameters, max "
            << s.max_text_len << " tokens (using " << s.effective_text_len << ")\n"
            << "embedding   " << s.embedding_dim << " dimensions, L2-normalized\n"
            << "device      " << s.device << ", " << s.dtype
            << (s.text_dtype != s.dtype ? ", text tower " + s.text_dtype : std::string()) << "\n"
            << "runtime     " << runtime_description() << "\n"
            << "load time   " << std::setprecision(3) << s.load_seconds << " s\n";
}

void print_json(const ModelSummary& s, const std::optional<ImagineRecommendation>& imagine) {
  std::cout << "{\"config\":" << json_string(s.config_path) << ",\"checkpoint\":" << json_string(s.checkpoint_path)
            << ",\"checkpoint_format\":" << json_string(s.checkpoint_format) << ",\"vocab\":" << json_string(s.vocab_path)
            << ",\"cnn\":" << json_string(s.cnn) << ",\"encoder\":" << json_string(s.encoder)
            << ",\"img_size\":" << s.img_size << ",\"embedding_dim\":" << s.embedding_dim
            << ",\"max_text_len\":" << s.max_text_len << ",\"image_parameters\":" << s.image_parameters
            << ",\"text_parameters\":" << s.text_parameters << ",\"vocab_size\":" << s.vocab_size
            << ",\"keys_loaded\":" << s.keys_loaded << ",\"keys_ignored\":" << s.keys_ignored
            << ",\"bytes_read\":" << s.bytes_read << ",\"device\":" << json_string(s.device)
            << ",\"dtype\":" << json_string(s.dtype) << ",\"text_dtype\":" << json_string(s.text_dtype)
            << ",\"image_basis\":" << (s.basis_path.empty() ? std::string("null") : json_string(s.basis_path))
            << ",\"load_seconds\":" << s.load_seconds
            << ",\"imagine_preset\":" << (imagine ? json_string(imagine->preset) : std::string("null")) << "}\n";
}

}  // namespace

void add_info_command(CLI::App& app, const std::string& executable) {
  auto args = std::make_shared<InfoArgs>();
  args->model.executable = executable;
  auto* cmd = app.add_subcommand("info", "load a model and describe it (config, parameters, device, load time)");
  add_model_file_options(*cmd, args->model, true);
  add_runtime_options(*cmd, args->model);
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args] {
    const auto files = resolve_model_files(args->model);
    const auto imagine = read_imagine_recommendation(files.imagine);
    const auto embedder = Embedder::load(files, embedder_options(args->model));
    args->json ? print_json(embedder.summary(), imagine) : print_text(embedder.summary(), imagine);
  });
}

}  // namespace brivl::cli
