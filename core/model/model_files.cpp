#include "model/model_files.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "imagine/imagine_recommendation.h"
#include "train/run_directory.h"
#include "util/error.h"

namespace brivl {
namespace fs = std::filesystem;

ModelFiles ModelFiles::resolve(const std::string& dir, const std::string& config_override,
                               const std::string& checkpoint_override, const std::string& vocab_override) {
  ModelFiles files;
  files.dir = dir;
  if (!dir.empty()) {
    std::error_code ec;
    BRIVL_CHECK(fs::is_directory(dir, ec), dir, ": model folder does not exist (expected config.yml, a .pth or "
                                                ".safetensors checkpoint and vocab.txt)");
    std::vector<std::string> checkpoints;
    fs::directory_iterator it(dir, ec), end;
    BRIVL_CHECK(!ec, dir, ": cannot list the model folder (", ec.message(), ")");
    for (; it != end; it.increment(ec)) {
      BRIVL_CHECK(!ec, dir, ": cannot list the model folder (", ec.message(), ")");
      const auto ext = it->path().extension().string();
      // The image basis is a safetensors file but not a checkpoint.
      if (it->path().filename() == kImageBasisFile) continue;
      if (it->is_regular_file(ec) && (ext == ".pth" || ext == ".safetensors")) checkpoints.push_back(it->path().string());
    }
    // A training run folder is a bundle too: its best (else newest) checkpoint.
    if (checkpoints.empty()) {
      if (auto from_run = run_directory_model_checkpoint(dir); !from_run.empty()) checkpoints.push_back(from_run);
    }
    if (checkpoint_override.empty()) {
      BRIVL_CHECK(!checkpoints.empty(), dir, ": no checkpoint (*.pth or *.safetensors) in the model folder");
      BRIVL_CHECK(checkpoints.size() == 1, dir, ": ", checkpoints.size(),
                  " checkpoints in the model folder; choose one with --checkpoint");
      files.checkpoint = checkpoints.front();
    }
    files.config = (fs::path(dir) / "config.yml").string();
    files.vocab = (fs::path(dir) / "vocab.txt").string();
    const auto card = fs::path(dir) / "MODEL_CARD.md";
    if (fs::exists(card)) files.card = card.string();
    const auto imagine = fs::path(dir) / kImagineRecommendationFile;
    if (fs::exists(imagine)) files.imagine = imagine.string();
    const auto basis = fs::path(dir) / kImageBasisFile;
    if (fs::exists(basis)) files.image_basis = basis.string();
  }
  if (!config_override.empty()) files.config = config_override;
  if (!checkpoint_override.empty()) files.checkpoint = checkpoint_override;
  if (!vocab_override.empty()) files.vocab = vocab_override;
  BRIVL_CHECK(!files.config.empty(), "no model config: give --model DIR or --config FILE");
  BRIVL_CHECK(!files.checkpoint.empty(), "no checkpoint: give --model DIR or --checkpoint FILE");
  BRIVL_CHECK(!files.vocab.empty(), "no vocabulary: give --model DIR or --vocab FILE");
  for (const auto* f : {&files.config, &files.checkpoint, &files.vocab}) {
    std::error_code ec;
    BRIVL_CHECK(fs::is_regular_file(*f, ec), *f, ": file does not exist");
  }
  return files;
}

std::string default_model_dir(const std::string& executable_path) {
  if (const char* env = std::getenv("BRIVL_DEFAULT_MODEL"); env && *env) return env;
  std::error_code ec;
  const auto exe = fs::canonical(executable_path, ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share" / "brivl" / "models" / "default";
    if (fs::is_directory(installed)) return installed.string();
  }
#ifdef BRIVL_SOURCE_DEFAULT_MODEL
  if (fs::is_directory(BRIVL_SOURCE_DEFAULT_MODEL)) return BRIVL_SOURCE_DEFAULT_MODEL;
#endif
  BRIVL_FAIL("no default model found (set BRIVL_DEFAULT_MODEL or pass --model DIR)");
}

}  // namespace brivl
