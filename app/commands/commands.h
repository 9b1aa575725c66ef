#pragma once
// Sub-commands of the `brivl` program. Each registers itself on the app; its callback runs the
// command and throws brivl::Error on bad input (main() prints it and exits non-zero).
#include <CLI/CLI.hpp>

#include <string>

namespace brivl::cli {

void add_info_command(CLI::App& app, const std::string& executable);
void add_tokenize_command(CLI::App& app, const std::string& executable);
void add_embed_command(CLI::App& app, const std::string& executable);
void add_similarity_command(CLI::App& app, const std::string& executable);
void add_imagine_command(CLI::App& app, const std::string& executable);
void add_explain_command(CLI::App& app, const std::string& executable);   // explain (region relevance)
void add_retrieval_commands(CLI::App& app, const std::string& executable);  // index, search
void add_basis_command(CLI::App& app, const std::string& executable);       // basis (image prior)
void add_train_commands(CLI::App& app, const std::string& executable);      // train, eval, dataset

}  // namespace brivl::cli
