// brivl basis: the principal components of a model's training images, written into its bundle as
// the image prior of `brivl imagine --param basis` (core/imagine/image_basis.h).
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "imagine/image_basis_job.h"
#include "model/model_files.h"

namespace brivl::cli {

void add_basis_command(CLI::App& app, const std::string& /*executable*/) {
  auto job = std::make_shared<ImageBasisJob>();
  auto* cmd = app.add_subcommand(
      "basis", std::string("fit the image prior of --param basis: principal components of a model's training images (") +
                   kImageBasisFile + " in its folder)");
  cmd->add_option("--data", job->data, "the model's training data (CSV / TSV / JSONL) or a folder of images")->required();
  cmd->add_option("--out", job->out, std::string("file to write, e.g. MODEL_DIR/") + kImageBasisFile)->required();
  cmd->add_option("--size", job->size, "side the images are reduced to before fitting")->capture_default_str();
  cmd->add_option("--components", job->components, "components kept")->capture_default_str();
  cmd->add_option("--val-split", job->val_split, "left out like brivl train's validation images (its --val-split)")
      ->capture_default_str();
  cmd->add_option("--seed", job->seed, "the split's seed (brivl train's --seed)")->capture_default_str();
  cmd->callback([job] {
    const auto summary = run_image_basis_job(*job, [](const std::string& line) { std::cerr << line << "\n"; });
    std::printf("%s: %lld components of %lld images, %.1f %% of their variance\n", job->out.c_str(),
                static_cast<long long>(summary.components), static_cast<long long>(summary.images),
                100.0 * summary.explained);
  });
}

}  // namespace brivl::cli
