// `brivl`: every capability of BriVL Studio, scriptable.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands/commands.h"
#include "commands/model_options.h"
#include "embed/embedder.h"
#include "util/error.h"
#include "util/allocator_tuning.h"

#ifndef BRIVL_VERSION
#define BRIVL_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  brivl::keep_freed_memory_for_reuse();  // big tensors reuse freed memory, no page faults per pass (util/allocator_tuning.h)
  const std::string executable = brivl::cli::executable_path(argv[0]);
  CLI::App app{"brivl: the BriVL Chinese vision-language model (Fei et al. 2022) from the command line"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] {
    // The thread count commands use by default (BRIVL_THREADS, else all cores; --threads overrides).
    return std::string("brivl " BRIVL_VERSION " (") + brivl::runtime_description(brivl::cli::embedder_options({}).threads) + ")";
  });
  app.footer("Without --model the embedded default model is used. Run 'brivl <command> --help' for details.\n");
  brivl::cli::add_info_command(app, executable);
  brivl::cli::add_tokenize_command(app, executable);
  brivl::cli::add_embed_command(app, executable);
  brivl::cli::add_similarity_command(app, executable);
  brivl::cli::add_explain_command(app, executable);
  brivl::cli::add_imagine_command(app, executable);
  brivl::cli::add_basis_command(app, executable);
  brivl::cli::add_retrieval_commands(app, executable);
  brivl::cli::add_train_commands(app, executable);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const brivl::Error& e) {
    std::cerr << "brivl: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "brivl: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
