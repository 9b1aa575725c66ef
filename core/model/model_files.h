#pragma once
// Where a model's files are: a bundle folder (`config.yml`, one `*.pth` or `*.safetensors`,
// `vocab.txt`, optional `MODEL_CARD.md`) with optional per-file overrides.
#include <string>

namespace brivl {

// The imagination's image prior inside a bundle (imagine/image_basis.h); a safetensors file that
// is not a checkpoint.
inline constexpr const char* kImageBasisFile = "image_basis.safetensors";

struct ModelFiles {
  std::string config;
  std::string checkpoint;
  std::string vocab;
  std::string card;     // empty when the bundle has none
  std::string imagine;  // imagine.json, the recommended imagination recipe; empty when none
  std::string image_basis;  // image_basis.safetensors, the imagination's image prior; empty when none
  std::string dir;   // bundle folder, empty when only explicit files were given

  // Resolves a bundle folder; explicit non-empty overrides win. Throws naming the folder and
  // what is missing or ambiguous (e.g. two checkpoints).
  static ModelFiles resolve(const std::string& dir, const std::string& config_override = "",
                            const std::string& checkpoint_override = "", const std::string& vocab_override = "");
};

// The embedded default model: $BRIVL_DEFAULT_MODEL, else `<exe dir>/../share/brivl/models/default`
// (installed layout), else the source tree's models folder the program was built from.
std::string default_model_dir(const std::string& executable_path);

}  // namespace brivl
