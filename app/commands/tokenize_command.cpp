// brivl tokenize: BERT WordPiece ids exactly as the official TextData produces them.
#include <iostream>
#include <memory>

#include "commands.h"
#include "input_list.h"
#include "model_options.h"
#include "output_format.h"
#include "text/text_lines.h"
#include "util/error.h"

namespace brivl::cli {
namespace {

struct TokenizeArgs {
  ModelArgs model;
  std::vector<std::string> texts;
  std::vector<std::string> text_files;
};

}  // namespace

void add_tokenize_command(CLI::App& app, const std::string& executable) {
  auto args = std::make_shared<TokenizeArgs>();
  args->model.executable = executable;
  auto* cmd = app.add_subcommand("tokenize", "token ids and attention mask of texts (one JSON line each)");
  add_model_file_options(*cmd, args->model, true);
  cmd->add_option("--text", args->texts, "text (repeatable)")->allow_extra_args(false);
  cmd->add_option("--texts-file", args->text_files, "UTF-8 file with one text per line")->allow_extra_args(false);
  cmd->footer("Prints {\"text\":...,\"input_ids\":[...],\"attention_mask\":[...]} per text; --text values first, then files.\n");
  cmd->callback([args] {
    std::vector<std::string> all = args->texts;
    for (const auto& f : args->text_files) {
      for (auto& t : read_text_lines(f)) all.push_back(std::move(t));
    }
    BRIVL_CHECK(!all.empty(), "tokenize: no texts (give --text or --texts-file)");
    const auto setup = load_text_setup(resolve_model_files(args->model), args->model.max_text_len);
    for (const auto& text : all) {
      const auto enc = setup.tokenizer.encode(text, setup.text_len);
      std::cout << "{\"text\":" << json_string(text) << ",\"input_ids\":" << json_array(enc.input_ids)
                << ",\"attention_mask\":" << json_array(enc.attention_mask) << "}\n";
    }
  });
}

}  // namespace brivl::cli
